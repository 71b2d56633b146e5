/**
 * In-process micro-benchmarks: the chain, policy and framing on their own, and the cost of
 * inspecting a payload inline against sending it to a pool worker, by size. The last table is
 * what `workers.offload_min_bytes` is chosen from.
 */

import { NULL_AUDIT_SINK } from "../../src/audit/sink.ts";
import { compileRuntime } from "../../src/config/compile.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { LineScanner } from "../../src/jsonrpc/scanner.ts";
import { createLogger } from "../../src/log/index.ts";
import { createOffloader, WorkerPool } from "../../src/pool/index.ts";
import { Session } from "../../src/session/index.ts";
import { judgeFrame } from "../../src/transport/judge.ts";
import type { MicroResult } from "../harness/report.ts";
import { round } from "../harness/stats.ts";

/** Mean µs per call of `fn`, after a warm-up, over at least `minMs`. */
function timeSync(fn: () => unknown, minMs: number): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    t = performance.now();
  }
  return ((t - t0) * 1000) / n;
}

async function timeAsync(fn: () => Promise<unknown>, minMs: number): Promise<number> {
  for (let i = 0; i < 50; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return ((performance.now() - t0) * 1000) / n;
}

const toolResult = (bytes: number) =>
  JSON.stringify({ jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "x".repeat(bytes) }] } });

export async function runMicro(quick: boolean): Promise<MicroResult[]> {
  const ms = quick ? 40 : 300;
  const out: MicroResult[] = [];
  const logger = createLogger({ level: "error", format: "text" });
  const config = ConfigSchema.parse({ workers: { size: 0 } });
  const rt = compileRuntime(config, logger);
  const session = new Session("bench", null, "bench");
  const deps = { chain: rt.chain, audit: NULL_AUDIT_SINK, enforce: true, maxBatch: 100 };
  const call = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}';

  out.push({
    name: "judgeFrame: small tools/call, default chain (parse + chain + deliver)",
    unit: "µs",
    value: round(
      timeSync(() => judgeFrame(deps, session, "c2s", call, call.length), ms),
      2,
    ),
  });
  for (const bytes of [64 * 1024, 1024 * 1024]) {
    const text = toolResult(bytes);
    out.push({
      name: `judgeFrame: ${bytes / 1024} KiB tools/call result, default chain, inline`,
      unit: "µs",
      value: round(
        timeSync(() => {
          session.track({ id: 7, method: "tools/call", target: "big", startedAt: 0, direction: "c2s" });
          return judgeFrame(deps, session, "s2c", text, text.length);
        }, ms),
        1,
      ),
    });
  }

  const lines = Buffer.from(`${call}\n`.repeat(10_000));
  let frames = 0;
  const scanner = new LineScanner({ onLine: () => frames++, onError: () => {} }, 1 << 20);
  const scanUs = timeSync(() => scanner.push(lines), ms);
  out.push({ name: "LineScanner: NDJSON framing", unit: "MB/s", value: round(lines.length / scanUs, 0) });

  // Inline vs pool for the json_inspect task (a parse plus a full walk: the heavy-inspection shape).
  const pool = new WorkerPool({ size: 1, queueDepth: 64, ringBytes: 4 << 20, jobTimeoutMs: 30_000 });
  try {
    const inline = createOffloader("json_inspect", undefined, { pool: null, minBytes: 0 });
    const pooled = createOffloader("json_inspect", undefined, { pool, minBytes: 0 });
    for (const bytes of [256, 4 * 1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]) {
      const text = toolResult(bytes);
      const inUs = timeSync(() => inline.run(text), ms);
      const poolUs = await timeAsync(() => pooled.run(text) as Promise<unknown>, ms);
      // Event-loop time of a pooled job: the synchronous part (copy into the ring).
      let syncMs = 0;
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < ms) {
        const a = performance.now();
        const p = pooled.run(text) as Promise<unknown>;
        syncMs += performance.now() - a;
        n++;
        await p;
      }
      const mainUs = (syncMs * 1000) / n;
      out.push({
        name: `json_inspect ${bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`}: inline / pool round trip / pool main-thread`,
        unit: "µs",
        value: round(inUs, 1),
        note: `${round(poolUs, 1)} µs round trip, ${round(mainUs, 1)} µs on the event loop`,
      });
    }
  } finally {
    await pool.close();
  }
  await rt.close();
  return out;
}
