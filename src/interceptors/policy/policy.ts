/**
 * The policy interceptor. Call time: every client→server request and notification (and every
 * server→client request and notification that an `s2c` rule names) is decided by the engine.
 * List time: `tools/list`, `prompts/list` and `resources/list` results lose the entries this
 * caller could never use. A denied `tools/call` is worded like an unknown tool, so hidden and
 * missing look the same to the caller.
 */
import type { Interceptor, MessageContext, Verdict } from "../../chain/types.ts";
import { ErrorCode } from "../../jsonrpc/errors.ts";
import { type JsonRpcMessage, paramsObject } from "../../jsonrpc/message.ts";
import { type CompiledPolicy, compilePolicy, type DecideInput, DUPLICATE_KEYS_RULE } from "./engine.ts";
import type { Policy } from "./schema.ts";

export interface PolicyInterceptorOptions {
  /** When true (global audit mode), list results are not filtered; denials are would_block. */
  readonly audit?: boolean;
}

const LISTS: Readonly<Record<string, { field: string; kind: "tool" | "prompt" | "resource"; key: string }>> = {
  "tools/list": { field: "tools", kind: "tool", key: "name" },
  "prompts/list": { field: "prompts", kind: "prompt", key: "name" },
  "resources/list": { field: "resources", kind: "resource", key: "uri" },
};

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Who sends a message, for {@link inputFromMessage}. */
export interface Sender {
  readonly direction: "c2s" | "s2c";
  readonly subject?: string;
  readonly roles?: readonly string[];
  readonly upstream?: string;
}

/** The engine input for one request or notification. */
export function decideInputOf(msg: JsonRpcMessage, ctx: MessageContext): DecideInput {
  return inputFromMessage(msg, {
    direction: ctx.direction,
    subject: ctx.identity?.subject,
    roles: ctx.identity?.roles,
    upstream: ctx.upstream,
  });
}

/** The engine input for a request or notification sent by `who` (also used by `policy test` and `replay`). */
export function inputFromMessage(msg: JsonRpcMessage, who: Sender): DecideInput {
  const method = "method" in msg ? msg.method : "";
  const p = paramsObject(msg);
  const input: {
    -readonly [K in keyof DecideInput]: DecideInput[K];
  } = {
    direction: who.direction,
    method,
    subject: who.subject,
    roles: who.roles,
    upstream: who.upstream,
  };
  if (method === "tools/call") {
    input.tool = str(p?.name);
    input.arguments = p?.arguments;
  } else if (method === "prompts/get") {
    input.prompt = str(p?.name);
    input.arguments = p?.arguments;
  } else if (method.startsWith("resources/")) {
    input.resource = str(p?.uri);
  }
  return input;
}

function denial(method: string, p: Record<string, unknown> | undefined, rule: string, message: string | undefined) {
  if (method === "tools/call") {
    return { code: ErrorCode.INVALID_PARAMS, reason: message ?? `Unknown tool: ${str(p?.name) ?? ""}` };
  }
  if (method === "prompts/get") {
    return { code: ErrorCode.INVALID_PARAMS, reason: message ?? `Unknown prompt: ${str(p?.name) ?? ""}` };
  }
  if (method === "resources/read" || method === "resources/subscribe") {
    return { code: ErrorCode.INVALID_PARAMS, reason: message ?? `Resource not found: ${str(p?.uri) ?? ""}` };
  }
  return { code: ErrorCode.BLOCKED, reason: message ?? `denied by policy rule "${rule}"` };
}

export function createPolicyInterceptor(
  policy: Policy | CompiledPolicy,
  opts: PolicyInterceptorOptions = {},
): Interceptor {
  const compiled: CompiledPolicy = "decide" in policy ? policy : compilePolicy(policy);
  const filterLists = !opts.audit && compiled.source.mode !== "audit";
  const responsePatterns = compiled.responsePatterns;
  const policyAudit = compiled.source.mode === "audit";

  function judgeCall(msg: JsonRpcMessage, ctx: MessageContext): Verdict {
    const input = decideInputOf(msg, ctx);
    const p = paramsObject(msg);
    if (ctx.duplicateKeys && (input.method === "tools/call" || input.method === "prompts/get")) {
      const { code, reason } = denial(input.method, p, DUPLICATE_KEYS_RULE, undefined);
      return { kind: "block", code, reason, rule: DUPLICATE_KEYS_RULE, auditOnly: policyAudit };
    }
    const d = compiled.decide(input);
    if (d.allow) return d.unmatched ? { kind: "pass" } : { kind: "pass", rule: d.ruleId };
    const { code, reason } = denial(input.method, p, d.rule, d.message);
    // A target the caller can never call is also hidden from its lists: the refusal then carries
    // nothing that tells it apart from a missing one (no interceptor or rule in `data`).
    const conceal = d.message === undefined && hiddenFrom(input, ctx);
    return { kind: "block", code, reason, rule: d.ruleId, auditOnly: d.auditOnly, ...(conceal ? { conceal } : {}) };
  }

  function hiddenFrom(input: ReturnType<typeof decideInputOf>, ctx: MessageContext): boolean {
    const who = { subject: ctx.identity?.subject, roles: ctx.identity?.roles, upstream: ctx.upstream };
    if (input.method === "tools/call") return input.tool === undefined || !compiled.mayCall("tool", input.tool, who);
    if (input.method === "prompts/get")
      return input.prompt === undefined || !compiled.mayCall("prompt", input.prompt, who);
    if (input.method === "resources/read")
      return input.resource === undefined || !compiled.mayCall("resource", input.resource, who);
    return false;
  }

  function judgeResponse(msg: JsonRpcMessage, ctx: MessageContext): Verdict {
    if (!("result" in msg) || typeof msg.result !== "object" || msg.result === null) return { kind: "pass" };
    const result = msg.result as Record<string, unknown>;
    if (responsePatterns.length > 0) {
      const text = JSON.stringify(result);
      for (const re of responsePatterns) {
        if (re.test(text)) {
          return {
            kind: "block",
            code: ErrorCode.BLOCKED,
            reason: "Response blocked by policy",
            rule: "(response-pattern)",
            auditOnly: policyAudit,
          };
        }
      }
    }
    const list = ctx.method ? LISTS[ctx.method] : undefined;
    if (!list || !filterLists) return { kind: "pass" };
    const items = result[list.field];
    if (!Array.isArray(items)) return { kind: "pass" };
    const who = { subject: ctx.identity?.subject, roles: ctx.identity?.roles, upstream: ctx.upstream };
    const kept = items.filter((item) => {
      const name = str((item as Record<string, unknown> | null)?.[list.key]);
      return name !== undefined && compiled.mayCall(list.kind, name, who);
    });
    if (kept.length === items.length) return { kind: "pass" };
    return {
      kind: "modify",
      message: { ...msg, result: { ...result, [list.field]: kept } } as JsonRpcMessage,
      note: `policy hid ${items.length - kept.length} of ${items.length} ${list.field}`,
    };
  }

  return {
    name: "policy",
    applies(ctx: MessageContext) {
      if (ctx.kind === "request" || ctx.kind === "notification") return true;
      return (
        ctx.direction === "s2c" &&
        ctx.kind === "response" &&
        (responsePatterns.length > 0 || (filterLists && ctx.method !== undefined && ctx.method in LISTS))
      );
    },
    inspect(msg: JsonRpcMessage, ctx: MessageContext): Verdict {
      if (ctx.kind === "request" || ctx.kind === "notification") return judgeCall(msg, ctx);
      return judgeResponse(msg, ctx);
    },
  };
}
