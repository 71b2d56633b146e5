import { describe, expect, test } from "bun:test";
import type { ChainResult, Verdict } from "../../../src/chain/index.ts";
import { deliver } from "../../../src/chain/index.ts";
import type { JsonRpcMessage, MessageKind } from "../../../src/jsonrpc/message.ts";

function result(message: JsonRpcMessage, action: ChainResult["action"], extra: Partial<ChainResult> = {}): ChainResult {
  const block: Extract<Verdict, { kind: "block" }> | undefined =
    action === "block" ? { kind: "block", code: -32010, reason: "denied by policy", rule: "r1" } : undefined;
  return {
    message,
    modified: false,
    action,
    block,
    decidedBy: action === "block" ? "policy" : null,
    rule: block?.rule,
    reason: block?.reason,
    findings: [],
    trail: [],
    durationMs: 0,
    ...extra,
  };
}

const request: JsonRpcMessage = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "x" } };
const notification: JsonRpcMessage = { jsonrpc: "2.0", method: "notifications/progress" };
const response: JsonRpcMessage = { jsonrpc: "2.0", id: 7, result: { ok: true } };
const errorMsg: JsonRpcMessage = { jsonrpc: "2.0", id: 7, error: { code: 1, message: "m" } };
const wireError = {
  jsonrpc: "2.0",
  id: 7,
  error: { code: -32010, message: "denied by policy", data: { interceptor: "policy", rule: "r1" } },
};

describe("block semantics (ARCHITECTURE §3)", () => {
  const table: [string, JsonRpcMessage, MessageKind, unknown][] = [
    [
      "a blocked request is answered to its sender with the same id",
      request,
      "request",
      { kind: "reply", message: wireError },
    ],
    ["a blocked notification is dropped", notification, "notification", { kind: "drop" }],
    [
      "a blocked response is replaced by an error with the same id",
      response,
      "response",
      { kind: "forward", message: wireError },
    ],
    ["a blocked error response is replaced too", errorMsg, "error", { kind: "forward", message: wireError }],
  ];
  for (const [title, msg, kind, expected] of table) {
    test(title, () => expect(deliver(result(msg, "block"), kind)).toEqual(expected as never));
  }

  test("a pass forwards the original bytes", () => {
    expect(deliver(result(request, "pass"), "request")).toEqual({ kind: "forward-original" });
  });

  test("would_block forwards the original bytes", () => {
    expect(deliver(result(request, "would_block"), "request")).toEqual({ kind: "forward-original" });
  });

  test("a modification forwards the re-serialisable new message", () => {
    const changed: JsonRpcMessage = { jsonrpc: "2.0", id: 7, result: { ok: false } };
    expect(deliver(result(changed, "modify", { modified: true }), "response")).toEqual({
      kind: "forward",
      message: changed,
    });
  });

  test("asToolError turns a blocked tools/call into a tool error result", () => {
    const r = result(request, "block", {
      block: { kind: "block", code: -32602, reason: "bad input", asToolError: true },
    });
    expect(deliver(r, "request")).toEqual({
      kind: "reply",
      message: {
        jsonrpc: "2.0",
        id: 7,
        result: { content: [{ type: "text", text: "bad input" }], isError: true, resultType: "complete" },
      },
    });
  });
});
