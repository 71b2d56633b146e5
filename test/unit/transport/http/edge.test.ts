import { describe, expect, test } from "bun:test";
import { checkOrigin, exceedsDepth, forwardHeaders, type OriginPolicy } from "../../../../src/transport/http/edge.ts";

const loopback: OriginPolicy = { loopbackBind: true, origins: new Set(), hosts: new Set() };
const req = (headers: Record<string, string>) => new Request("http://127.0.0.1:9090/mcp", { headers });

describe("Origin and Host checks", () => {
  test("a loopback bind accepts loopback hosts and origins, with or without ports", () => {
    expect(checkOrigin(req({ host: "127.0.0.1:9090" }), loopback)).toBeNull();
    expect(checkOrigin(req({ host: "localhost:9090", origin: "http://localhost:3000" }), loopback)).toBeNull();
    expect(checkOrigin(req({ host: "[::1]:9090", origin: "http://[::1]:5173" }), loopback)).toBeNull();
  });

  test("a loopback bind refuses foreign hosts (DNS rebinding) and foreign origins", () => {
    expect(checkOrigin(req({ host: "evil.example.com:9090" }), loopback)).toContain("Host");
    expect(checkOrigin(req({ host: "127.0.0.1:9090", origin: "https://evil.example.com" }), loopback)).toContain(
      "Origin",
    );
    expect(checkOrigin(req({ host: "127.0.0.1:9090", origin: "null" }), loopback)).toContain("Origin");
  });

  test("configured origins and hosts are accepted; a non-loopback bind accepts only configured origins", () => {
    const p: OriginPolicy = { loopbackBind: false, origins: new Set(["https://app.example.com"]), hosts: new Set() };
    expect(checkOrigin(req({ host: "gw.example.com", origin: "https://app.example.com" }), p)).toBeNull();
    expect(checkOrigin(req({ host: "gw.example.com", origin: "http://localhost:3000" }), p)).toContain("Origin");
    expect(checkOrigin(req({ host: "gw.example.com" }), p)).toBeNull();
  });
});

describe("nesting depth", () => {
  test("counts only brackets outside strings", () => {
    expect(exceedsDepth(`{"a":"${"[".repeat(1000)}"}`, 8)).toBe(false);
    expect(exceedsDepth(`${"[".repeat(9)}${"]".repeat(9)}`, 8)).toBe(true);
    expect(exceedsDepth(`${"[".repeat(8)}${"]".repeat(8)}`, 8)).toBe(false);
    expect(exceedsDepth(`{"a":"\\"${"{".repeat(20)}"}`, 8)).toBe(false);
  });

  test("hops over strings: escaped quotes and runs of backslashes end them where the parser does", () => {
    const deep = `${"[".repeat(9)}${"]".repeat(9)}`;
    // An even run of backslashes before a quote ends the string; the brackets after it count.
    expect(exceedsDepth(`{"a":"x\\\\","b":${deep}}`, 8)).toBe(true);
    // An odd run escapes it: the brackets are still inside the string.
    expect(exceedsDepth(`{"a":"x\\\\\\"${deep}"}`, 8)).toBe(false);
    expect(exceedsDepth(`{"a":"${'\\"'.repeat(50)}","b":${deep}}`, 8)).toBe(true);
    // Unterminated string: nothing after it is structure (and the parser refuses the body).
    expect(exceedsDepth(`{"a":"${deep}`, 8)).toBe(false);
    // A long string between brackets.
    expect(exceedsDepth(`[[[[["${"y".repeat(100_000)}",[[[[[1]]]]]]]]]]`, 8)).toBe(true);
  });

  test("agrees with a character-by-character walk on random bracket, quote and backslash soup", () => {
    const walk = (text: string, max: number): boolean => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === "\\") i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "{" || c === "[") {
          if (++depth > max) return true;
        } else if (c === "}" || c === "]") depth--;
      }
      return false;
    };
    const alphabet = ['"', "\\", "{", "[", "]", "}", "a", ":", ","];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    let deep = 0;
    for (let n = 0; n < 3000; n++) {
      const len = 20 + (next() % 200);
      let text = "";
      for (let i = 0; i < len; i++) text += alphabet[next() % alphabet.length];
      const max = 1 + (next() % 6);
      const expected = walk(text, max);
      if (expected) deep++;
      expect(exceedsDepth(text, max)).toBe(expected);
    }
    // Both answers occur.
    expect(deep).toBeGreaterThan(100);
    expect(deep).toBeLessThan(2900);
  });
});

describe("forwarded headers", () => {
  test("credentials, cookies and hop-by-hop headers stay behind; MCP, trace and configured headers go on", () => {
    const h = forwardHeaders(
      new Headers({
        authorization: "Bearer secret",
        cookie: "a=b",
        connection: "keep-alive",
        "x-api-key": "k",
        "mcp-session-id": "s",
        "mcp-protocol-version": "2025-06-18",
        "last-event-id": "e1",
        accept: "text/event-stream",
        traceparent: "00-1-2-01",
        "mcp-param-region": "eu",
      }),
      { authorization: "Bearer upstream" },
      true,
    );
    expect(h.get("authorization")).toBe("Bearer upstream");
    expect(h.has("cookie")).toBe(false);
    expect(h.has("connection")).toBe(false);
    expect(h.has("x-api-key")).toBe(false);
    for (const k of [
      "mcp-session-id",
      "mcp-protocol-version",
      "last-event-id",
      "accept",
      "traceparent",
      "mcp-param-region",
    ])
      expect(h.has(k)).toBe(true);
  });
});
