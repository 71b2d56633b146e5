import { describe, expect, test } from "bun:test";
import type { Identity, MessageContext } from "../../../../src/chain/types.ts";
import { compileRuntime } from "../../../../src/config/compile.ts";
import { ConfigSchema } from "../../../../src/config/schema.ts";
import { createScopeInterceptor } from "../../../../src/interceptors/auth/index.ts";
import { ErrorCode } from "../../../../src/jsonrpc/errors.ts";
import { silentLogger } from "../../../../src/log/index.ts";
import { Session } from "../../../../src/session/session.ts";

const caller = (scopes: string[], method: Identity["method"] = "oauth"): Identity => ({
  subject: "u",
  roles: [],
  scopes,
  labels: {},
  method,
});

function ctx(identity: Identity, method: string, target?: string): MessageContext {
  return {
    direction: "c2s",
    kind: "request",
    sessionId: "s",
    identity,
    upstream: "up",
    method,
    target,
    request: undefined,
    protocolVersion: undefined,
    size: 0,
    receivedAt: 0,
    session: new Session("s", identity, "up"),
  };
}

const rules = ConfigSchema.parse({
  auth: {
    scope_rules: [
      { tools: ["write_*", "delete_*"], scopes: ["mcp:write"] },
      { methods: ["resources/*"], scopes: ["mcp:resources"] },
    ],
  },
}).auth?.scope_rules;

const auth = createScopeInterceptor(rules ?? []);
if (!auth) throw new Error("no interceptor");
const msg = { jsonrpc: "2.0", id: 1, method: "tools/call" } as const;

describe("auth scope rules", () => {
  test("refuses a tool call whose rule needs a scope the caller lacks", () => {
    expect(auth.inspect(msg, ctx(caller(["mcp:tools"]), "tools/call", "write_file"))).toEqual({
      kind: "block",
      code: ErrorCode.UNAUTHORIZED,
      reason: "Insufficient scope: tools/call needs mcp:write",
      rule: "scope_rules[0]",
    });
  });

  test("lets through callers holding the scope, and calls no rule matches", () => {
    expect(auth.inspect(msg, ctx(caller(["mcp:write"]), "tools/call", "delete_file")).kind).toBe("pass");
    expect(auth.inspect(msg, ctx(caller([]), "tools/call", "read_file")).kind).toBe("pass");
    expect(auth.inspect(msg, ctx(caller([]), "tools/list")).kind).toBe("pass");
  });

  test("matches method globs", () => {
    expect(auth.inspect(msg, ctx(caller([]), "resources/read")).kind).toBe("block");
    expect(auth.inspect(msg, ctx(caller(["mcp:resources"]), "resources/read")).kind).toBe("pass");
  });

  test("does not judge local wrap callers, responses or server requests", () => {
    expect(auth.applies(ctx(caller([], "os_user"), "resources/read"))).toBe(false);
    expect(auth.applies(ctx(caller([], "configured"), "resources/read"))).toBe(false);
    expect(auth.applies({ ...ctx(caller([]), "resources/read"), direction: "s2c" })).toBe(false);
    expect(auth.applies({ ...ctx(caller([]), "resources/read"), kind: "response" })).toBe(false);
    expect(auth.applies(ctx(caller([], "anonymous"), "resources/read"))).toBe(true);
  });

  test("sits before policy in the compiled chain only when rules are configured", () => {
    const names = compileRuntime(
      ConfigSchema.parse({ auth: { scope_rules: [{ tools: ["*"], scopes: ["x"] }] } }),
      silentLogger,
    ).links.map((l) => l.interceptor.name);
    expect(names.indexOf("auth")).toBeLessThan(names.indexOf("policy"));
    expect(compileRuntime(ConfigSchema.parse({}), silentLogger).links.some((l) => l.interceptor.name === "auth")).toBe(
      false,
    );
  });

  test("a rule needs a condition", () => {
    expect(ConfigSchema.safeParse({ auth: { scope_rules: [{ scopes: ["x"] }] } }).success).toBe(false);
  });
});
