/**
 * 2025-era traffic through a real `mcpgw proxy` process: the official SDK 1.x client
 * (StreamableHTTPClientTransport) against the SDK 1.x everything fixture, plus raw HTTP where
 * the test needs to see headers, event ids and status codes. Processes and HTTP on 127.0.0.1 are real.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { messagesOf, post, type Running, rawSession, startFixture, startProxy } from "../helpers/http-proxy.ts";
import { tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

const home = tempDir("mcpgw-proxy-e2e-");
let fixture: Running;
let proxy: Running;
let mcp: string;

beforeAll(async () => {
  fixture = await startFixture(home.path);
  proxy = await startProxy({
    home: home.path,
    config: `upstreams:\n  main:\n    url: ${fixture.url}\n    headers:\n      X-Upstream-Key: \${UPSTREAM_KEY}\nupstream: main\n`,
    env: { UPSTREAM_KEY: "configured-upstream-secret" },
  });
  mcp = `${proxy.url}/mcp`;
});

afterAll(async () => {
  await proxy?.[Symbol.asyncDispose]();
  await fixture?.[Symbol.asyncDispose]();
  home[Symbol.dispose]();
});

async function connect(headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "e2e", version: "0" }, { capabilities: { sampling: {}, elicitation: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    model: "test-model",
    role: "assistant",
    content: { type: "text", text: `echo: ${(req.params.messages[0]!.content as { text: string }).text}` },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: "accept",
    content: { response: "yes please" },
  }));
  await client.connect(new StreamableHTTPClientTransport(new URL(mcp), { requestInit: { headers } }));
  return client;
}

function textOf(r: unknown): string {
  return ((r as { content: { text: string }[] }).content[0] as { text: string }).text;
}

describe("SDK 1.x client through mcpgw proxy", () => {
  test("tools, resources and prompts work as they do direct", async () => {
    const client = await connect();
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("test_simple_text");
    expect(textOf(await client.callTool({ name: "test_simple_text", arguments: {} }))).toBe(
      "This is a simple text response for testing.",
    );
    const res = await client.readResource({ uri: "test://static-text" });
    expect((res.contents[0] as { text: string }).text).toBe("This is the content of the static text resource.");
    const prompt = await client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } });
    expect((prompt.messages[0]!.content as { text: string }).text).toBe("Prompt with arguments: arg1='a', arg2='b'");
    await client.close();
  });

  test("progress notifications reach the client while the call runs", async () => {
    const client = await connect();
    const seen: number[] = [];
    const r = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(seen).toEqual([0, 50, 100]);
    expect(textOf(r)).not.toBe("");
    await client.close();
  });

  test("sampling and elicitation requests from the server reach the client inside the open stream", async () => {
    const client = await connect();
    const s = await client.callTool({ name: "test_sampling", arguments: { prompt: "hello" } });
    expect(textOf(s)).toBe("LLM response: echo: hello");
    const e = await client.callTool({ name: "test_elicitation", arguments: { message: "ok?" } });
    expect(textOf(e)).toBe('User response: action=accept, content={"response":"yes please"}');
    await client.close();
  });

  test("a call the policy denies comes back as a JSON-RPC error and never reaches the server", async () => {
    const client = await connect();
    const err = await client.callTool({ name: "exec_command", arguments: { command: "rm -rf /" } }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { data?: { interceptor?: string } }).data?.interceptor).toBe("policy");
    expect(fixture.proc.stderr.text).not.toContain("would run");
    await client.close();
  });

  test("the client's Authorization is not forwarded; the upstream's configured headers are", async () => {
    const client = await connect({
      authorization: "Bearer client-secret-token",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    const r = JSON.parse(textOf(await client.callTool({ name: "echo_headers", arguments: {} }))) as Record<
      string,
      string
    >;
    expect(r.authorization).toBeUndefined();
    expect(r["x-upstream-key"]).toBe("configured-upstream-secret");
    expect(r.traceparent).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    expect(r["mcp-session-id"]).toBeString();
    expect(r["mcp-protocol-version"]).toBeString();
    await client.close();
  });
});

describe("raw Streamable HTTP through mcpgw proxy", () => {
  test("a resumed GET with Last-Event-ID replays the events missed while disconnected", async () => {
    const sid = await rawSession(mcp);
    const h = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
    const ac = new AbortController();
    const call = (count: number, tag: string, id: number) =>
      post(
        mcp,
        { jsonrpc: "2.0", id, method: "tools/call", params: { name: "notify_standalone", arguments: { count, tag } } },
        h,
      ).then(messagesOf);
    const get = await fetch(mcp, { headers: { ...h, accept: "text/event-stream" }, signal: ac.signal });
    expect(get.status).toBe(200);
    const reader = get.body!.getReader();
    await call(2, "before", 10);
    // Read until both notifications arrived, remembering the last event id.
    let buf = "";
    const dec = new TextDecoder();
    while ((buf.match(/test:\/\/watched\/before/g) ?? []).length < 2) {
      const r = await reader.read();
      if (r.done) throw new Error(`GET stream ended early: ${buf}`);
      buf += dec.decode(r.value);
    }
    const ids = [...buf.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    ac.abort();
    await reader.cancel().catch(() => {});

    await call(3, "missed", 11);
    const resumed = await fetch(mcp, { headers: { ...h, accept: "text/event-stream", "last-event-id": ids.at(-1)! } });
    expect(resumed.status).toBe(200);
    const r2 = resumed.body!.getReader();
    let buf2 = "";
    while ((buf2.match(/test:\/\/watched\/missed/g) ?? []).length < 3) {
      const r = await r2.read();
      if (r.done) throw new Error(`resumed stream ended early: ${buf2}`);
      buf2 += dec.decode(r.value);
    }
    expect(buf2).not.toContain("test://watched/before");
    for (const i of [0, 1, 2]) expect(buf2).toContain(`test://watched/missed/${i}`);
    await r2.cancel();
  });

  test("a 2025-03-26 batch is inspected element by element: the denied call is answered with an error, the rest go through", async () => {
    const init = await post(mcp, {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    const sid = init.headers.get("mcp-session-id")!;
    await init.text();
    const h = { "mcp-session-id": sid, "mcp-protocol-version": "2025-03-26" };
    await (await post(mcp, { jsonrpc: "2.0", method: "notifications/initialized" }, h)).text();
    const r = await post(
      mcp,
      [
        {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "exec_command", arguments: { command: "rm -rf /" } },
        },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "test_simple_text", arguments: {} } },
      ],
      h,
    );
    const msgs = await messagesOf(r);
    const byId = new Map(msgs.map((m) => [m.id, m]));
    expect((byId.get(1)?.error as { data?: { interceptor?: string } } | undefined)?.data?.interceptor).toBe("policy");
    expect(byId.get(2)?.result).toBeDefined();
  });

  test("a session id presented by another identity is unknown (404)", async () => {
    await using authed = await startProxy({
      home: home.path,
      upstream: fixture.url,
      config: "auth:\n  api_keys:\n    - key: ${KEY_A}\n      name: alice\n    - key: ${KEY_B}\n      name: bob\n",
      env: { KEY_A: "key-alice-0123456789abcdef", KEY_B: "key-bob-0123456789abcdef00" },
    });
    const url = `${authed.url}/mcp`;
    const sid = await rawSession(url, { authorization: "Bearer key-alice-0123456789abcdef" });
    const ping = { jsonrpc: "2.0", id: 5, method: "ping" };
    const own = await post(url, ping, { authorization: "Bearer key-alice-0123456789abcdef", "mcp-session-id": sid });
    expect(own.status).toBe(200);
    await own.text();
    const other = await post(url, ping, { authorization: "Bearer key-bob-0123456789abcdef00", "mcp-session-id": sid });
    expect(other.status).toBe(404);
    await other.text();
  });

  test("DELETE ends the session; the id is unknown afterwards", async () => {
    const sid = await rawSession(mcp);
    const del = await fetch(mcp, { method: "DELETE", headers: { "mcp-session-id": sid } });
    expect(del.status).toBe(200);
    const after = await post(mcp, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sid });
    expect(after.status).toBe(404);
    await after.text();
  });

  test("the client's session id is minted by mcpgw: random, url-safe, never the upstream's, never sent upstream", async () => {
    const client = new Client({ name: "e2e", version: "0" });
    const transport = new StreamableHTTPClientTransport(new URL(mcp));
    await client.connect(transport);
    const clientId = transport.sessionId!;
    expect(clientId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const seen = JSON.parse(textOf(await client.callTool({ name: "echo_headers", arguments: {} }))) as Record<
      string,
      string
    >;
    // What the upstream received is its own id, which the client never saw.
    expect(seen["mcp-session-id"]).toBeString();
    expect(seen["mcp-session-id"]).not.toBe(clientId);
    expect(JSON.stringify(seen)).not.toContain(clientId);
    // The upstream's id is no key into mcpgw's table.
    const foreign = await post(
      mcp,
      { jsonrpc: "2.0", id: 9, method: "ping" },
      { "mcp-session-id": seen["mcp-session-id"]! },
    );
    expect(foreign.status).toBe(404);
    await foreign.text();
    const other = await rawSession(mcp);
    expect(other).not.toBe(clientId);
    await client.close();
  });

  test("DELETE ends the gateway session and the upstream's session behind it", async () => {
    const sid = await rawSession(mcp);
    const h = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
    const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo_headers", arguments: {} } };
    const [msg] = await messagesOf(await post(mcp, call, h));
    const upstreamId = (
      JSON.parse((msg!.result as { content: { text: string }[] }).content[0]!.text) as Record<string, string>
    )["mcp-session-id"]!;
    expect(upstreamId).not.toBe(sid);
    const direct = { "mcp-session-id": upstreamId, "mcp-protocol-version": "2025-06-18" };
    const before = await post(fixture.url, { jsonrpc: "2.0", id: 3, method: "ping" }, direct);
    expect(before.status).toBe(200);
    await before.text();
    const del = await fetch(mcp, { method: "DELETE", headers: h });
    expect(del.status).toBe(200);
    const after = await post(fixture.url, { jsonrpc: "2.0", id: 4, method: "ping" }, direct);
    expect(after.status).toBe(404);
    await after.text();
    const ours = await post(mcp, { jsonrpc: "2.0", id: 5, method: "ping" }, h);
    expect(ours.status).toBe(404);
    await ours.text();
  });

  test("an upstream that mints no session id still gets a gateway session, and never sees the client's id", async () => {
    const seen: (string | null)[] = [];
    using upstream = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        seen.push(req.headers.get("mcp-session-id"));
        if (req.method !== "POST") return new Response(null, { status: 405 });
        const m = (await req.json()) as { id?: number; method: string; params?: { protocolVersion?: string } };
        if (m.id === undefined) return new Response(null, { status: 202 });
        const result =
          m.method === "initialize"
            ? {
                protocolVersion: m.params?.protocolVersion ?? "2025-06-18",
                capabilities: {},
                serverInfo: { name: "stateless", version: "0" },
              }
            : {};
        return Response.json({ jsonrpc: "2.0", id: m.id, result });
      },
    });
    await using stateless = await startProxy({ home: home.path, upstream: `http://127.0.0.1:${upstream.port}/mcp` });
    const url = `${stateless.url}/mcp`;
    const sid = await rawSession(url);
    expect(sid).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const h = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
    const ping = await post(url, { jsonrpc: "2.0", id: 7, method: "ping" }, h);
    expect(ping.status).toBe(200);
    expect(((await ping.json()) as { id: number }).id).toBe(7);
    const del = await fetch(url, { method: "DELETE", headers: h });
    expect(del.status).toBe(200);
    const after = await post(url, { jsonrpc: "2.0", id: 8, method: "ping" }, h);
    expect(after.status).toBe(404);
    await after.text();
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((v) => v === null)).toBe(true);
  });

  test("/healthz answers while the process lives and /readyz reports the upstream reachable", async () => {
    const h = await fetch(`${proxy.url}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${proxy.url}/readyz`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { status: string }).status).toBe("ready");
  });
});

describe("routing and reload", () => {
  test("tools/call routes by tool name; the session keeps its own upstream and one routed session per upstream", async () => {
    await using side = await startFixture(home.path);
    await using routed = await startProxy({
      home: home.path,
      config: `upstreams:
  main:
    url: ${fixture.url}
  side:
    url: ${side.url}
    headers:
      X-Which: side
upstream: main
routes:
  - match_tools: ["echo_*"]
    upstream: side
`,
    });
    const client = new Client({ name: "e2e", version: "0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${routed.url}/mcp`));
    await client.connect(transport);
    const first = JSON.parse(textOf(await client.callTool({ name: "echo_headers", arguments: {} }))) as Record<
      string,
      string
    >;
    expect(first["x-which"]).toBe("side");
    expect(first["mcp-session-id"]).toBeString();
    expect(first["mcp-session-id"]).not.toBe(transport.sessionId);
    expect(textOf(await client.callTool({ name: "test_simple_text", arguments: {} }))).toBe(
      "This is a simple text response for testing.",
    );
    const again = JSON.parse(textOf(await client.callTool({ name: "echo_headers", arguments: {} }))) as Record<
      string,
      string
    >;
    expect(again["mcp-session-id"]).toBe(first["mcp-session-id"]);
    await client.close();
  });

  test("SIGHUP reloads the policy without dropping the session", async () => {
    const policy = join(home.path, "reload-policy.yaml");
    const rules = (denied: string) => `version: v1
mode: enforce
rules:
  - name: deny-one
    match:
      methods: ["tools/call"]
      tools: ["${denied}"]
    action: deny
  - name: allow-all
    match:
      methods: ["*"]
    action: allow
`;
    writeFileSync(policy, rules("nothing_at_all"));
    await using p = await startProxy({ home: home.path, upstream: fixture.url, args: ["--policy", policy] });
    const client = new Client({ name: "e2e", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${p.url}/mcp`)));
    expect(textOf(await client.callTool({ name: "test_simple_text", arguments: {} }))).toContain("simple text");
    writeFileSync(policy, rules("test_simple_text"));
    p.proc.proc.kill("SIGHUP");
    await p.proc.stderr.waitFor("configuration reloaded");
    const err = await client.callTool({ name: "test_simple_text", arguments: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    await client.close();
  });
});
