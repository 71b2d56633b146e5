/**
 * A raw NDJSON client for `mcpgw wrap`: spawns the real CLI around a real fixture server and
 * lets a test write frames, wait for responses by id, and signal the gateway process.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const ROOT = new URL("../../", import.meta.url).pathname;
const ISOLATED_HOME = mkdtempSync(join(tmpdir(), "mcpgw-home-"));
export const MAIN = `${ROOT}src/main.ts`;
export const EVERYTHING_FIXTURE = `${ROOT}test/fixtures/servers/everything-stdio-fixture.ts`;

export interface WrapClient {
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  send(msg: unknown): void;
  /** Resolves with the response carrying this id. */
  response(id: number | string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every line received so far, parsed. */
  readonly received: Record<string, unknown>[];
  /** Resolves once at least `n` responses with ids have arrived. */
  waitForResponses(n: number, timeoutMs?: number): Promise<void>;
  stderr(): string;
  /** Closes our end of stdin and waits for the exit code. */
  end(): Promise<number>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The test's environment without any user config: HOME is an empty temp dir. */
export function isolatedEnv(over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, HOME: ISOLATED_HOME, ...over };
  if (!("MCPGW_CONFIG" in over)) delete env.MCPGW_CONFIG;
  if (!("MCPGW_AUDIT_DB" in over)) delete env.MCPGW_AUDIT_DB;
  return env;
}

export function spawnWrap(wrapArgs: string[], env: Record<string, string | undefined> = {}): WrapClient {
  const proc = Bun.spawn({
    cmd: [process.execPath, MAIN, "wrap", ...wrapArgs, "--", process.execPath, EVERYTHING_FIXTURE],
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: isolatedEnv(env),
  });
  const received: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let err = "";
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) received.push(JSON.parse(line));
        nl = buf.indexOf("\n");
      }
      notify();
    }
    notify();
  })();
  (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stderr) err += dec.decode(chunk, { stream: true });
  })();
  const until = async (cond: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline || proc.exitCode !== null) {
        if (cond()) return;
        throw new Error(`timed out waiting for ${what}; stderr:\n${err}`);
      }
      await Promise.race([new Promise<void>((r) => waiters.push(r)), Bun.sleep(50)]);
    }
  };
  const withId = () => received.filter((m) => "id" in m && !("method" in m));
  return {
    proc,
    received,
    send(msg) {
      proc.stdin.write(`${JSON.stringify(msg)}\n`);
      proc.stdin.flush();
    },
    async response(id, timeoutMs = 10_000) {
      const find = () => received.find((m) => m.id === id && !("method" in m));
      await until(() => find() !== undefined, timeoutMs, `response ${id}`);
      return find()!;
    },
    async waitForResponses(n, timeoutMs = 20_000) {
      await until(() => withId().length >= n, timeoutMs, `${n} responses`);
    },
    stderr: () => err,
    async end() {
      proc.stdin.end();
      return await proc.exited;
    },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

export const INIT = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "audit-test", version: "0" } },
};
export const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };

export function echoCall(id: number, text = `msg ${id}`) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text } } };
}
