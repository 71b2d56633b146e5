/**
 * Spawning mcpgw and fixtures as real processes, and waiting for conditions on their output.
 * Every wait is bounded: it rejects with the output seen so far instead of hanging a test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export const MAIN = join(ROOT, "src/main.ts");
export const FIXTURES = join(ROOT, "test/fixtures");
export const EVERYTHING = join(FIXTURES, "servers/everything-stdio-fixture.ts");

/** Default bound for one wait. Generous: the machine is shared; a pass never depends on it. */
export const WAIT_MS = 20_000;

/** A temporary directory removed on dispose. */
export function tempDir(prefix = "mcpgw-test-"): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    [Symbol.dispose]() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * The environment for a spawned mcpgw: HOME points at `home` so no user config or audit database
 * is touched, and no MCPGW_* variable leaks in from the developer's shell.
 */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MCPGW_")) env[k] = v;
  env.HOME = home;
  return { ...env, ...extra };
}

type Pred = RegExp | string | ((text: string) => boolean);

function matches(text: string, p: Pred): boolean {
  if (typeof p === "string") return text.includes(p);
  if (p instanceof RegExp) return p.test(text);
  return p(text);
}

/** Accumulates a stream's text and resolves waiters when a condition holds. */
export class TextCollector {
  text = "";
  ended = false;
  private waiters = new Set<() => void>();
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array> | NodeJS.ReadableStream | null, maxChars = 64 * 1024 * 1024) {
    if (!stream) {
      this.ended = true;
      this.done = Promise.resolve();
      return;
    }
    const decoder = new TextDecoder();
    const add = (chunk: Uint8Array | string) => {
      this.text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      if (this.text.length > maxChars) this.text = this.text.slice(-maxChars);
      for (const w of this.waiters) w();
    };
    this.done = (async () => {
      try {
        for await (const chunk of stream as AsyncIterable<Uint8Array | string>) add(chunk);
      } catch {
        // stream torn down with the process
      }
      this.ended = true;
      for (const w of this.waiters) w();
    })();
  }

  /** Resolves with the text once `p` holds; rejects after `ms` or when the stream ends first. */
  waitFor(p: Pred, ms = WAIT_MS): Promise<string> {
    if (matches(this.text, p)) return Promise.resolve(this.text);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (matches(this.text, p)) {
          cleanup();
          resolve(this.text);
        } else if (this.ended) {
          cleanup();
          reject(new Error(`stream ended before ${String(p)}; output:\n${this.text.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${ms} ms waiting for ${String(p)}; output:\n${this.text.slice(-4000)}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Complete lines so far. */
  lines(): string[] {
    const all = this.text.split("\n");
    all.pop();
    return all.filter((l) => l.length > 0);
  }
}

export interface Spawned extends AsyncDisposable {
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly stdout: TextCollector;
  readonly stderr: TextCollector;
  /** Writes one line (a newline is appended) to the process's stdin. */
  send(line: string | object): void;
  closeStdin(): Promise<void>;
  /** Waits for the JSON message on stdout satisfying `p`. */
  message(p: (m: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** Waits for exit (bounded) and returns the exit code (128+N for signal N). */
  exit(ms?: number): Promise<number>;
}

const SIGNUM: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function parsedLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of text.split("\n")) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // not JSON: callers asserting a clean stdout check that separately
    }
  }
  return out;
}

/** Spawns `cmd` with piped stdio. */
export function spawnProcess(cmd: string[], env: Record<string, string>, cwd = ROOT): Spawned {
  const proc = Bun.spawn({ cmd, env, cwd, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const stdout = new TextCollector(proc.stdout);
  const stderr = new TextCollector(proc.stderr);
  const exit = async (ms = WAIT_MS) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), ms);
    const code = await proc.exited;
    clearTimeout(timer);
    await Promise.all([stdout.done, stderr.done]);
    return proc.signalCode ? 128 + (SIGNUM[proc.signalCode] ?? 0) : code;
  };
  return {
    proc,
    stdout,
    stderr,
    send(line) {
      proc.stdin.write(typeof line === "string" ? `${line}\n` : `${JSON.stringify(line)}\n`);
      proc.stdin.flush();
    },
    async closeStdin() {
      await proc.stdin.end();
    },
    async message(p, ms = WAIT_MS) {
      let found: Record<string, unknown> | undefined;
      await stdout.waitFor((t) => {
        found = parsedLines(t).find(p);
        return found !== undefined;
      }, ms);
      return found!;
    },
    exit,
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** `bun src/main.ts ARGS…` */
export function spawnMcpgw(args: string[], env: Record<string, string>): Spawned {
  return spawnProcess([process.execPath, MAIN, ...args], env);
}

/** Runs `bun src/main.ts ARGS…` to completion. */
export async function runMcpgw(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = spawnMcpgw(args, env);
  await p.closeStdin();
  const code = await p.exit();
  return { code, stdout: p.stdout.text, stderr: p.stderr.text };
}

export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw-test", version: "0" } },
} as const;

/** Polls `cond` until it holds (bounded); for conditions that live outside a stream, like a file. */
export async function waitUntil(cond: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}
