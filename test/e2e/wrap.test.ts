/**
 * `mcpgw wrap` end to end. Real: the official MCP SDK client (StdioClientTransport) spawns
 * `bun src/main.ts wrap -- bun everything-stdio-fixture.ts`, a real SDK server, as Claude Desktop
 * would; policy files are real files; the server's FIXTURE_CALL_LOG proves what reached it.
 * Nothing is mocked.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { connectWrapped, firstText } from "../helpers/mcp.ts";
import { EVERYTHING, INITIALIZE, isolatedEnv, spawnMcpgw, tempDir, waitUntil } from "../helpers/process.ts";

setDefaultTimeout(60_000);
const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());

let n = 0;
function setup(policy?: string) {
  const id = ++n;
  const callLog = join(dir.path, `calls-${id}.log`);
  const env = isolatedEnv(dir.path, { FIXTURE_CALL_LOG: callLog });
  const flags: string[] = [];
  if (policy !== undefined) {
    const file = join(dir.path, `policy-${id}.yaml`);
    writeFileSync(file, policy);
    flags.push("--policy", file);
  }
  const calls = () => (existsSync(callLog) ? readFileSync(callLog, "utf8").split("\n").filter(Boolean) : []);
  return { env, flags, calls };
}

describe("wrap relays a full MCP session unchanged", () => {
  test("initialize, tools, resources, prompts, progress, sampling and elicitation all work through mcpgw", async () => {
    const { env, flags, calls } = setup();
    await using w = await connectWrapped({ env, flags });
    const { client } = w;
    expect(client.getServerVersion()?.name).toBe("everything-fixture");

    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(
      ["ask_model", "ask_user", "big", "echo", "exec_command", "read_file", "slow"].sort(),
    );
    expect(firstText(await client.callTool({ name: "echo", arguments: { text: "héllo ✓" } }))).toBe("héllo ✓");

    const resources = await client.listResources();
    expect(resources.resources.map((r) => r.uri)).toContain("file:///readme.txt");
    const readme = await client.readResource({ uri: "file:///readme.txt" });
    expect((readme.contents[0] as { text: string }).text).toBe("hello from the readme");
    const templates = await client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toContain("note://{id}");
    const note = await client.readResource({ uri: "note://42" });
    expect((note.contents[0] as { text: string }).text).toBe("note 42");

    const prompts = await client.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toContain("greet");
    const prompt = await client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
    expect((prompt.messages[0]!.content as { text: string }).text).toBe("Say hello to Ada");

    const progress: number[] = [];
    const slow = await client.callTool({ name: "slow", arguments: { ms: 50 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(firstText(slow)).toBe("done");
    // The SDK server may write its last progress notification after the result, when the client
    // has already dropped the handler (seen without mcpgw too), so only the first four are certain.
    expect(progress.slice(0, 4)).toEqual([1, 2, 3, 4]);

    const sampled = await client.callTool({ name: "ask_model", arguments: { prompt: "2+2?" } });
    expect(firstText(sampled)).toBe("model said: echo(2+2?)");
    const elicited = await client.callTool({ name: "ask_user", arguments: { question: "Your name?" } });
    expect(firstText(elicited)).toBe('user accept: {"name":"Ada"}');

    expect(calls()).toEqual(["echo", "slow", "ask_model", "ask_user"]);
  });

  test("a cancelled slow call reaches the server as a cancellation and the client stops waiting", async () => {
    const { env, flags, calls } = setup();
    await using w = await connectWrapped({ env, flags });
    const ac = new AbortController();
    let progressed: () => void = () => {};
    const started = new Promise<void>((r) => {
      progressed = r;
    });
    const call = w.client.callTool({ name: "slow", arguments: { ms: 5_000 } }, undefined, {
      signal: ac.signal,
      onprogress: () => progressed(),
      timeout: 60_000,
    });
    await started;
    ac.abort("user cancelled");
    await expect(call).rejects.toBeDefined();
    // The server sees notifications/cancelled and stops at its next step.
    await waitUntil(() => calls().includes("slow:cancelled"), "the server to see the cancellation");
    expect(calls()).toEqual(["slow", "slow:cancelled"]);
    // The session is still usable.
    expect(firstText(await w.client.callTool({ name: "echo", arguments: { text: "after" } }))).toBe("after");
  }, 30_000);

  test("a 2 MiB result passes intact", async () => {
    const { env, flags } = setup();
    await using w = await connectWrapped({ env, flags });
    const bytes = 2 * 1024 * 1024;
    const text = firstText(await w.client.callTool({ name: "big", arguments: { bytes } }));
    expect(text.length).toBe(bytes);
    expect(text).toBe("x".repeat(bytes));
  });

  test("a result just under the default 16 MiB frame limit passes intact, byte for byte", async () => {
    // The SDK's stdio client refuses more than 10 MiB per message, so a raw client reads this one.
    const { env } = setup();
    await using p = spawnMcpgw(["wrap", "--", process.execPath, EVERYTHING], env);
    p.send(INITIALIZE);
    await p.message((m) => m.id === 1);
    p.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const bytes = 16 * 1024 * 1024 - 4096;
    p.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "big", arguments: { bytes } } });
    const r = (await p.message((m) => m.id === 2, 60_000)) as { result: { content: { text: string }[] } };
    const text = r.result.content[0]!.text;
    expect(text.length).toBe(bytes);
    expect(/^x+$/.test(text)).toBe(true);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
  }, 60_000);
});

describe("size limits on server-to-client requests", () => {
  test("a client's sampling answer over the frame limit reaches the server as an error, so its tool call ends", async () => {
    const { env, flags, calls } = setup();
    await using w = await connectWrapped({
      env: { ...env, MCPGW_MAX_FRAME_BYTES: "65536" },
      flags,
      samplingText: () => "w".repeat(100_000),
    });
    const r = await w.client.callTool({ name: "ask_model", arguments: { prompt: "long answer please" } });
    // The fixture's createMessage rejected with mcpgw's error; the SDK server reports a tool error.
    expect((r as { isError?: boolean }).isError).toBe(true);
    expect(firstText(r)).toContain("Message exceeds the size limit of 65536 bytes");
    expect(calls()).toEqual(["ask_model"]);
    await w.stderr.waitFor(/frame over the size limit skipped.*direction=c2s/);
  });
});

const DENY_EXEC = `version: v1
rules:
  - name: no-exec
    match:
      methods: ["tools/call"]
      tools: ["exec_*"]
    action: deny
  - name: allow-rest
    match:
      methods: ["*"]
    action: allow
`;

describe("wrap enforces the policy", () => {
  test("a denied tool call gets a JSON-RPC error and never reaches the server", async () => {
    const { env, flags, calls } = setup(DENY_EXEC);
    await using w = await connectWrapped({ env, flags });
    const err = await w.client.callTool({ name: "exec_command", arguments: { command: "rm -rf /" } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-32602);
    expect((err as McpError).message).toContain("Unknown tool: exec_command");
    // Allowed traffic still flows in the same session, and the server only ever saw it.
    expect(firstText(await w.client.callTool({ name: "echo", arguments: { text: "ok" } }))).toBe("ok");
    const tools = await w.client.listTools();
    expect(tools.tools.length).toBeGreaterThan(0);
    expect(calls()).toEqual(["echo"]);
  });

  test("a denied method gets a BLOCKED error with the rule that decided", async () => {
    const { env, flags, calls } = setup(`version: v1
rules:
  - name: no-prompts
    match: { methods: ["prompts/*"] }
    action: deny
  - name: rest
    match: { methods: ["*"] }
    action: allow
`);
    await using w = await connectWrapped({ env, flags });
    const err = (await w.client.listPrompts().catch((e) => e)) as McpError;
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(-32010);
    expect(err.data).toEqual({ interceptor: "policy", rule: "no-prompts" });
    expect(calls()).toEqual([]);
  });

  test("audit mode records but lets the denied call through", async () => {
    const { env, flags, calls } = setup(DENY_EXEC);
    await using w = await connectWrapped({ env, flags: [...flags, "--mode", "audit"] });
    const r = await w.client.callTool({ name: "exec_command", arguments: { command: "ls" } });
    expect(firstText(r)).toBe("ran ls");
    expect(calls()).toEqual(["exec_command"]);
  });

  test("SIGHUP reloads the policy and reaches the child; an invalid new policy keeps the old one and says why", async () => {
    const { env, calls } = setup();
    // The policy path is a symlink into another directory: editing the target is invisible to the
    // file watch on the link's directory, so only SIGHUP can cause these reloads.
    const real = join(dir.path, "real-policy");
    const linked = join(dir.path, "linked-policy");
    mkdirSync(real);
    mkdirSync(linked);
    const target = join(real, "policy.yaml");
    writeFileSync(target, DENY_EXEC);
    const policyFile = join(linked, "policy.yaml");
    symlinkSync(target, policyFile);
    const hupLog = join(dir.path, "hup.log");
    await using w = await connectWrapped({
      env: { ...env, FIXTURE_SIGNAL_LOG: hupLog },
      flags: ["--policy", policyFile],
    });
    const denied = await w.client.callTool({ name: "exec_command", arguments: { command: "a" } }).catch((e) => e);
    expect(denied).toBeInstanceOf(McpError);

    writeFileSync(target, "version: v1\nrules:\n  - name: all\n    match: { methods: ['*'] }\n    action: allow\n");
    process.kill(w.pid, "SIGHUP");
    await w.stderr.waitFor("configuration reloaded");
    expect(firstText(await w.client.callTool({ name: "exec_command", arguments: { command: "b" } }))).toBe("ran b");
    await waitUntil(() => existsSync(hupLog) && readFileSync(hupLog, "utf8") === "SIGHUP\n", "the child to get SIGHUP");

    writeFileSync(target, "version: v1\nrules:\n  - name: broken\n    acton: deny\n");
    process.kill(w.pid, "SIGHUP");
    await w.stderr.waitFor("reload failed");
    expect(w.stderr.text).toContain(`${policyFile}:4:5`);
    expect(firstText(await w.client.callTool({ name: "exec_command", arguments: { command: "c" } }))).toBe("ran c");
    expect(calls()).toEqual(["exec_command", "exec_command"]);
  });
});
