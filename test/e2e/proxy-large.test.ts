/**
 * Large results through a real `mcpgw proxy` with pii redaction: a result the chain rewrites is
 * answered as the chain's text (not parsed and serialised again), still one valid JSON-RPC
 * response with the request's id. The upstream is a Bun.serve in this process on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { messagesOf, post, type Running, startProxy } from "../helpers/http-proxy.ts";
import { tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

const GH = "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";
const V = "2026-07-28";
const home = tempDir("mcpgw-proxy-large-");
let proxy: Running;
let upstream: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const msg = (await req.json()) as { id?: number; params?: { arguments?: { bytes?: number } } };
      const filler = "a".repeat(msg.params?.arguments?.bytes ?? 0);
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: msg.id,
        result: { content: [{ type: "text", text: `${filler} token ${GH} é` }], resultType: "complete" },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    },
  });
  proxy = await startProxy({
    home: home.path,
    upstream: `http://127.0.0.1:${upstream.port}/mcp`,
    config: ["plugins:", "  - name: pii", "    config:", "      mode: redact", ""].join("\n"),
  });
});

afterAll(async () => {
  await proxy?.[Symbol.asyncDispose]();
  upstream?.stop(true);
  home[Symbol.dispose]();
});

function call(id: number, bytes: number): Promise<Response> {
  const _meta = { "io.modelcontextprotocol/protocolVersion": V, "io.modelcontextprotocol/clientCapabilities": {} };
  return post(
    `${proxy.url}/mcp`,
    { jsonrpc: "2.0", id, method: "tools/call", params: { name: "big", arguments: { bytes }, _meta } },
    { "mcp-protocol-version": V, "mcp-method": "tools/call", "mcp-name": "big" },
  );
}

describe("large results redacted by the chain", () => {
  for (const bytes of [0, 64 * 1024, 1024 * 1024]) {
    test(`a ${bytes}-byte result with a secret arrives redacted, as one response with its id`, async () => {
      const r = await call(41, bytes);
      expect(r.status).toBe(200);
      const [reply, ...rest] = await messagesOf(r);
      expect(rest).toEqual([]);
      expect(reply!.id).toBe(41);
      const text = (reply!.result as { content: { text: string }[] }).content[0]!.text;
      expect(text.length).toBeGreaterThan(bytes);
      expect(text).not.toContain(GH);
      expect(text.endsWith("token [REDACTED:github_token] é")).toBe(true);
    });
  }
});
