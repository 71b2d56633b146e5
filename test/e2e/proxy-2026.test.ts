/**
 * Protocol revision 2026-07-28 through a real `mcpgw proxy`: the official SDK 2.x client
 * (@modelcontextprotocol/client, pinned to 2026-07-28) against an SDK 2.x server
 * (@modelcontextprotocol/server, createMcpHandler), plus raw HTTP for headers and status codes.
 * Processes and HTTP on 127.0.0.1 are real.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { messagesOf, post, type Running, startFixture, startProxy } from "../helpers/http-proxy.ts";
import { FIXTURES, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

const MODERN = join(FIXTURES, "servers/modern-http-fixture.ts");
const V = "2026-07-28";
const home = tempDir("mcpgw-proxy-2026-");
let fixture: Running;
let proxy: Running;
let mcp: string;

beforeAll(async () => {
  fixture = await startFixture(home.path, MODERN);
  proxy = await startProxy({ home: home.path, upstream: fixture.url });
  mcp = `${proxy.url}/mcp`;
});

afterAll(async () => {
  await proxy?.[Symbol.asyncDispose]();
  await fixture?.[Symbol.asyncDispose]();
  home[Symbol.dispose]();
});

const envelope = { "io.modelcontextprotocol/protocolVersion": V, "io.modelcontextprotocol/clientCapabilities": {} };

function modern(id: number, method: string, params: Record<string, unknown> = {}) {
  return {
    jsonrpc: "2.0",
    id,
    method,
    params: { ...params, _meta: { ...envelope, ...(params._meta as object | undefined) } },
  };
}

function headersFor(method: string, name?: string): Record<string, string> {
  return { "mcp-protocol-version": V, "mcp-method": method, ...(name ? { "mcp-name": name } : {}) };
}

async function connect(url: string): Promise<{ client: Client; sessionHeaders: (string | null)[] }> {
  const sessionHeaders: (string | null)[] = [];
  const client = new Client({ name: "e2e-2026", version: "0" }, { versionNegotiation: { mode: { pin: V } } });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: async (u, init) => {
      const r = await fetch(u, init);
      sessionHeaders.push(r.headers.get("mcp-session-id"));
      return r;
    },
  });
  await client.connect(transport);
  return { client, sessionHeaders };
}

describe("SDK 2.x client through mcpgw proxy (2026-07-28)", () => {
  test("server/discover, tools, resources and prompts work statelessly: no session is minted or echoed", async () => {
    const { client, sessionHeaders } = await connect(mcp);
    expect(client.getNegotiatedProtocolVersion()).toBe(V);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("echo");
    const r = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    expect((r.content as { text: string }[])[0]!.text).toBe("hi");
    const res = await client.readResource({ uri: "test://greeting" });
    expect((res.contents[0] as { text: string }).text).toBe("hello from 2026");
    const p = await client.getPrompt({ name: "greet", arguments: { who: "bob" } });
    expect((p.messages[0]!.content as { text: string }).text).toBe("Hello, bob");
    expect(sessionHeaders.length).toBeGreaterThan(3);
    expect(sessionHeaders.every((h) => h === null)).toBe(true);
    await client.close();
  });

  test("a call the policy denies is refused by mcpgw and never reaches the server", async () => {
    const { client } = await connect(mcp);
    const err = await client.callTool({ name: "exec_command", arguments: { command: "rm -rf /" } }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(JSON.stringify((err as { data?: unknown }).data ?? {})).toContain("policy");
    await client.close();
  });
});

describe("raw 2026-07-28 HTTP through mcpgw proxy", () => {
  test("an Mcp-Method header that disagrees with the body is rejected with 400 and HeaderMismatch (-32020)", async () => {
    const r = await post(
      mcp,
      modern(1, "tools/call", { name: "echo", arguments: { text: "x" } }),
      headersFor("tools/list", "echo"),
    );
    expect(r.status).toBe(400);
    const body = (await r.json()) as { id: number; error: { code: number } };
    expect(body.error.code).toBe(-32020);
    expect(body.id).toBe(1);
  });

  test("an Mcp-Name header that disagrees with params.name is rejected with 400 before policy sees a harmless name", async () => {
    const r = await post(
      mcp,
      modern(2, "tools/call", { name: "exec_command", arguments: { command: "rm -rf /" } }),
      headersFor("tools/call", "echo"),
    );
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  test("GET and DELETE are answered 405 for the 2026-07-28 revision", async () => {
    for (const method of ["GET", "DELETE"]) {
      const r = await fetch(mcp, { method, headers: { "mcp-protocol-version": V, accept: "text/event-stream" } });
      expect({ method, status: r.status }).toEqual({ method, status: 405 });
      await r.text();
    }
  });

  test("an input_required result and its requestState pass through byte for byte", async () => {
    const body = modern(3, "tools/call", {
      name: "deploy",
      arguments: { env: "prod" },
      _meta: { ...envelope, "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} } } },
    });
    const h = { ...headersFor("tools/call", "deploy"), accept: "application/json" };
    const direct = await (await post(fixture.url, body, h)).text();
    const proxied = await (await post(mcp, body, h)).text();
    expect(proxied).toBe(direct);
    const msg = JSON.parse(proxied) as { result: { resultType: string; requestState: string } };
    expect(msg.result.resultType).toBe("input_required");
    expect(msg.result.requestState).toBe("opaque-state-for-prod");
  });

  test("public cache hints become private when the result depends on an authenticated caller", async () => {
    const body = modern(4, "resources/read", { uri: "test://shared" });
    const h = { ...headersFor("resources/read", "test://shared"), accept: "application/json" };
    const anon = (await messagesOf(await post(mcp, body, h)))[0]!.result as { cacheScope: string };
    expect(anon.cacheScope).toBe("public");
    await using authed = await startProxy({
      home: home.path,
      upstream: fixture.url,
      config: "auth:\n  api_keys:\n    - key: ${KEY_A}\n      name: alice\n",
      env: { KEY_A: "key-alice-0123456789abcdef" },
    });
    const r = await post(`${authed.url}/mcp`, body, { ...h, authorization: "Bearer key-alice-0123456789abcdef" });
    const res = (await messagesOf(r))[0]!.result as { cacheScope: string; ttlMs: number };
    expect(res.cacheScope).toBe("private");
    expect(res.ttlMs).toBe(60_000);
  });

  test("a subscriptions/listen stream is relayed event by event while it stays open", async () => {
    const ac = new AbortController();
    const r = await fetch(mcp, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headersFor("subscriptions/listen"),
      },
      body: JSON.stringify(
        modern(6, "subscriptions/listen", { notifications: { resourceSubscriptions: ["test://greeting"] } }),
      ),
      signal: ac.signal,
    });
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    const until = async (s: string) => {
      while (!text.includes(s)) {
        const c = await reader.read();
        if (c.done) throw new Error(`listen stream ended: ${text}`);
        text += dec.decode(c.value);
      }
    };
    await until("notifications/subscriptions/acknowledged");
    const touch = await post(
      mcp,
      modern(7, "tools/call", { name: "touch", arguments: { uri: "test://greeting" } }),
      headersFor("tools/call", "touch"),
    );
    await touch.text();
    await until("notifications/resources/updated");
    expect(text).toContain("test://greeting");
    ac.abort();
  });

  test("a client that disconnects mid-request closes the upstream request (2026 cancellation)", async () => {
    const before = (fixture.proc.stderr.text.match(/request closed by client/g) ?? []).length;
    const ac = new AbortController();
    const pending = fetch(mcp, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headersFor("tools/call", "slow"),
      },
      body: JSON.stringify(modern(5, "tools/call", { name: "slow", arguments: { ms: 30_000 } })),
      signal: ac.signal,
    }).catch(() => null);
    await fixture.proc.stderr.waitFor("fixture: slow started");
    ac.abort();
    await pending;
    await fixture.proc.stderr.waitFor((t) => (t.match(/request closed by client/g) ?? []).length > before);
  });
});
