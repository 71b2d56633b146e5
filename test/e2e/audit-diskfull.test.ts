/**
 * A real full disk: a 1 MiB tmpfs mounted for the test (skipped where mounting is not allowed),
 * holding the audit database of a real `mcpgw wrap` process around the real SDK fixture server.
 * The disk is filled with a real file while traffic flows, then freed.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode } from "../../src/jsonrpc/errors.ts";
import { echoCall, INIT, isolatedEnv, MAIN, spawnWrap, type WrapClient } from "../helpers/wrap-client.ts";

setDefaultTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), "mcpgw-diskfull-"));
const mounts: string[] = [];
function tinyDisk(): string | undefined {
  const m = join(root, `mnt${mounts.length}`);
  mkdirSync(m);
  const r = Bun.spawnSync({ cmd: ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", m], stderr: "pipe" });
  if (r.exitCode !== 0) return undefined;
  mounts.push(m);
  return m;
}
afterAll(() => {
  for (const m of mounts) Bun.spawnSync({ cmd: ["umount", m] });
  rmSync(root, { recursive: true, force: true });
});

const canMount = (() => {
  const m = tinyDisk();
  return m !== undefined;
})();

/** Fills the filesystem of `dir` until it refuses another byte. */
function fill(dir: string): string {
  const f = join(dir, "filler");
  const fd = openSync(f, "w");
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (let i = 0; i < 10_000; i++) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full
  }
  try {
    for (let i = 0; i < 10_000; i++) writeSync(fd, chunk, 0, 512);
  } catch {
    // full to the last block
  }
  closeSync(fd);
  return f;
}

const ARG = "x".repeat(2000);

/** Sends calls one at a time until `pred` holds for an answer (bounded), returning the answers. */
async function callUntil(c: WrapClient, start: number, pred: (m: Record<string, unknown>) => boolean) {
  const answers: Record<string, unknown>[] = [];
  for (let id = start; id < start + 400; id++) {
    c.send(echoCall(id, ARG));
    const r = await c.response(id);
    answers.push(r);
    if (pred(r)) break;
  }
  return answers;
}

const refused = (m: Record<string, unknown>) =>
  (m.error as { code?: number } | undefined)?.code === ErrorCode.AUDIT_UNAVAILABLE;

describe.skipIf(!canMount)("audit on a full disk", () => {
  test("on_failure block refuses traffic while the disk is full and recovers without losing records", async () => {
    const disk = tinyDisk()!;
    const db = join(disk, "audit.db");
    await using c = spawnWrap(["--audit-db", db]);
    c.send(INIT);
    await c.response(0);
    const filler = fill(disk);
    const before = await callUntil(c, 1, refused);
    expect(before.some(refused)).toBe(true);
    rmSync(filler);
    // Once the writer's retry succeeds (it retries every 250 ms), traffic flows again.
    const after: Record<string, unknown>[] = [];
    for (let id = 1000; id < 1200; id++) {
      c.send(echoCall(id, ARG));
      const r = await c.response(id);
      after.push(r);
      if ("result" in r) break;
      await Bun.sleep(25);
    }
    expect(after.at(-1), c.stderr()).toHaveProperty("result");
    expect(await c.end()).toBe(0);

    const v = Bun.spawnSync({
      cmd: [process.execPath, MAIN, "audit", "verify", db, "--json"],
      env: isolatedEnv(),
      stdout: "pipe",
    });
    expect(v.exitCode).toBe(0);
    const report = JSON.parse(v.stdout.toString());
    // Every answered call has its request and its response in the log; a refused one has its
    // block, plus its request's pass when the disk filled while the call was at the server (the
    // response was then refused instead): nothing is lost either way.
    const answered = [...before, ...after].filter((m) => "result" in m).length;
    const blocked = [...before, ...after].filter(refused).length;
    expect(report.count).toBeGreaterThanOrEqual(2 + 2 * answered + blocked);
    expect(report.count).toBeLessThanOrEqual(2 + 2 * answered + 2 * blocked);
    expect(c.stderr()).toContain("audit log write failed");
  });

  test("on_failure continue keeps traffic flowing on a full disk and says so", async () => {
    const disk = tinyDisk()!;
    const cfg = join(root, "continue.yaml");
    writeFileSync(cfg, "audit:\n  on_failure: continue\n");
    await using c = spawnWrap(["--audit-db", join(disk, "audit.db")], { MCPGW_CONFIG: cfg });
    c.send(INIT);
    await c.response(0);
    fill(disk);
    const answers = await callUntil(c, 1, () => c.stderr().includes("audit log write failed"));
    expect(answers.every((m) => "result" in m)).toBe(true);
    expect(c.stderr()).toContain("traffic continues");
    await c.end();
  });
});
