/**
 * The `servereval` interceptor. On each tools/list result it scores every tool by what it can do
 * (name patterns, as the original mcpgw: exec/run/send/delete/write/sql… high, read/list/env
 * medium, the rest low) and by whether its definition is poisoned (the injection detectors:
 * critical). The server's risk is its riskiest tool. A server whose risk is not auto-approved and
 * that is not in `approved_servers` is held: in enforce mode its tools/list is refused and so is
 * every later tools/call to it in the session; in audit mode both are recorded as would_block.
 */
import type { Finding, Interceptor, MessageContext, Verdict } from "../../chain/types.ts";
import { PASS } from "../../chain/types.ts";
import { ErrorCode } from "../../jsonrpc/errors.ts";
import { scanTools } from "../injection/index.ts";
import type { ServerEvalConfig, ServerRiskLevel } from "./schema.ts";

export const NAME = "servereval";

const HIGH =
  /^(?:exec|execute|run|shell|bash|cmd|command|eval|send|post|publish|email|mail|delete|remove|rm|drop|destroy|purge|kill|write|overwrite|create|update|upload|move|rename|transfer|pay|sql|query_write|deploy|install|push|merge)(?:[_\-.]|$)|(?:^|[_\-.])(?:exec|shell|sql|delete|write|send)(?:[_\-.]|$)/;
const MEDIUM =
  /^(?:read|get_env|env|list|fetch|download|search|browse|navigate|open|get_file|cat|query)(?:[_\-.]|$)|(?:^|[_\-.])(?:file|files|env|secret|secrets|credentials?|token|password)(?:[_\-.]|$)/;
const POISONED_SCORE = 0.9;

export const RISK_SCORE: Readonly<Record<ServerRiskLevel, number>> = { low: 0.2, medium: 0.5, high: 0.9, critical: 1 };
const ORDER: readonly ServerRiskLevel[] = ["low", "medium", "high", "critical"];

export interface ToolRisk {
  readonly name: string;
  readonly level: ServerRiskLevel;
  readonly reason: string;
}

export interface ServerRisk {
  readonly level: ServerRiskLevel;
  readonly score: number;
  readonly tools: readonly ToolRisk[];
}

/** Scores a tools/list result. Pure. */
export function evaluateManifest(result: unknown): ServerRisk {
  const reports = scanTools(result);
  const tools: ToolRisk[] = reports.map((r) => {
    const name = r.name.toLowerCase();
    if (r.score >= POISONED_SCORE) return { name: r.name, level: "critical", reason: "poisoned definition" };
    if (HIGH.test(name)) return { name: r.name, level: "high", reason: "can act: execute, send, write or delete" };
    if (MEDIUM.test(name)) return { name: r.name, level: "medium", reason: "can read files, environment or the web" };
    return { name: r.name, level: "low", reason: "no risky capability in its name" };
  });
  let level: ServerRiskLevel = "low";
  for (const t of tools) if (ORDER.indexOf(t.level) > ORDER.indexOf(level)) level = t.level;
  return { level, score: RISK_SCORE[level], tools };
}

interface State {
  /** Upstreams held for approval in this session, with the reason. */
  readonly held: Map<string, string>;
}

function stateOf(ctx: MessageContext): State {
  let s = ctx.session.slots.get(NAME) as State | undefined;
  if (s === undefined) {
    s = { held: new Map() };
    ctx.session.slots.set(NAME, s);
  }
  return s;
}

export function createServerEvalInterceptor(config: ServerEvalConfig): Interceptor {
  const auto = new Set(config.auto_approve.risk_levels);
  const approved = new Set(config.approved_servers);
  return {
    name: NAME,
    applies(ctx) {
      if (approved.has(ctx.upstream)) return false;
      if (ctx.direction === "s2c") return ctx.kind === "response" && ctx.method === "tools/list";
      return ctx.kind === "request" && ctx.method === "tools/call";
    },
    inspect(msg, ctx): Verdict {
      const state = stateOf(ctx);
      if (ctx.direction === "c2s") {
        const held = state.held.get(ctx.upstream);
        if (held === undefined) return PASS;
        return { kind: "block", code: ErrorCode.BLOCKED, reason: held, rule: "server_not_approved" };
      }
      if (!("result" in msg)) return PASS;
      const risk = evaluateManifest(msg.result);
      if (auto.has(risk.level)) {
        state.held.delete(ctx.upstream);
        return PASS;
      }
      const top = risk.tools.filter((t) => t.level === risk.level);
      const findings: Finding[] = top.map((t) => ({
        detector: NAME,
        signal: `${t.level}_risk_tool`,
        where: `result.tools[${risk.tools.indexOf(t)}].name`,
        excerpt: `${t.name}: ${t.reason}`,
        score: RISK_SCORE[t.level],
        severity: t.level === "critical" ? "critical" : t.level === "high" ? "high" : "medium",
      }));
      const reason =
        `Server "${ctx.upstream}" is held for approval: ${risk.level} risk (${top
          .slice(0, 5)
          .map((t) => t.name)
          .join(", ")}). ` + `Approve it with server_eval.approved_servers: ["${ctx.upstream}"]`;
      state.held.set(ctx.upstream, reason);
      return { kind: "block", code: ErrorCode.BLOCKED, reason, rule: "server_not_approved", findings };
    },
  };
}
