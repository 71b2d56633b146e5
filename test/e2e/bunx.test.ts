/**
 * `bunx mcpgw …` in a project that has mcpgw installed: package.json's `bin` maps `mcpgw` to
 * src/main.ts. Real `bun link` / `bun link mcpgw` / `bunx` processes, with BUN_INSTALL pointed
 * at a temp dir so the machine's global link registry is not touched.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "mcpgw-bunx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string[], cwd: string) {
  const env = { ...process.env, BUN_INSTALL: join(dir, "bun-install") };
  const p = Bun.spawnSync({ cmd, cwd, env, stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

test("bunx mcpgw runs the CLI in a project that links mcpgw", () => {
  expect(run([process.execPath, "link"], ROOT).code).toBe(0);
  const project = join(dir, "project");
  Bun.spawnSync({ cmd: ["mkdir", "-p", project] });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-mcpgw", version: "0.0.0" }));
  const linked = run([process.execPath, "link", "mcpgw"], project);
  expect(linked.code, linked.err).toBe(0);
  const r = run([process.execPath, "x", "mcpgw", "version"], project);
  expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringMatching(/^mcpgw \d+\.\d+\.\d+ \(bun /) });
});
