#!/usr/bin/env bun
/**
 * `bun bench/audit/audit.ts [--records N] [--rate R] [--seconds S]`: what the audit log costs.
 *   1. hot path: main-thread time per AuditSink.record() (metrics + queuing) with the real writer
 *      running, as wall time and as the main thread's own CPU time (robust on a busy machine)
 *   2. writer: records/s the worker's work sustains (parse, redact, canonical JSON, SHA-256
 *      chain, HMAC, SQLite group commit), measured in-process on one thread
 *   3. end to end: records/s from the first record() to the flush that commits the last one
 *   4. paced: R records/s (default 10000, about the full chain's 5k exchanges/s) for S seconds
 *      through a fresh sink, so groups are as big as `batch_ms` makes them under load; CPU per
 *      record of the writer worker's thread and of the process's other threads (GC, JIT), read
 *      from /proc/self/task (Linux; 10 ms ticks, so figures are ±0.5 us at the defaults)
 * Temp databases only; prints one JSON object.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { PendingEntry } from "../../src/audit/entry.ts";
import { toPendingEntry } from "../../src/audit/entry.ts";
import { finalizeEntry } from "../../src/audit/finalize.ts";
import { createAuditSink } from "../../src/audit/log.ts";
import { AuditWriter } from "../../src/audit/store.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/log/index.ts";
import { auditEvent } from "../../test/helpers/audit.ts";

const { values } = parseArgs({
  options: { records: { type: "string" }, rate: { type: "string" }, seconds: { type: "string" } },
});
const N = Number(values.records ?? 200_000);
const RATE = Number(values.rate ?? 10_000);
const SECONDS = Number(values.seconds ?? 4);
const dir = mkdtempSync(join(tmpdir(), "mcpgw-bench-audit-"));
const KEY = "bench-signing-key-0123456789";
const identity = { subject: "alice", roles: ["dev"], scopes: [], labels: { team: "red" }, method: "jwt" } as const;
const ev = auditEvent({ identity, tool: "read_file", args: { path: "/home/alice/notes.txt", limit: 100 } });
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const threadCpu = () => {
  const u = (process as unknown as { threadCpuUsage(): { user: number; system: number } }).threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU ms of each thread of this process by id, with its name (Linux; empty elsewhere). */
function threadTimes(): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  const tick = 10; // ms: USER_HZ is 100 on Linux
  for (const t of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim();
      out.set(t, { name, ms: (Number(f[11]) + Number(f[12])) * tick });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** 4: records at RATE/s for SECONDS through a fresh sink; CPU per record by thread. */
async function paced(file: string) {
  const sink = await createAuditSink(
    ConfigSchema.parse({ audit: { db: file, signing_key: KEY, queue_max: RATE * SECONDS + 1000 } }),
    silentLogger,
  );
  for (let i = 0; i < 2000; i++) sink.record(ev);
  await sink.flush();
  const main = process.pid.toString();
  const before = threadTimes();
  const m0 = threadCpu();
  const t0 = performance.now();
  let sent = 0;
  while (sent < RATE * SECONDS) {
    const due = Math.min(RATE * SECONDS, Math.floor(((performance.now() - t0) * RATE) / 1000));
    for (; sent < due; sent++) sink.record(ev);
    await Bun.sleep(1);
  }
  await sink.flush();
  const mainMs = threadCpu() - m0;
  const after = threadTimes();
  await sink.close();
  let writer = 0;
  let other = 0;
  for (const [tid, a] of after) {
    if (tid === main) continue;
    const d = a.ms - (before.get(tid)?.ms ?? 0);
    if (a.name === "Worker") writer += d;
    else other += d;
  }
  const per = (ms: number) => round((ms * 1000) / sent, 2);
  return {
    paced_records_per_s: RATE,
    paced_records: sent,
    paced_writer_thread_us_per_record: per(writer),
    paced_other_threads_us_per_record: per(other),
    paced_main_thread_us_per_record: per(mainMs),
  };
}

try {
  // 1 + 3: the sink transports get (metrics + audit log with its worker).
  const log = await createAuditSink(
    ConfigSchema.parse({ audit: { db: join(dir, "sink.db"), signing_key: KEY, queue_max: N + 1000 } }),
    silentLogger,
  );
  for (let i = 0; i < 2000; i++) log.record(ev);
  await log.flush();
  const chunk = 1000;
  let busy = 0;
  const t0 = performance.now();
  let busyCpu = 0;
  for (let i = 0; i < N; i += chunk) {
    const s = performance.now();
    const sc = threadCpu();
    for (let j = 0; j < chunk; j++) log.record(ev);
    busyCpu += threadCpu() - sc;
    busy += performance.now() - s;
    // Let the event loop turn, as traffic would.
    await new Promise((r) => setImmediate(r));
  }
  await log.flush();
  const e2e = performance.now() - t0;
  await log.close();

  // 2: the writer's work on one thread.
  const entry = JSON.stringify(toPendingEntry(ev, { arguments: "redacted", maxArgsBytes: 65536, labelClaims: [] }));
  const w = new AuditWriter({ file: join(dir, "writer.db"), synchronous: "normal", key: { id: "b1", secret: KEY } });
  const batch = 256;
  // Rounds of N/4 records; CPU time is the writer thread's own cost, wall time includes
  // whatever else the machine runs.
  const rounds: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < 4; r++) {
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < N / 4; i += batch) {
      const recs = [];
      for (let j = 0; j < batch; j++) recs.push(finalizeEntry(JSON.parse(entry) as PendingEntry, "redacted"));
      w.append(recs);
    }
    const c = process.cpuUsage(c0);
    rounds.push({ wall: performance.now() - w0, cpu: (c.user + c.system) / 1000 });
  }
  w.close();
  const best = (k: "wall" | "cpu") => Math.min(...rounds.map((x) => x[k]));
  const pace = await paced(join(dir, "paced.db"));

  console.log(
    JSON.stringify(
      {
        bun: Bun.version,
        records: N,
        hot_path_us_per_record_wall: round((busy * 1000) / N, 3),
        hot_path_us_per_record_cpu: round((busyCpu * 1000) / N, 3),
        writer_records_per_s_wall: Math.round((N * 250) / best("wall")),
        writer_records_per_s_cpu: Math.round((N * 250) / best("cpu")),
        load_average: (await import("node:os")).loadavg().map((x) => round(x, 1)),
        end_to_end_records_per_s: Math.round((N * 1000) / e2e),
        ...pace,
        signed: true,
        synchronous: "normal",
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
