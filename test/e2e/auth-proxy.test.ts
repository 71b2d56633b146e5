/**
 * Identity through a real `mcpgw proxy` process: the SDK 1.x everything fixture as upstream (a
 * real process), an in-process authorization server (JWKS + introspection on Bun.serve port 0),
 * the official SDK client with a bearer token, and raw HTTP where status codes and headers
 * matter. Everything runs on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type JwksFixture, startJwksFixture } from "../fixtures/servers/jwks-fixture.ts";
import { messagesOf, post, type Running, rawSession, startFixture, startProxy } from "../helpers/http-proxy.ts";
import { tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

const RESOURCE = "https://mcp.example.test/mcp";
const API_KEY = "e2e-api-key-0123456789abcdef";
const home = tempDir("mcpgw-auth-e2e-");
let as: JwksFixture;
let fixture: Running;
let proxy: Running;
let mcp: string;

beforeAll(async () => {
  as = await startJwksFixture();
  fixture = await startFixture(home.path);
  const policy = join(home.path, "policy.yaml");
  writeFileSync(
    policy,
    [
      "version: v1",
      "rules:",
      "  - name: admins-may-fail",
      "    match: { tools: [test_error_handling], roles: [admin] }",
      "    action: allow",
      "  - name: others-may-not-fail",
      "    match: { tools: [test_error_handling] }",
      "    action: deny",
      "  - name: bots-no-prompts",
      '    match: { subjects: ["ci-*"], methods: ["prompts/*"] }',
      "    action: deny",
      "  - name: everyone-else",
      "    match: {}",
      "    action: allow",
      "",
    ].join("\n"),
  );
  proxy = await startProxy({
    home: home.path,
    config: [
      `upstream: ${fixture.url}`,
      `policy: ${policy}`,
      "auth:",
      "  api_keys:",
      "    - key: ${E2E_API_KEY}",
      "      name: ci-bot",
      "      roles: [automation]",
      "  oauth:",
      `    issuer: ${as.issuer}`,
      `    jwks_url: ${as.jwksUrl}`,
      `    resource_url: ${RESOURCE}`,
      "    scopes_supported: [mcp:tools]",
      "    required_scopes: [mcp:tools]",
      "rate_limit:",
      "  requests_per_second: 0.001",
      "  burst: 6",
      "",
    ].join("\n"),
    env: { E2E_API_KEY: API_KEY },
  });
  mcp = `${proxy.url}/mcp`;
});

afterAll(async () => {
  await proxy?.[Symbol.asyncDispose]();
  await fixture?.[Symbol.asyncDispose]();
  await as?.[Symbol.asyncDispose]();
  home[Symbol.dispose]();
});

const token = (sub: string, extra: Record<string, unknown> = {}) =>
  as.sign({ sub, aud: RESOURCE, scope: "mcp:tools", ...extra });
const bearer = async (sub: string, extra: Record<string, unknown> = {}) => ({
  authorization: `Bearer ${await token(sub, extra)}`,
});

describe("mcpgw proxy with auth", () => {
  test("an SDK client with a bearer token lists and calls tools, and the token never reaches the upstream", async () => {
    const headers = await bearer("alice", { roles: ["admin"] });
    const client = new Client({ name: "auth-e2e", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp), { requestInit: { headers } }));
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain("echo_headers");
      const seen = await client.callTool({ name: "echo_headers", arguments: {} });
      const text = JSON.stringify(seen).toLowerCase();
      expect(text).not.toContain("authorization");
      expect(text).not.toContain(headers.authorization.slice(7, 40).toLowerCase());
    } finally {
      await client.close();
    }
  });

  test("without a token the answer is 401 naming the protected resource metadata, which the proxy serves", async () => {
    const r = await post(mcp, { jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(r.status).toBe(401);
    await r.text();
    const challenge = r.headers.get("www-authenticate") ?? "";
    expect(challenge).toBe(
      'Bearer scope="mcp:tools", resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"',
    );
    const meta = await fetch(`${proxy.url}/.well-known/oauth-protected-resource/mcp`);
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [as.issuer] });
  });

  test("a token for another resource, an expired token and alg none are refused with 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(
      JSON.stringify({ sub: "m", aud: RESOURCE, iss: as.issuer, exp: now + 600, scope: "mcp:tools" }),
    ).toString("base64url")}.`;
    for (const t of [
      await token("bob", { aud: "https://other.example/mcp" }),
      await token("bob", { exp: now - 3600 }),
      none,
    ]) {
      const r = await post(mcp, { jsonrpc: "2.0", id: 1, method: "tools/list" }, { authorization: `Bearer ${t}` });
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toContain('error="invalid_token"');
      await r.text();
    }
  });

  test("a token without the required scope gets 403 insufficient_scope", async () => {
    const r = await post(
      mcp,
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      await bearer("carol", { scope: "other" }),
    );
    expect(r.status).toBe(403);
    expect(r.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    await r.text();
  });

  test("a 1 MiB token is refused before any verification", async () => {
    const r = await post(
      mcp,
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { authorization: `Bearer ${"A".repeat(1 << 20)}` },
    );
    expect(r.status).toBe(431);
    await r.text();
  });

  test("a token in the query string is refused", async () => {
    const r = await post(`${mcp}?access_token=${await token("dave")}`, { jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(r.status).toBe(400);
    await r.text();
  });

  test("a session id presented with another subject's credentials is answered 404", async () => {
    const sid = await rawSession(mcp, await bearer("erin"));
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    const own = await post(mcp, list, {
      ...(await bearer("erin")),
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-06-18",
    });
    expect(own.status).toBe(200);
    expect((await messagesOf(own))[0]).toHaveProperty("result");
    for (const other of [await bearer("frank"), { "x-api-key": API_KEY }]) {
      const r = await post(mcp, list, { ...other, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });
      expect(r.status).toBe(404);
      await r.text();
    }
  });

  test("policy rules see subjects and roles from tokens and API keys", async () => {
    const call = {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "test_error_handling", arguments: {} },
    };
    const outcome = async (headers: Record<string, string>, body: unknown) => {
      const sid = await rawSession(mcp, headers);
      const r = await post(mcp, body, { ...headers, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });
      return (await messagesOf(r))[0] as { result?: { isError?: boolean }; error?: { message: string } };
    };
    // An admin reaches the tool (which itself reports an error); a non-admin is told it does not exist.
    expect((await outcome(await bearer("root", { roles: ["admin"] }), call)).result?.isError).toBe(true);
    expect((await outcome(await bearer("hank", { roles: ["dev"] }), call)).error?.message).toBe(
      "Unknown tool: test_error_handling",
    );
    const prompts = { jsonrpc: "2.0", id: 4, method: "prompts/list" };
    expect(await outcome({ "x-api-key": API_KEY }, prompts)).toHaveProperty("error");
    expect(await outcome(await bearer("ivy"), prompts)).toHaveProperty("result");
  });

  test("an API key caller over its rate limit gets 429 with Retry-After and RATE_LIMITED", async () => {
    const h = { "x-api-key": API_KEY };
    const sid = await rawSession(mcp, h);
    const session = { ...h, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
    let refused: Response | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const r = await post(mcp, { jsonrpc: "2.0", id: 10 + i, method: "tools/list" }, session);
      if (r.status === 429) refused = r;
      else {
        expect(r.status).toBe(200);
        await r.text();
      }
    }
    if (!refused) throw new Error("never rate limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const [msg] = await messagesOf(refused);
    expect(msg).toMatchObject({ error: { code: -32011 } });
    expect(String((msg as { error: { message: string } }).error.message)).toMatch(
      /^Rate limit exceeded; retry after \d+ s$/,
    );
    // Another caller still has its own bucket.
    const other = await post(mcp, { jsonrpc: "2.0", id: 99, method: "tools/list" }, await bearer("gina"));
    expect(other.status).not.toBe(429);
    await other.text();
  });
});

describe("mcpgw proxy auth reload", () => {
  test("SIGHUP with a new api_keys list admits the new key and refuses the removed one", async () => {
    const h = tempDir("mcpgw-auth-reload-");
    const up = await startFixture(h.path);
    const oldKey = "reload-old-key-0123456789";
    const newKey = "reload-new-key-0123456789";
    const cfg = (key: string) => `upstream: ${up.url}\nauth:\n  api_keys:\n    - key: ${key}\n      name: svc\n`;
    const gw = await startProxy({ home: h.path, config: cfg(oldKey) });
    try {
      const url = `${gw.url}/mcp`;
      const list = {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "r", version: "0" } },
      };
      const status = async (key: string) => {
        const r = await post(url, list, { "x-api-key": key });
        await r.text();
        return r.status;
      };
      expect([await status(oldKey), await status(newKey)]).toEqual([200, 401]);
      writeFileSync(join(h.path, "config.yaml"), cfg(newKey));
      gw.proc.proc.kill("SIGHUP");
      await gw.proc.stderr.waitFor(/configuration reloaded/);
      expect([await status(oldKey), await status(newKey)]).toEqual([401, 200]);
    } finally {
      await gw[Symbol.asyncDispose]();
      await up[Symbol.asyncDispose]();
      h[Symbol.dispose]();
    }
  });
});
