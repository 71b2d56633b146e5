import { describe, expect, test } from "bun:test";
import { compileChain, deliver, type Identity } from "../../../../src/chain/index.ts";
import { createPolicyInterceptor, type Policy, PolicySchema } from "../../../../src/interceptors/policy/index.ts";
import type { JsonRpcMessage, MessageKind } from "../../../../src/jsonrpc/message.ts";
import { buildContext, Session } from "../../../../src/session/index.ts";

const POLICY: Policy = PolicySchema.parse({
  version: "v1",
  rules: [
    { name: "no-exec", match: { methods: ["tools/call"], tools: ["exec_*"] }, action: "deny" },
    { name: "no-etc", id: "P-2", match: { methods: ["tools/call"], any_argument: ["/etc/*"] }, action: "deny" },
    { name: "no-secret-prompt", match: { prompts: ["secret*"] }, action: "deny" },
    { name: "no-key-resource", match: { resources: ["file:///keys/*"] }, action: "deny" },
    { name: "no-sampling", match: { methods: ["sampling/createMessage"], directions: ["s2c"] }, action: "deny" },
    { name: "rest", match: { methods: ["*"] }, action: "allow" },
  ],
});

const identity: Identity = { subject: "alice", roles: [], scopes: [], labels: {}, method: "configured" };

function judge(
  policy: Policy,
  direction: "c2s" | "s2c",
  msg: JsonRpcMessage,
  kind: MessageKind,
  session = new Session("s", identity, "stdio"),
  extra = {},
) {
  const link = {
    interceptor: createPolicyInterceptor(policy),
    mode: "enforce" as const,
    failMode: "closed" as const,
    timeoutMs: 1000,
  };
  const ctx = { ...buildContext(session, direction, msg, kind, 0), ...extra };
  return compileChain([link])(msg, ctx);
}

const callMsg = (name: string, args: unknown): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id: 5,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("call time", () => {
  test("a denied tools/call is blocked as -32602 Unknown tool, with the rule id recorded", async () => {
    const r = await judge(POLICY, "c2s", callMsg("read_file", { path: "/etc/passwd" }), "request");
    expect(r.action).toBe("block");
    expect(r.block).toMatchObject({ code: -32602, reason: "Unknown tool: read_file", rule: "P-2" });
  });

  test("a tool hidden from the caller's list is refused with no data; an argument-based denial names its rule", async () => {
    const hidden = await judge(POLICY, "c2s", callMsg("exec_cmd", {}), "request");
    expect(deliver(hidden, "request")).toEqual({
      kind: "reply",
      message: { jsonrpc: "2.0", id: 5, error: { code: -32602, message: "Unknown tool: exec_cmd" } },
    });
    expect(hidden.rule).toBe("no-exec"); // audit still knows why
    const byArgs = await judge(POLICY, "c2s", callMsg("read_file", { path: "/etc/passwd" }), "request");
    expect(deliver(byArgs, "request")).toEqual({
      kind: "reply",
      message: {
        jsonrpc: "2.0",
        id: 5,
        error: { code: -32602, message: "Unknown tool: read_file", data: { interceptor: "policy", rule: "P-2" } },
      },
    });
  });

  test("an allowed call passes and records the rule that allowed it", async () => {
    const r = await judge(POLICY, "c2s", callMsg("read_file", { path: "/tmp/x" }), "request");
    expect(r.action).toBe("pass");
    expect(r.trail[0]).toMatchObject({ name: "policy", kind: "pass", rule: "rest" });
  });

  test("duplicate keys with different values in a tools/call fail closed", async () => {
    const r = await judge(POLICY, "c2s", callMsg("echo", { text: "x" }), "request", undefined, { duplicateKeys: true });
    expect(r.block).toMatchObject({ code: -32602, rule: "(duplicate-keys)" });
  });

  test("prompts/get and resources/read are denied like missing ones", async () => {
    const p = await judge(
      POLICY,
      "c2s",
      { jsonrpc: "2.0", id: 1, method: "prompts/get", params: { name: "secret_x" } },
      "request",
    );
    expect(p.block).toMatchObject({ code: -32602, reason: "Unknown prompt: secret_x" });
    const r = await judge(
      POLICY,
      "c2s",
      { jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "file:///keys/../keys/a" } },
      "request",
    );
    expect(r.block?.reason).toBe("Resource not found: file:///keys/../keys/a");
  });

  test("a server-to-client request named by an s2c rule is blocked; others pass", async () => {
    const s = await judge(
      POLICY,
      "s2c",
      { jsonrpc: "2.0", id: 9, method: "sampling/createMessage", params: {} },
      "request",
    );
    expect(s.action).toBe("block");
    const roots = await judge(POLICY, "s2c", { jsonrpc: "2.0", id: 10, method: "roots/list" }, "request");
    expect(roots.action).toBe("pass");
  });

  test("in audit mode a denial is recorded as would_block with its rule and reason, and passes", async () => {
    const audit = PolicySchema.parse({ ...POLICY, mode: "audit" });
    const r = await judge(audit, "c2s", callMsg("exec_command", { command: "ls" }), "request");
    expect(r.action).toBe("would_block");
    expect(r.rule).toBe("no-exec");
    expect(r.reason).toBe("Unknown tool: exec_command");
  });
});

