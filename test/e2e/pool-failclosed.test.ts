/**
 * Real: the compiled chain with the real injection and pii interceptors, the real shared worker
 * pool, and the real audit log (SQLite writer worker, temp dir), driven through judgeFrame as a
 * transport does. A pool worker is terminated while it holds a message: the message fails
 * closed with INSPECTION_FAILED, the failure is audited, and the replacement serves the next one.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditSink } from "../../src/audit/log.ts";
import { queryRecords } from "../../src/audit/query.ts";
import { compileRuntime } from "../../src/config/compile.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { ErrorCode } from "../../src/jsonrpc/errors.ts";
import { silentLogger } from "../../src/log/index.ts";
import { closeSharedPool, sharedPool } from "../../src/pool/index.ts";
import { Session } from "../../src/session/index.ts";
import { judgeFrame } from "../../src/transport/judge.ts";

const dir = mkdtempSync(join(tmpdir(), "mcpgw-pool-failclosed-"));
const db = join(dir, "audit.db");

beforeAll(async () => {
  // The pool is process-wide: start this file's from its own configuration.
  await closeSharedPool();
});
afterAll(async () => {
  await closeSharedPool();
  rmSync(dir, { recursive: true, force: true });
});

const big = (id: number) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    result: { content: [{ type: "text", text: "Quarterly figures, region by region. ".repeat(20_000) }] },
  });
const call = (id: number) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "report", arguments: {} } });

describe("a pool worker that dies mid-message", () => {
  test("fails that message closed with an audited INSPECTION_FAILED and serves the next from a replacement", async () => {
    const config = ConfigSchema.parse({
      plugins: [{ name: "pii", config: { mode: "redact" } }],
      workers: { size: 1, offload_min_bytes: 1024, offload: "always" },
      audit: { db },
    });
    const audit = await createAuditSink(config, silentLogger);
    const rt = compileRuntime(config, silentLogger);
    const pool = sharedPool(config)!;
    const session = new Session("s-crash", null, "up");
    const deps = { chain: rt.chain, audit, enforce: true, maxBatch: 100 };
    try {
      judgeFrame(deps, session, "c2s", call(1), call(1).length);
      const victim = pool.workers[0]!;
      // Hold the only worker in a long job first: the message queued behind it cannot be
      // inspected before terminate() lands, however fast the scan is.
      const hold = pool.run("spin", "60000", pool.publish("spin", null).generation).catch((e: unknown) => e);
      const pending = judgeFrame(deps, session, "s2c", big(1), big(1).length);
      expect(pending).toBeInstanceOf(Promise);
      expect(pool.inflight).toBeGreaterThanOrEqual(2);
      victim.terminate();
      expect(await hold).toMatchObject({ code: "WORKER_CRASHED" });
      const failed = await pending;
      expect(failed.actions).toEqual(["block"]);
      expect(JSON.parse(failed.toRecipient as string)).toMatchObject({
        id: 1,
        error: { code: ErrorCode.INSPECTION_FAILED, message: "Inspection failed" },
      });

      judgeFrame(deps, session, "c2s", call(2), call(2).length);
      const next = await judgeFrame(deps, session, "s2c", big(2), big(2).length);
      expect(next).toEqual({ toRecipient: "original", toSender: null, actions: ["pass"] });
      expect(pool.workers[0]).not.toBe(victim);
    } finally {
      await rt.close();
      await audit.close();
    }
    const rows = [...queryRecords(new Database(db, { readonly: true }), { direction: "s2c" })].map((r) => ({
      id: r.id,
      action: r.action,
      decided_by: r.decided_by,
      rule: r.rule,
    }));
    expect(rows).toEqual([
      { id: "1", action: "block", decided_by: expect.stringMatching(/^(pii|injection)$/), rule: "fail_closed" },
      { id: "2", action: "pass", decided_by: undefined, rule: undefined },
    ] as never);
  });
});
