/** Child processes for the bench: readiness lines, CPU time and peak RSS from /proc. */

import { readFileSync } from "node:fs";
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

/** CPU time (user + system) of a process in µs, or NaN where /proc is not available. */
export function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return Number.NaN;
  }
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