describe("list time", () => {
  async function listed(method: string, field: string, items: unknown[]) {
    const session = new Session("s", identity, "stdio");
    const req: JsonRpcMessage = { jsonrpc: "2.0", id: 3, method };
    await judge(POLICY, "c2s", req, "request", session);
    const res: JsonRpcMessage = { jsonrpc: "2.0", id: 3, result: { [field]: items, nextCursor: "c" } };
    return judge(POLICY, "s2c", res, "response", session);
  }

  test("tools/list loses the tools the caller can never call; the rest is kept as is", async () => {
    const r = await listed("tools/list", "tools", [
      { name: "exec_command", description: "x" },
      { name: "read_file", description: "y" },
    ]);
    expect(r.action).toBe("modify");
    expect((r.message as { result: unknown }).result).toEqual({
      tools: [{ name: "read_file", description: "y" }],
      nextCursor: "c",
    });
  });

  test("prompts/list and resources/list are filtered the same way", async () => {
    const p = await listed("prompts/list", "prompts", [{ name: "secret_a" }, { name: "greet" }]);
    expect((p.message as { result: { prompts: unknown[] } }).result.prompts).toEqual([{ name: "greet" }]);
    const r = await listed("resources/list", "resources", [{ uri: "file:///keys/a" }, { uri: "file:///readme" }]);
    expect((r.message as { result: { resources: unknown[] } }).result.resources).toEqual([{ uri: "file:///readme" }]);
  });

  test("a list with nothing to hide is forwarded unchanged", async () => {
    const r = await listed("tools/list", "tools", [{ name: "echo" }]);
    expect(r.action).toBe("pass");
    expect(r.modified).toBe(false);
  });
});

describe("server-to-client content", () => {
  test("response_patterns block a matching server response", async () => {
    const withPatterns = PolicySchema.parse({ ...POLICY, response_patterns: ["BEGIN [A-Z ]*PRIVATE KEY"] });
    const session = new Session("s", identity, "stdio");
    await judge(withPatterns, "c2s", callMsg("read_file", { path: "k" }), "request", session);
    const res: JsonRpcMessage = {
      jsonrpc: "2.0",
      id: 5,
      result: { content: [{ type: "text", text: "-----BEGIN RSA PRIVATE KEY-----" }] },
    };
    const r = await judge(withPatterns, "s2c", res, "response", session);
    expect(r.action).toBe("block");
    expect(r.block?.rule).toBe("(response-pattern)");
  });

  test("an s2c rule can drop a server notification", async () => {
    const p = PolicySchema.parse({
      version: "v1",
      rules: [
        { name: "no-logs", match: { methods: ["notifications/message"], directions: ["s2c"] }, action: "deny" },
        { name: "rest", action: "allow" },
      ],
    });
    const r = await judge(p, "s2c", { jsonrpc: "2.0", method: "notifications/message", params: {} }, "notification");
    expect(r.action).toBe("block");
    const other = await judge(
      p,
      "s2c",
      { jsonrpc: "2.0", method: "notifications/progress", params: {} },
      "notification",
    );
    expect(other.action).toBe("pass");
  });
});
