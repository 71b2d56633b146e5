/**
 * The policy interceptor: first matching rule wins; no match is deny (`(implicit-deny)`).
 */
import type { Interceptor, MessageContext, Verdict } from "../../chain/types.ts";
import { ErrorCode } from "../../jsonrpc/errors.ts";
import { type JsonRpcMessage, toolNameOf } from "../../jsonrpc/message.ts";
import { compileGlobList, type GlobMatcher } from "./glob.ts";
import type { Policy } from "./schema.ts";

export const IMPLICIT_DENY = "(implicit-deny)";

interface CompiledRule {
  readonly name: string;
  readonly allow: boolean;
  readonly auditOnly: boolean;
  readonly method: GlobMatcher;
  /** undefined: the rule has no tool condition. */
  readonly tool: GlobMatcher | undefined;
}

export interface PolicyDecision {
  readonly allow: boolean;
  readonly rule: string;
  readonly auditOnly: boolean;
}

export interface CompiledPolicy {
  readonly source: Policy;
  decide(method: string, tool: string | undefined): PolicyDecision;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const rules: CompiledRule[] = policy.rules.map((r) => ({
    name: r.name,
    allow: r.action === "allow",
    auditOnly: (r.mode ?? policy.mode) === "audit",
    method: compileGlobList(r.match.methods),
    tool: r.match.tools && r.match.tools.length > 0 ? compileGlobList(r.match.tools) : undefined,
  }));
  const implicit: PolicyDecision = Object.freeze({
    allow: false,
    rule: IMPLICIT_DENY,
    auditOnly: policy.mode === "audit",
  });
  return Object.freeze({
    source: policy,
    decide(method: string, tool: string | undefined): PolicyDecision {
      for (const r of rules) {
        if (!r.method(method)) continue;
        if (r.tool && (tool === undefined || !r.tool(tool))) continue;
        return { allow: r.allow, rule: r.name, auditOnly: r.auditOnly };
      }
      return implicit;
    },
  });
}

export function createPolicyInterceptor(policy: Policy): Interceptor {
  const compiled = compilePolicy(policy);
  return {
    name: "policy",
    applies: (ctx: MessageContext) =>
      ctx.direction === "c2s" && (ctx.kind === "request" || ctx.kind === "notification"),
    inspect(msg: JsonRpcMessage, ctx: MessageContext): Verdict {
      const method = ctx.method ?? "";
      const tool = toolNameOf(msg);
      const d = compiled.decide(method, tool);
      if (d.allow) return { kind: "pass", rule: d.rule };
      if (method === "tools/call") {
        // Worded like an unknown tool (MCP: -32602), so denied and missing look the same.
        return {
          kind: "block",
          code: ErrorCode.INVALID_PARAMS,
          reason: `Unknown tool: ${tool ?? ""}`,
          rule: d.rule,
          auditOnly: d.auditOnly,
        };
      }
      return {
        kind: "block",
        code: ErrorCode.BLOCKED,
        reason: `policy denied: ${d.rule}`,
        rule: d.rule,
        auditOnly: d.auditOnly,
      };
    },
  };
}

/** Built-in policy used when none is configured: ordinary MCP traffic allowed. */
export const DEFAULT_POLICY: Policy = Object.freeze({
  version: "v1",
  mode: "enforce",
  rules: [{ name: "default-allow", match: { methods: ["*"] }, action: "allow" }],
}) as Policy;
