/**
 * Real: `bun run bench` spawned as a process, with its real fixtures (raw NDJSON echo server,
 * `mcpgw wrap` from source). Shrunk to one scenario, one gateway row and one round so it stays
 * cheap; it proves the bench runs end to end and writes its reports. No timing is asserted.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
const out = mkdtempSync(join(tmpdir(), "mcpgw-bench-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function bench(args: string[]) {
  const proc = Bun.spawn({
    cmd: [process.execPath, join(ROOT, "bench/run.ts"), ...args],
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

describe("bun run bench", () => {
  test("runs a shrunk quick pass and writes JSON, Markdown and SVG reports", async () => {
    const r = await bench([
      "--quick",
      "--scenarios",
      "stdio-small",
      "--targets",
      "passthrough",
      "--rounds",
      "1",
      "--requests",
      "30",
      "--duration",
      "40",
      "--no-micro",
      "--budget",
      "p50=60s",
      "--out",
      out,
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("bench: wrote") });
    const files = readdirSync(out).sort();
    expect(files.map((f) => f.replace(/^.*\./, ""))).toEqual(["json", "md", "svg"]);
    const json = JSON.parse(readFileSync(join(out, files[0]!), "utf8"));
    expect(json.scenarios[0]).toMatchObject({
      name: "stdio-small",
      targets: [
        { target: "direct", errors: 0 },
        { target: "passthrough", errors: 0, added: { p50: expect.any(Number) } },
      ],
    });
    expect(json.budgets).toEqual([
      expect.objectContaining({ scenario: "stdio-small", target: "passthrough", ok: true }),
    ]);
    expect(readFileSync(join(out, files[2]!), "utf8")).toStartWith("<svg");
    expect(r.stdout).toContain("| passthrough |");
  });

  test("exits 2 with the usage on a malformed budget", async () => {
    const r = await bench(["--budget", "p42=1ms"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid budget key "p42"');
  });
});
