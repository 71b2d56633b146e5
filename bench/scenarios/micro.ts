/**
 * In-process micro-benchmarks: the chain, policy and framing on their own, and the cost of
 * inspecting a payload inline against sending it to a pool worker, by size. The last table is
 * what `workers.offload_min_bytes` is chosen from.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditSink } from "../../src/audit/log.ts";
import { NULL_AUDIT_SINK } from "../../src/audit/sink.ts";
import { compileRuntime } from "../../src/config/compile.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { scanContent } from "../../src/interceptors/injection/scan.ts";
import { scanDeep } from "../../src/interceptors/pii/scan.ts";
import { LineScanner } from "../../src/jsonrpc/scanner.ts";
import { createLogger } from "../../src/log/index.ts";
import { createOffloader, piiScanHead, WorkerPool } from "../../src/pool/index.ts";
import { Session } from "../../src/session/index.ts";
import { judgeFrame } from "../../src/transport/judge.ts";
import { threadCpu } from "../harness/procs.ts";
import type { MicroResult } from "../harness/report.ts";
import { round } from "../harness/stats.ts";

/** Mean µs per call of `fn`, after a warm-up, over at least `minMs` and 3 calls. */
function timeSync(fn: () => unknown, minMs: number): number {
  const w0 = performance.now();
  for (let i = 0; i < 200 && performance.now() - w0 < minMs / 4; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs || n < 3) {
    fn();
    n++;
    t = performance.now();
  }
  return ((t - t0) * 1000) / n;
}

async function timeAsync(fn: () => Promise<unknown>, minMs: number): Promise<number> {
  const w0 = performance.now();
  for (let i = 0; i < 50 && performance.now() - w0 < minMs / 4; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || n < 3) {
    await fn();
    n++;
  }
  return ((performance.now() - t0) * 1000) / n;
}

/** CPU time (µs) of this process's main thread, the event loop; NaN without /proc. */
function mainThreadCpuUs(): number {
  return threadCpu(process.pid).get(process.pid)?.us ?? Number.NaN;
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

  out.push(...(await exchangeWithAudit(quick ? 2_000 : 20_000, logger)));

  const lines = Buffer.from(`${call}\n`.repeat(10_000));
  let frames = 0;
  const scanner = new LineScanner({ onLine: () => frames++, onError: () => {} }, 1 << 20);
  const scanUs = timeSync(() => scanner.push(lines), ms);
  out.push({ name: "LineScanner: NDJSON framing", unit: "MB/s", value: round(lines.length / scanUs, 0) });

  // Inline vs pool for the detectors: what workers.offload_min_bytes is chosen from.
  const pool = new WorkerPool({ size: 1, queueDepth: 64, ringBytes: 4 << 20, jobTimeoutMs: 60_000 });
  try {
    const injection = createOffloader(
      "injection_content",
      { kind: "tool_result", base: "result" },
      { pool, minBytes: 0 },
    );
    const pii = createOffloader("pii_scan", { categories: null, redact: [], skip_keys: [] }, { pool, minBytes: 0 });
    const prose = "The quarterly report covers revenue, costs and the outlook for each region. ";
    for (const bytes of quick ? [256, 4096, 65536] : [256, 1024, 4096, 16384, 65536, 262144, 1048576]) {
      // The received frame, and its result through JSON as the chain sees it (flat strings: repeat
      // and slice make a rope). A pooled job sends the frame's text, as the interceptors do.
      const frame = JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        result: { content: [{ type: "text", text: prose.repeat(Math.ceil(bytes / prose.length)).slice(0, bytes) }] },
      });
      const value: unknown = (JSON.parse(frame) as { result: unknown }).result;
      const budget = bytes >= 262144 ? Math.max(ms, 400) : ms;
      const label = bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
      const rows: [string, () => unknown, () => Promise<unknown>][] = [
        ["injection", () => scanContent("tool_result", value, "result"), () => injection.runPooled(frame)],
        ["pii", () => scanDeep(value, { path: "result" }), () => pii.runPooled(frame, piiScanHead("result", 100))],
      ];
      for (const [name, inlineFn, pooledFn] of rows) {
        const inUs = timeSync(inlineFn, budget);
        const poolUs = await timeAsync(pooledFn, budget);
        // Event-loop time of a pooled job: until it is queued (copying the frame into the ring and
        // waking the worker), and in all (the main thread's CPU, so also reading the answer).
        let syncMs = 0;
        let n = 0;
        const cpu0 = mainThreadCpuUs();
        const t0 = performance.now();
        while (performance.now() - t0 < budget || n < 3) {
          const a = performance.now();
          const p = pooledFn();
          syncMs += performance.now() - a;
          n++;
          await p;
        }
        const loopUs = (mainThreadCpuUs() - cpu0) / n;
        out.push({
          name: `${name} ${label}: inline`,
          unit: "µs",
          value: round(inUs, 1),
          note: `pool: ${round(poolUs, 1)} µs round trip, ${round(loopUs, 1)} µs of event-loop CPU (${round((syncMs * 1000) / n, 1)} µs until queued)`,
        });
      }
    }
  } finally {
    await pool.close();
  }
  await rt.close();
  return out;
}

/**
 * One small exchange (a tools/call and its result) through judgeFrame with the `inline` target's
 * chain and its audit log to SQLite: the event loop's time, and the whole process's CPU (the
 * audit writer thread and the engine's GC threads included) per exchange. The second figure is
 * what an exchange costs the machine beyond the transport.
 */
async function exchangeWithAudit(n: number, logger: ReturnType<typeof createLogger>): Promise<MicroResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "mcpgw-bench-micro-"));
  const config = ConfigSchema.parse({
    plugins: [{ name: "injection" }, { name: "pii", config: { mode: "redact" } }, { name: "schema" }],
    audit: { db: join(dir, "audit.db") },
    workers: { size: 0 },
  });
  const rt = compileRuntime(config, logger);
  const audit = await createAuditSink(config, logger);
  try {
    const session = new Session("bench-exchange", null, "bench");
    const deps = { chain: rt.chain, audit, enforce: true, maxBatch: 100 };
    const result = `{"type":"text","text":"${"x".repeat(64)}"}`;
    let id = 0;
    const exchange = () => {
      id++;
      const call = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"bytes":64}}}`;
      judgeFrame(deps, session, "c2s", call, call.length);
      const reply = `{"jsonrpc":"2.0","id":${id},"result":{"content":[${result}]}}`;
      judgeFrame(deps, session, "s2c", reply, reply.length);
    };
    const loop = async (count: number) => {
      let loopMs = 0;
      for (let i = 0; i < count; i += 500) {
        const t0 = performance.now();
        for (let k = 0; k < 500; k++) exchange();
        loopMs += performance.now() - t0;
        await Bun.sleep(0); // let the event loop (and the writer's acknowledgements) run
      }
      await audit.flush();
      return loopMs;
    };
    await loop(Math.max(1000, n / 5));
    const cpu0 = process.cpuUsage();
    const loopMs = await loop(n);
    const cpu = process.cpuUsage(cpu0);
    return [
      {
        name: "exchange (call + result), inline chain + audit to SQLite: event loop",
        unit: "µs",
        value: round((loopMs * 1000) / n, 1),
      },
      {
        name: "exchange (call + result), inline chain + audit to SQLite: process CPU",
        unit: "µs",
        value: round((cpu.user + cpu.system) / n, 1),
        note: "all threads: the audit writer and GC included",
      },
    ];
  } finally {
    await audit.close();
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
