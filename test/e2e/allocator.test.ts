/**
 * The allocator setting proxy and wrap start with (src/cli/allocator.ts). Real: `bun src/main.ts
 * proxy|wrap` spawned without MIMALLOC_PURGE_DELAY; the test reads /proc/<pid>/environ and
 * /proc/<pid>/cmdline of the pid it spawned (the re-execution is in place: same pid), and wraps a
 * fixture that reports the argv and environment it was given.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { messagesOf, post, startFixture } from "../helpers/http-proxy.ts";
import { FIXTURES, isolatedEnv, MAIN, spawnProcess, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);
const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());
const REPORTER = join(FIXTURES, "servers/argv-env-fixture.ts");
const VARS = ["MIMALLOC_PURGE_DELAY", "MCPGW_ALLOCATOR_REEXEC"];
let n = 0;

/** The isolated test environment without the allocator variable, plus `extra`. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  const e = isolatedEnv(dir.path, extra);
  if (!("MIMALLOC_PURGE_DELAY" in extra)) delete e.MIMALLOC_PURGE_DELAY;
  return e;
}

/** The environment and argv the kernel holds for `pid` (what its image was started with). */
function procOf(pid: number): { env: Record<string, string>; argv: string[] } {
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean)) {
    const i = kv.indexOf("=");
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  argv.pop();
  return { env, argv };
}

interface Report {
  argv: string[];
  vars: Record<string, string | null>;
  ppid: number;
}

/** `mcpgw wrap --no-audit -- bun argv-env-fixture.ts ARGS…`, which reports and then waits for stdin to end. */
function wrapReporter(args: string[], extra: Record<string, string> = {}, bunFlags: string[] = [], cwd?: string) {
  const report = join(dir.path, `report-${++n}.json`);
  const e = env({
    FIXTURE_REPORT: report,
    FIXTURE_VARS: VARS.join(","),
    FIXTURE_WAIT: "1",
    FIXTURE_EXIT: "7",
    ...extra,
  });
  const cmd = [process.execPath, ...bunFlags, MAIN, "wrap", "--no-audit", "--", process.execPath, REPORTER, ...args];
  const p = spawnProcess(cmd, e, cwd);
  const read = async (): Promise<Report> => {
    await p.stderr.waitFor("started MCP server");
    for (let i = 0; i < 400; i++) {
      try {
        return JSON.parse(readFileSync(report, "utf8")) as Report;
      } catch {
        await Bun.sleep(25);
      }
    }
    throw new Error(`no report:\n${p.stderr.text}`);
  };
  return { p, cmd, read };
}

const AWKWARD = ["a b", "", "ünï €😀", "--flag=x y", "$HOME", "'q'\"", "tab\there", "-", "--"];

