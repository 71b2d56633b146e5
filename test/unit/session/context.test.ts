import { describe, expect, test } from "bun:test";
import { buildContext, Session } from "../../../src/session/index.ts";

describe("Session and buildContext", () => {
  test("a request is remembered and its response learns method and target from it", () => {
    const s = new Session("s", null, "up");
    const req = buildContext(
      s,
      "c2s",
      { jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: "file:///a" } },
      "request",
      10,
    );
    expect(req).toMatchObject({ method: "resources/read", target: "file:///a", request: undefined });
    const res = buildContext(s, "s2c", { jsonrpc: "2.0", id: 1, result: {} }, "response", 10);
    expect(res.method).toBe("resources/read");
    expect(res.target).toBe("file:///a");
    expect(res.request?.direction).toBe("c2s");
    expect(s.pendingFromClient()).toEqual([]);
  });

  test("ids are matched by type: the number 1 and the string '1' are different requests", () => {
    const s = new Session("s", null, "up");
    buildContext(s, "c2s", { jsonrpc: "2.0", id: 1, method: "a" }, "request", 0);
    const res = buildContext(s, "s2c", { jsonrpc: "2.0", id: "1", result: {} }, "response", 0);
    expect(res.request).toBeUndefined();
    expect(s.pendingFromClient()).toHaveLength(1);
  });

  test("server-to-client requests are tracked apart from client requests", () => {
    const s = new Session("s", null, "up");
    buildContext(s, "s2c", { jsonrpc: "2.0", id: 1, method: "sampling/createMessage", params: {} }, "request", 0);
    buildContext(s, "c2s", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "t" } }, "request", 0);
    const answer = buildContext(s, "c2s", { jsonrpc: "2.0", id: 1, result: {} }, "response", 0);
    expect(answer.method).toBe("sampling/createMessage");
    expect(s.pendingFromClient().map((p) => p.method)).toEqual(["tools/call"]);
  });

  test("the protocol revision comes from initialize, the server's answer winning", () => {
    const s = new Session("s", null, "up");
    buildContext(
      s,
      "c2s",
      { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25" } },
      "request",
      0,
    );
    expect(s.protocolVersion).toBe("2025-11-25");
    buildContext(s, "s2c", { jsonrpc: "2.0", id: 0, result: { protocolVersion: "2025-03-26" } }, "response", 0);
    expect(s.protocolVersion).toBe("2025-03-26");
  });

  test("the pending table is bounded: the oldest request is forgotten past the limit", () => {
    const s = new Session("s", null, "up", 3);
    for (let i = 0; i < 5; i++) buildContext(s, "c2s", { jsonrpc: "2.0", id: i, method: "m" }, "request", 0);
    expect(s.pendingFromClient().map((p) => p.id)).toEqual([2, 3, 4]);
  });
});
