/**
 * The pii and schema plugins through a real `mcpgw proxy` (HTTP on 127.0.0.1) in protocol revision
 * 2026-07-28, where every request is stateless: the official SDK 2.x client against an SDK 2.x
 * server (test/fixtures/servers/modern-http-fixture.ts). Processes and HTTP are real.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { messagesOf, post, type Running, startFixture, startProxy } from "../helpers/http-proxy.ts";
import { FIXTURES, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

const MODERN = join(FIXTURES, "servers/modern-http-fixture.ts");
const GH = "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";
const home = tempDir("mcpgw-schema-pii-proxy-");
let fixture: Running;
let proxy: Running;

beforeAll(async () => {
  fixture = await startFixture(home.path, MODERN);
  proxy = await startProxy({
    home: home.path,
    upstream: fixture.url,
    config: [
      "plugins:",
      "  - name: pii",
      "    config:",
      "      mode: redact",
      "  - name: schema",
      "    config:",
      "      reject_unknown_tools: true",
      "",
    ].join("\n"),
  });
});

afterAll(async () => {
  await proxy?.[Symbol.asyncDispose]();
  await fixture?.[Symbol.asyncDispose]();
  home[Symbol.dispose]();
});

const V = "2026-07-28";

/** A raw 2026-07-28 request: the per-request envelope in `_meta` and the routing headers. */
function modernPost(id: number, method: string, params: Record<string, unknown>, name?: string): Promise<Response> {
  const _meta = { "io.modelcontextprotocol/protocolVersion": V, "io.modelcontextprotocol/clientCapabilities": {} };
  return post(
    `${proxy.url}/mcp`,
    { jsonrpc: "2.0", id, method, params: { ...params, _meta } },
    { "mcp-protocol-version": V, "mcp-method": method, ...(name ? { "mcp-name": name } : {}) },
  );
}

async function connect(): Promise<Client> {
  const client = new Client(
    { name: "e2e-pii-schema", version: "0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`)));
  return client;
}

describe("pii and schema through mcpgw proxy, stateless 2026-07-28", () => {
  test("a secret in tool arguments reaches the server redacted (the echo shows what it got)", async () => {
    const client = await connect();
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("echo");
    const r = await client.callTool({ name: "echo", arguments: { text: `deploy with ${GH}` } });
    expect((r.content as { text: string }[])[0]!.text).toBe("deploy with [REDACTED:github_token]");
    await client.close();
  });

  test("arguments are checked against the listing from another request; unknown tools are refused", async () => {
    const client = await connect();
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("echo");
    await expect(client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(
      /Unknown tool: no_such_tool/,
    );
    // The gateway's own tool error carries the 2026 result discriminator, so the SDK 2.x client accepts it.
    const refused = await client.callTool({ name: "echo", arguments: { text: 42 } });
    expect(refused.isError).toBe(true);
    expect((refused.content as { text: string }[])[0]!.text).toContain("Invalid arguments for tool echo");
    await client.close();
    // A separate stateless request: no session ties it to the listing above.
    const [reply] = await messagesOf(
      await modernPost(7, "tools/call", { name: "echo", arguments: { text: 42 } }, "echo"),
    );
    const result = reply!.result as { isError: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain("Invalid arguments for tool echo");
  });
});