describe("wrap", () => {
  test("runs in place with MIMALLOC_PURGE_DELAY=-1, argv intact, the child's environment untouched, its exit code kept", async () => {
    const { p, cmd, read } = wrapReporter(AWKWARD);
    await using _ = p;
    const report = await read();
    // The wrapped server's parent is the pid the test spawned: no second process.
    expect(report.ppid).toBe(p.proc.pid);
    const seen = procOf(p.proc.pid);
    expect(seen.env.MIMALLOC_PURGE_DELAY).toBe("-1");
    expect(seen.env.MCPGW_ALLOCATOR_REEXEC).toBe("MIMALLOC_PURGE_DELAY");
    expect(seen.argv).toEqual(cmd);
    expect(report.argv).toEqual(AWKWARD);
    // What mcpgw added for itself is not passed on to the server it starts.
    expect(report.vars).toEqual({ MIMALLOC_PURGE_DELAY: null, MCPGW_ALLOCATOR_REEXEC: null });
    await p.closeStdin();
    expect(await p.exit()).toBe(7);
  });

  for (const flags of [["--smol"], ["run"]]) {
    test(`keeps \`bun ${flags.join(" ")} main.ts\` as it was started`, async () => {
      const { p, cmd, read } = wrapReporter(["x", ""], {}, flags);
      await using _ = p;
      expect((await read()).argv).toEqual(["x", ""]);
      const seen = procOf(p.proc.pid);
      expect(seen.argv).toEqual(cmd);
      expect(seen.argv.slice(1, 1 + flags.length)).toEqual(flags);
      expect(seen.env.MIMALLOC_PURGE_DELAY).toBe("-1");
      await p.closeStdin();
      expect(await p.exit()).toBe(7);
    });
  }

  test("an explicit MIMALLOC_PURGE_DELAY is kept, not re-executed, and still reaches the server", async () => {
    const { p, read } = wrapReporter(["x"], { MIMALLOC_PURGE_DELAY: "250" });
    await using _ = p;
    const report = await read();
    const seen = procOf(p.proc.pid);
    expect(seen.env.MIMALLOC_PURGE_DELAY).toBe("250");
    expect(seen.env.MCPGW_ALLOCATOR_REEXEC).toBeUndefined();
    expect(report.vars).toEqual({ MIMALLOC_PURGE_DELAY: "250", MCPGW_ALLOCATOR_REEXEC: null });
    await p.closeStdin();
    expect(await p.exit()).toBe(7);
  });

  test("a MIMALLOC_PURGE_DELAY set only in a .env file reaches the allocator (re-executed with it) and the server", async () => {
    // Bun loads .env after start-up, too late for mimalloc: before, such a value stopped the
    // re-execution yet never took effect.
    const cwd = join(dir.path, "dotenv");
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, ".env"), "MIMALLOC_PURGE_DELAY=250\n");
    const { p, read } = wrapReporter(["x"], {}, [], cwd);
    await using _ = p;
    const report = await read();
    const seen = procOf(p.proc.pid);
    expect(seen.env.MIMALLOC_PURGE_DELAY).toBe("250");
    expect(seen.env.MCPGW_ALLOCATOR_REEXEC).toBe("");
    expect(report.vars).toEqual({ MIMALLOC_PURGE_DELAY: "250", MCPGW_ALLOCATOR_REEXEC: null });
    await p.closeStdin();
    expect(await p.exit()).toBe(7);
  });

  test("MCPGW_ALLOCATOR_TUNING=off starts with mimalloc's defaults", async () => {
    const { p, read } = wrapReporter(["x"], { MCPGW_ALLOCATOR_TUNING: "off" });
    await using _ = p;
    const report = await read();
    const seen = procOf(p.proc.pid);
    expect(seen.env.MIMALLOC_PURGE_DELAY).toBeUndefined();
    expect(seen.env.MCPGW_ALLOCATOR_REEXEC).toBeUndefined();
    expect(report.vars).toEqual({ MIMALLOC_PURGE_DELAY: null, MCPGW_ALLOCATOR_REEXEC: null });
    await p.closeStdin();
    expect(await p.exit()).toBe(7);
  });
});

describe("proxy", () => {
  /** `mcpgw proxy` on port 0 in front of `upstream`; resolves once it listens (after any re-execution). */
  async function proxy(upstream: string, extra: Record<string, string> = {}) {
    const cmd = [process.execPath, MAIN, "proxy", "--listen", "127.0.0.1:0", "--no-audit", "--upstream", upstream];
    const p = spawnProcess(cmd, env(extra));
    const url = (await p.stderr.waitFor(/listening on (http:\S+)/)).match(/listening on (http:\S+)/)![1]!;
    return { p, cmd, url };
  }

  test("runs in place with MIMALLOC_PURGE_DELAY=-1, serves, and exits 0 on SIGTERM", async () => {
    await using upstream = await startFixture(dir.path);
    const { p, cmd, url } = await proxy(upstream.url);
    await using _ = p;
    const seen = procOf(p.proc.pid);
    expect(seen.env.MIMALLOC_PURGE_DELAY).toBe("-1");
    expect(seen.argv).toEqual(cmd);
    const r = await post(`${url}/mcp`, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
    });
    expect(r.status).toBe(200);
    expect(((await messagesOf(r))[0]?.result as { serverInfo?: unknown })?.serverInfo).toBeDefined();
    p.proc.kill("SIGTERM");
    expect(await p.exit()).toBe(0);
  });

  test("an explicit empty MIMALLOC_PURGE_DELAY counts as set: no re-execution", async () => {
    const { p, url } = await proxy("http://127.0.0.1:9/mcp", { MIMALLOC_PURGE_DELAY: "" });
    await using _ = p;
    const seen = procOf(p.proc.pid);
    expect(seen.env.MIMALLOC_PURGE_DELAY).toBe("");
    expect(seen.env.MCPGW_ALLOCATOR_REEXEC).toBeUndefined();
    // One answered request first: the SIGTERM handler is installed just after the listening line.
    const r = await fetch(`${url}/mcp`, { method: "GET" });
    expect(r.status).toBeGreaterThanOrEqual(200);
    await r.text();
    p.proc.kill("SIGTERM");
    expect(await p.exit()).toBe(0);
  });
});
