/**
 * The policy inside `mcpgw wrap`. Real: `bun src/main.ts wrap --policy FILE -- bun
 * everything-stdio-fixture.ts` spawned as a process, an official SDK client for list-time
 * filtering, raw NDJSON for hot reload, and real policy files in a temp dir rewritten while
 * the gateway runs.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { connectWrapped } from "../helpers/mcp.ts";
import { EVERYTHING, INITIALIZE, isolatedEnv, type Spawned, spawnMcpgw, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);
const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());

const DENY_EXEC = `version: v1
rules:
  - name: no-exec
    match: { methods: ["tools/call"], tools: ["exec_*"] }
    action: deny
  - name: no-greet
    match: { prompts: ["greet"] }
    action: deny
  - name: rest
    match: { methods: ["*"] }
    action: allow
`;
const ALLOW_ALL = `version: v1
rules:
  - name: rest
    match: { methods: ["*"] }
    action: allow
`;

describe("list and call time", () => {
  test("a tool the caller may never call is missing from tools/list and answers like an unknown tool", async () => {
    const file = join(dir.path, "deny-exec.yaml");
    writeFileSync(file, DENY_EXEC);
    await using w = await connectWrapped({ flags: ["--policy", file], env: isolatedEnv(dir.path) });
    const tools = (await w.client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain("read_file");
    expect(tools).not.toContain("exec_command");
    const prompts = (await w.client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).not.toContain("greet");
    const err = await w.client.callTool({ name: "exec_command", arguments: { command: "ls" } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-32602);
    expect((err as McpError).message).toContain("Unknown tool: exec_command");
  });

  test("with no policy the built-in default applies: ordinary calls pass, dangerous ones are denied", async () => {
    await using w = await connectWrapped({ env: isolatedEnv(dir.path) });
    const ok = await w.client.callTool({ name: "read_file", arguments: { path: "README.md" } });
    expect(JSON.stringify(ok)).toContain("contents of README.md");
    const err = await w.client.callTool({ name: "exec_command", arguments: { command: "rm -rf /" } }).catch((e) => e);
    expect((err as McpError).code).toBe(-32602);
  });

  test("in audit mode a denied call reaches the server", async () => {
    const file = join(dir.path, "deny-exec-audit.yaml");
    writeFileSync(file, DENY_EXEC);
    await using w = await connectWrapped({ flags: ["--policy", file, "--mode", "audit"], env: isolatedEnv(dir.path) });
    const r = await w.client.callTool({ name: "exec_command", arguments: { command: "ls" } });
    expect(JSON.stringify(r)).toContain("ran ls");
    expect((await w.client.listTools()).tools.map((t) => t.name)).toContain("exec_command");
  });
});

async function started(file: string): Promise<Spawned> {
  const p = spawnMcpgw(["wrap", "--policy", file, "--", process.execPath, EVERYTHING], isolatedEnv(dir.path));
  p.send(INITIALIZE);
  await p.message((m) => m.id === 1);
  p.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return p;
}

let nextId = 100;
/** Calls exec_command and says whether the policy blocked it. */
async function execBlocked(p: Spawned): Promise<boolean> {
  const id = nextId++;
  p.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "exec_command", arguments: { command: "ls" } } });
  const reply = await p.message((m) => m.id === id);
  // A tool denied whatever its arguments reads like a missing one: "Unknown tool", and no data.
  const error = reply.error as { message?: string; data?: unknown } | undefined;
  return error?.message === "Unknown tool: exec_command" && error.data === undefined;
}

/** Repeats `probe` until it returns `want` (bounded): the reload is asynchronous. */
async function eventually(p: Spawned, want: boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await execBlocked(p)) === want) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("hot reload", () => {
  test("a changed policy file is picked up; an invalid one keeps the old policy and says why", async () => {
    const file = join(dir.path, "live.yaml");
    writeFileSync(file, ALLOW_ALL);
    const p = await started(file);
    await using _ = p;
    expect(await execBlocked(p)).toBe(false);

    writeFileSync(file, DENY_EXEC);
    await eventually(p, true, "the deny policy to load");

    writeFileSync(file, "version: v1\nrules:\n  - name: broken\n    action: maybe\n");
    await p.stderr.waitFor(/reload failed; keeping the previous configuration/);
    expect(p.stderr.text).toMatch(/live\.yaml:4:13/);
    expect(await execBlocked(p)).toBe(true);

    writeFileSync(file, ALLOW_ALL);
    await eventually(p, false, "the allow policy to load");
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
  });
});
