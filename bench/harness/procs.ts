/** Child processes for the bench: readiness lines, CPU time and peak RSS from /proc. */

import { readdirSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";

export interface Running {
  readonly proc: Subprocess;
  readonly match: RegExpMatchArray | null;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `cmd`, keeps draining its stderr, and (when `ready` is given) waits for a line that
 * matches it. Rejects when the child exits first or `timeoutMs` passes.
 */
export async function spawnProcess(
  cmd: string[],
  opts: {
    ready?: RegExp;
    timeoutMs?: number;
    stdin?: "pipe" | "ignore";
    stdout?: "pipe" | "ignore";
    env?: Record<string, string | undefined>;
  } = {},
): Promise<Running> {
  const proc = Bun.spawn({
    cmd,
    stdin: opts.stdin ?? "ignore",
    stdout: opts.stdout ?? "ignore",
    stderr: "pipe",
    env: opts.env ?? process.env,
  });
  let log = "";
  const { promise, resolve, reject } = Promise.withResolvers<RegExpMatchArray | null>();
  if (!opts.ready) resolve(null);
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
      if (log.length < 64 * 1024) log += decoder.decode(chunk, { stream: true });
      const m = opts.ready ? log.match(opts.ready) : null;
      if (m) resolve(m);
    }
    reject(new Error(`${cmd.slice(0, 3).join(" ")} exited before ready (code ${await proc.exited}):\n${log}`));
  })();
  const timer = setTimeout(
    () => reject(new Error(`${cmd.slice(0, 3).join(" ")} not ready after ${opts.timeoutMs ?? 15000} ms:\n${log}`)),
    opts.timeoutMs ?? 15000,
  );
  try {
    const match = await promise;
    return {
      proc,
      match,
      log: () => log,
      async stop() {
        proc.kill("SIGTERM");
        const gone = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
        if (!gone) proc.kill("SIGKILL");
        await proc.exited;
      },
    };
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

/** The name and user + system CPU time (µs) in a `/proc/…/stat` line (the name may hold spaces). */
function parseStat(stat: string): { name: string; us: number } {
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  return { name: stat.slice(stat.indexOf("(") + 1, close), us: (Number(fields[11]) + Number(fields[12])) * TICK_US };
}

/** CPU time (user + system) of a process in µs, or NaN where /proc is not available. */
export function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8")).us;
  } catch {
    return Number.NaN;
  }
}

/**
 * Which part of the engine a thread of a Bun process is, by its name: the event loop ("main",
 * the thread whose id is the process's), worker threads ("worker": the audit writer, pool
 * workers), the JIT compiler ("jit"), and the garbage collector and allocator helpers ("gc":
 * heap marking helpers, the heap's page warm-up, mimalloc's scavenger); "other" for the rest.
 */
export function threadGroup(name: string, isMain: boolean): string {
  if (isMain) return "main";
  if (/^Worker/.test(name)) return "worker";
  if (/^JIT/.test(name)) return "jit";
  if (/^(HeapHelper|JSCWarmUp|mi-scavenger|.*[Cc]ollector)/.test(name)) return "gc";
  return "other";
}

/** CPU time (user + system, µs) of each thread of a process, by thread id, with its group. */
export function threadCpu(pid: number | undefined): Map<number, { group: string; us: number }> {
  const out = new Map<number, { group: string; us: number }>();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const { name, us } = parseStat(readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8"));
      const tid = Number(t);
      out.set(tid, { group: threadGroup(name, tid === pid), us });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** CPU used per thread group between two {@link threadCpu} readings (threads gone since are lost). */
export function threadCpuDelta(
  before: Map<number, { group: string; us: number }>,
  after: Map<number, { group: string; us: number }>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [tid, a] of after) out[a.group] = (out[a.group] ?? 0) + a.us - (before.get(tid)?.us ?? 0);
  return out;
}

/** Peak resident set size in KiB (VmHWM), or NaN. */
export function peakRssKiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** A free TCP port on 127.0.0.1 (for servers, like nginx, that cannot report port 0). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}
