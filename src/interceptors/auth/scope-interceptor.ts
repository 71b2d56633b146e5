/**
 * The `auth` interceptor: scope requirements per method and tool (`auth.scope_rules`), checked on
 * client requests against the scopes of the caller's credential. Local callers (`mcpgw wrap`:
 * the OS user or the configured `wrap.subject`) hold no credential and are not checked.
 */
import type { Interceptor, MessageContext, Verdict } from "../../chain/types.ts";
import { ErrorCode } from "../../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../../jsonrpc/message.ts";
import { compileGlobList, type GlobMatcher } from "../policy/index.ts";
import type { ScopeRule } from "./schema.ts";

export const AUTH_NAME = "auth";

interface CompiledRule {
  readonly index: number;
  readonly method: GlobMatcher | null;
  readonly tool: GlobMatcher | null;
  readonly scopes: readonly string[];
}

export interface ScopeInterceptor extends Interceptor {
  inspect(msg: JsonRpcMessage, ctx: MessageContext): Verdict;
}

/** Null when no rule is configured. */
export function createScopeInterceptor(rules: readonly ScopeRule[]): ScopeInterceptor | null {
  if (rules.length === 0) return null;
  const compiled: CompiledRule[] = rules.map((r, index) => ({
    index,
    method: r.methods ? compileGlobList(r.methods) : null,
    tool: r.tools ? compileGlobList(r.tools) : null,
    scopes: r.scopes,
  }));
  return {
    name: AUTH_NAME,
    applies: (ctx) =>
      ctx.direction === "c2s" &&
      ctx.kind === "request" &&
      ctx.identity?.method !== "os_user" &&
      ctx.identity?.method !== "configured",
    inspect(_msg, ctx) {
      const method = ctx.method ?? "";
      const held = ctx.identity?.scopes ?? [];
      for (const r of compiled) {
        if (r.method && !r.method(method)) continue;
        if (r.tool && (method !== "tools/call" || ctx.target === undefined || !r.tool(ctx.target))) continue;
        const missing = r.scopes.filter((s) => !held.includes(s));
        if (missing.length)
          return {
            kind: "block",
            code: ErrorCode.UNAUTHORIZED,
            reason: `Insufficient scope: ${method} needs ${missing.join(" ")}`,
            rule: `scope_rules[${r.index}]`,
          };
      }
      return { kind: "pass" };
    },
  };
}
