import { describe, expect, test } from "bun:test";
import {
  bodyFacts,
  checkHeaders,
  decodeHeaderValue,
  encodeHeaderValue,
  isModernVersion,
  learnParamHeaders,
  type ParamHeader,
  recomputeHeaders,
} from "../../../../src/transport/http/era.ts";

const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };

describe("era classification", () => {
  test("revisions from 2026-07-28 on are modern, earlier ones and garbage are not", () => {
    expect(isModernVersion("2026-07-28")).toBe(true);
    expect(isModernVersion("2027-01-01")).toBe(true);
    expect(isModernVersion("2025-11-25")).toBe(false);
    expect(isModernVersion(null)).toBe(false);
  });

  test("the body's _meta protocol version is the claim", () => {
    expect(bodyFacts({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: META } })?.claim).toBe(
      "2026-07-28",
    );
    expect(bodyFacts({ jsonrpc: "2.0", id: 1, method: "tools/list" })?.claim).toBeUndefined();
    expect(bodyFacts([1, 2])).toBeUndefined();
  });
});

describe("header/body cross-checks", () => {
  const facts = bodyFacts({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", _meta: META } })!;

  test("matching headers pass and absent ones are left to the upstream", () => {
    expect(
      checkHeaders(
        new Headers({ "mcp-method": "tools/call", "mcp-name": "echo", "mcp-protocol-version": "2026-07-28" }),
        facts,
      ),
    ).toBeUndefined();
    expect(checkHeaders(new Headers(), facts)).toBeUndefined();
  });

  test("a disagreeing Mcp-Method, Mcp-Name or MCP-Protocol-Version is a mismatch naming the header", () => {
    expect(checkHeaders(new Headers({ "mcp-method": "tools/list" }), facts)?.header).toBe("Mcp-Method");
    expect(checkHeaders(new Headers({ "mcp-name": "exec" }), facts)?.header).toBe("Mcp-Name");
    expect(checkHeaders(new Headers({ "mcp-protocol-version": "2025-11-25" }), facts)?.header).toBe(
      "MCP-Protocol-Version",
    );
  });

  test("a Base64-encoded Mcp-Name is compared decoded; a malformed one is a mismatch", () => {
    const f = bodyFacts({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "héllo wörld", _meta: META } })!;
    expect(checkHeaders(new Headers({ "mcp-name": encodeHeaderValue("héllo wörld") }), f)).toBeUndefined();
    expect(checkHeaders(new Headers({ "mcp-name": "=?base64?***?=" }), f)?.header).toBe("Mcp-Name");
  });
});

describe("header values", () => {
  test("plain ASCII stays as is; anything else round-trips through the Base64 sentinel", () => {
    expect(encodeHeaderValue("us-west")).toBe("us-west");
    for (const v of ["héllo", " padded ", "line\nbreak", ""]) {
      const e = encodeHeaderValue(v);
      expect(e.startsWith("=?base64?")).toBe(true);
      expect(decodeHeaderValue(e)).toBe(v);
    }
  });
});

describe("Mcp-Param-* recomputation", () => {
  test("learns x-mcp-header declarations from tools/list and rewrites the headers from the forwarded arguments", () => {
    const catalogue = new Map<string, ParamHeader[]>();
    learnParamHeaders(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        result: {
          tools: [
            {
              name: "query",
              inputSchema: {
                type: "object",
                properties: {
                  region: { type: "string", "x-mcp-header": "Region" },
                  opts: { type: "object", properties: { n: { type: "integer", "x-mcp-header": "N" } } },
                },
              },
            },
          ],
        },
      }),
      catalogue,
    );
    expect(catalogue.get("query")).toEqual([
      { header: "Region", path: ["region"] },
      { header: "N", path: ["opts", "n"] },
    ]);
    const h = new Headers({ "mcp-param-region": "us-east", "mcp-param-stale": "x", "mcp-name": "query" });
    recomputeHeaders(
      h,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "query", arguments: { region: "[REDACTED]", opts: { n: 3 } } },
      }),
      catalogue,
    );
    expect(h.get("mcp-param-region")).toBe("[REDACTED]");
    expect(h.get("mcp-param-n")).toBe("3");
    expect(h.has("mcp-param-stale")).toBe(false);
    expect(h.get("mcp-name")).toBe("query");
  });

  test("param headers of a tool with unknown declarations are dropped, never left stale", () => {
    const h = new Headers({ "mcp-param-region": "us-east" });
    recomputeHeaders(
      h,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "other", arguments: {} } }),
      new Map(),
    );
    expect(h.has("mcp-param-region")).toBe(false);
  });
});
