/**
 * The `injection` interceptor: tool poisoning in tools/list, prompt injection in everything the
 * model will read, in both directions.
 *
 *   s2c tools/list result        poisoned tools removed (modify) and quarantined for the session
 *   c2s tools/call               a quarantined tool is refused; arguments scanned (flag by default)
 *   s2c tools/call, resources/read, prompts/get results
 *                                offending strings replaced by a notice (modify) or the result blocked
 *   s2c sampling / elicitation   blocked: the server gets a JSON-RPC error
 *
 * In audit mode (global or this plugin's `mode`) every action is returned as a block verdict,
 * which the chain records as `would_block` while the message passes unchanged; a modify is never
 * applied in audit mode.
 */
import type { Finding, Interceptor, MessageContext, Verdict } from "../../chain/types.ts";
import { PASS } from "../../chain/types.ts";
import { ErrorCode } from "../../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../../jsonrpc/message.ts";
import {
  createOffloader,
  injectionPartHead,
  injectionToolsHead,
  messageText,
  type Offloader,
  type OffloadTarget,
} from "../../pool/index.ts";
import type { PayloadKind } from "../detect/index.ts";
import { replaceStrings } from "./replace.ts";
import {
  type ContentReport,
  type PartRunner,
  type ScanOptions,
  SPLIT_MIN_CHARS,
  scanContent,
  scanContentSplit,
  scanText,
  scanTools,
  type ToolReport,
  warmRulesSoon,
} from "./scan.ts";
import { type InjectionConfig, thresholdOf } from "./schema.ts";

export const NAME = "injection";

/** What the interceptor remembers per session (ctx.session.slots.get("injection")). */
export interface InjectionState {
  /** Quarantined tools, keyed by `upstream\0name`. */
  readonly quarantined: Map<string, { readonly score: number; readonly signals: readonly string[] }>;
  /** Tool names each upstream advertised, for cross-server shadowing. */
  readonly toolsByUpstream: Map<string, Set<string>>;
}

export function stateOf(ctx: MessageContext): InjectionState {
  let s = ctx.session.slots.get(NAME) as InjectionState | undefined;
  if (s === undefined) {
    s = { quarantined: new Map(), toolsByUpstream: new Map() };
    ctx.session.slots.set(NAME, s);
  }
  return s;
}

const qkey = (upstream: string, tool: string) => `${upstream}\u0000${tool}`;

const CONTENT_METHODS: Readonly<Record<string, Exclude<PayloadKind, "tools_list">>> = {
  "tools/call": "tool_result",
  "resources/read": "resource",
  "prompts/get": "prompt",
};
const SERVER_REQUESTS = new Set(["sampling/createMessage", "elicitation/create"]);

export interface InjectionOptions {
  readonly config: InjectionConfig;
  /** True when the chain runs this link in audit mode. */
  readonly audit: boolean;
  /** The worker pool and threshold: large messages are scanned off the event loop (same scan, same report). */
  readonly offload?: OffloadTarget;
}

type ContentKind = Exclude<PayloadKind, "tools_list">;
const CONTENT_KINDS: readonly [ContentKind, "result" | "params"][] = [
  ["tool_result", "result"],
  ["resource", "result"],
  ["prompt", "result"],
  ["server_request", "params"],
  ["tool_arguments", "params"],
];

function signalsOf(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.signal))].slice(0, 6);
}

function notice(score: number, findings: readonly Finding[]): string {
  return `[mcpgw removed this content: possible prompt injection (score ${score.toFixed(2)}; ${signalsOf(findings).join(", ")})]`;
}

/** The content kind of an s2c message this interceptor scans as content, else undefined. */
function contentKindOf(ctx: MessageContext): ContentKind | undefined {
  if (ctx.direction !== "s2c" || ctx.method === undefined) return undefined;
  if (ctx.kind === "request") return SERVER_REQUESTS.has(ctx.method) ? "server_request" : undefined;
  return ctx.kind === "response" && Object.hasOwn(CONTENT_METHODS, ctx.method)
    ? CONTENT_METHODS[ctx.method]
    : undefined;
}

/**
 * The share of a split string the event loop scans itself; the worker scans the rest. Above one
 * half: the worker also decodes the string and normalises it before it starts on its part, while
 * the event loop already has the normalisation (it only copies the string to the worker first).
 */
const SPLIT_SHARE = 0.55;
/** An awaited tools/call result older than this no longer makes the gateway count as busy. */
const AWAITED_MAX_AGE_MS = 5_000;
/** Most awaited results remembered (past it, new requests are not counted until old ones age out). */
const AWAITED_MAX = 4096;

export function createInjectionInterceptor(opts: InjectionOptions): Interceptor {
  const { config, audit } = opts;
  // The rule tables are built once per process, right after start-up rather than by the first message.
  warmRulesSoon();
  const threshold = thresholdOf(config);
  const allow = new Set(config.allow_tools);
  const pooled = opts.offload?.pool ? opts.offload : undefined;
  const contentOffload = new Map<ContentKind, Offloader<"injection_content">>(
    pooled
      ? CONTENT_KINDS.map(([kind, base]) => [
          kind,
          createOffloader("injection_content", { kind, base, learned_model: config.learned_model }, pooled),
        ])
      : [],
  );
  const toolsOffload = pooled
    ? createOffloader("injection_tools", { learned_model: config.learned_model }, pooled)
    : undefined;
  const scanOptions: ScanOptions = { learnedModel: config.learned_model };
  // workers.offload: adaptive. With nothing in flight in the pool, a large message is judged here
  // and its long strings split with a worker (the whole-string report, in about half the time);
  // when the pool is busy it goes whole to a worker, keeping the event loop free for the others.
  const partOffload = pooled?.adaptive ? createOffloader("injection_part", null, pooled) : undefined;
  const runPart: PartRunner | undefined = partOffload
    ? (raw, from, to, learned, where) => partOffload.runPooled(raw, injectionPartHead(from, to, learned, where))
    : undefined;
  // Busy means more than the pool's own jobs: tools/call requests of any session that went to a
  // server and await their results (counted only with adaptive offload). With other results on
  // their way, judging this one on the event loop would hold them up, so it is pooled whole.
  const awaiting = partOffload ? new Map<string, number>() : undefined;
  /** The awaited entry of a tools/call request or result, by its session and JSON-RPC id. */
  const awaitingKey = (msg: JsonRpcMessage, ctx: MessageContext) => {
    const id = (msg as { id?: unknown }).id;
    return `${ctx.session.id}\u0000${typeof id}:${id}`;
  };
  /** True when no other awaited tools/call result is younger than AWAITED_MAX_AGE_MS. */
  function nothingElseAwaited(self: string): boolean {
    if (awaiting === undefined || awaiting.size === 0) return true;
    const old = performance.now() - AWAITED_MAX_AGE_MS;
    let others = false;
    // (A request whose answer never came through this chain, e.g. refused, stops counting.)
    for (const [k, at] of awaiting)
      if (at < old) awaiting.delete(k);
      else if (k !== self) others = true;
    return !others;
  }

  function block(reason: string, rule: string, findings: readonly Finding[], asToolError = false): Verdict {
    return { kind: "block", code: ErrorCode.BLOCKED, reason, rule, findings, ...(asToolError ? { asToolError } : {}) };
  }

  function onToolsList(msg: JsonRpcMessage, ctx: MessageContext): Verdict | Promise<Verdict> {
    const result = (msg as { result?: unknown }).result;
    const foreign = new Set<string>();
    for (const [up, names] of stateOf(ctx).toolsByUpstream)
      if (up !== ctx.upstream) for (const n of names) foreign.add(n);
    if (toolsOffload?.wants(ctx.size)) {
      return toolsOffload
        .runPooled(messageText(msg), injectionToolsHead(foreign))
        .then((reports) => toolsVerdict(msg, ctx, result, reports));
    }
    return toolsVerdict(msg, ctx, result, scanTools(result, { ...scanOptions, foreignTools: foreign }));
  }

  function toolsVerdict(msg: JsonRpcMessage, ctx: MessageContext, result: unknown, reports: ToolReport[]): Verdict {
    const state = stateOf(ctx);
    state.toolsByUpstream.set(ctx.upstream, new Set(reports.map((r) => r.name)));
    const poisoned: ToolReport[] = [];
    for (const r of reports) if (r.score >= threshold && !allow.has(r.name)) poisoned.push(r);
    if (poisoned.length === 0) return PASS;
    const findings = poisoned.flatMap((r) => r.findings);
    const names = poisoned.map((r) => r.name);
    const reason = `Tool definition poisoning detected in ${names.join(", ")}`;
    if (config.tool_definitions === "flag") return { kind: "pass", rule: "tool_poisoning", findings };
    if (!audit)
      for (const r of poisoned)
        state.quarantined.set(qkey(ctx.upstream, r.name), { score: r.score, signals: signalsOf(r.findings) });
    if (audit || config.tool_definitions === "block") return block(reason, "tool_poisoning", findings);
    const drop = new Set(poisoned.map((r) => r.index));
    const tools = (result as { tools: unknown[] }).tools.filter((_, i) => !drop.has(i));
    const message = { ...msg, result: { ...(result as object), tools } } as JsonRpcMessage;
    return { kind: "modify", message, note: `quarantined ${names.join(", ")}`, rule: "tool_poisoning", findings };
  }

  function onContent(
    msg: JsonRpcMessage,
    kind: Exclude<PayloadKind, "tools_list">,
    base: "result" | "params",
    ctx: MessageContext,
  ): Verdict | Promise<Verdict> {
    const value = base === "result" ? (msg as { result?: unknown }).result : (msg as { params?: unknown }).params;
    const off = contentOffload.get(kind);
    // A result is no longer awaited; a request's own entry is not another one.
    const key = awaiting !== undefined && ctx.method === "tools/call" ? awaitingKey(msg, ctx) : "";
    if (ctx.direction === "s2c" && key !== "") awaiting!.delete(key);
    if (off?.wants(ctx.size)) {
      if (runPart !== undefined && off.quiet && nothingElseAwaited(key)) {
        const report = scanContentSplit(kind, value, base, scanOptions, runPart, SPLIT_SHARE);
        return report instanceof Promise
          ? report.then((r) => contentVerdict(msg, kind, base, ctx, value, r))
          : contentVerdict(msg, kind, base, ctx, value, report);
      }
      return off.runPooled(messageText(msg)).then((report) => contentVerdict(msg, kind, base, ctx, value, report));
    }
    return contentVerdict(msg, kind, base, ctx, value, scanContent(kind, value, base, scanOptions));
  }

  function contentVerdict(
    msg: JsonRpcMessage,
    kind: Exclude<PayloadKind, "tools_list">,
    base: "result" | "params",
    ctx: MessageContext,
    value: unknown,
    report: ContentReport,
  ): Verdict {
    if (report.score < threshold) return PASS;
    const findings = report.findings;
    const where = ctx.target ? ` (${ctx.target})` : "";
    if (kind === "tool_arguments") {
      if (config.tool_arguments === "flag") return { kind: "pass", rule: "argument_injection", findings };
      return block(`Prompt injection detected in tool arguments${where}`, "argument_injection", findings);
    }
    if (kind === "server_request") {
      if (config.server_requests === "flag") return { kind: "pass", rule: "server_request_injection", findings };
      return block(
        `Prompt injection detected in a ${ctx.method} request from the server`,
        "server_request_injection",
        findings,
      );
    }
    if (config.tool_results === "flag") return { kind: "pass", rule: "content_injection", findings };
    const reason = `Prompt injection detected in the ${ctx.method} result${where}`;
    if (audit || config.tool_results === "block")
      return block(reason, "content_injection", findings, kind === "tool_result");
    // Replace the strings that carry the injection; when the evidence is spread thin, all that carry any.
    let paths = report.paths.filter((p) => p.score >= threshold).map((p) => p.path);
    if (paths.length === 0) paths = report.paths.map((p) => p.path);
    const replaced = replaceStrings(kind, value, base, new Set(paths), notice(report.score, findings));
    const message = { ...msg, result: replaced } as JsonRpcMessage;
    return {
      kind: "modify",
      message,
      note: `${reason}: ${paths.length} string(s) replaced`,
      rule: "content_injection",
      findings,
    };
  }

  /** The server's `instructions` in the initialize result are read like a tool description. */
  function onInitialize(msg: JsonRpcMessage): Verdict {
    const result = (msg as { result?: { instructions?: unknown } }).result;
    const text = result?.instructions;
    if (typeof text !== "string") return PASS;
    const report = scanText(text, "definition", "result.instructions", scanOptions);
    if (report.score < threshold) return PASS;
    const findings = report.findings;
    if (config.tool_definitions === "flag") return { kind: "pass", rule: "instructions_poisoning", findings };
    if (audit || config.tool_definitions === "block")
      return block("Server instructions carry instructions aimed at the model", "instructions_poisoning", findings);
    const message = { ...msg, result: { ...result, instructions: notice(report.score, findings) } } as JsonRpcMessage;
    return { kind: "modify", message, note: "server instructions replaced", rule: "instructions_poisoning", findings };
  }

  /**
   * Without a pool nothing is offloaded: the chain then has nothing to overlap. With adaptive
   * offload and nothing else in flight, only a message that may hold a string to split is (the
   * others are judged here, synchronously, as inline).
   */
  const offloads = pooled
    ? (ctx: MessageContext) => {
        const kind = contentKindOf(ctx);
        const off = kind === undefined ? undefined : contentOffload.get(kind);
        if (off?.wants(ctx.size) !== true) return false;
        if (runPart === undefined || !off.quiet || ctx.size >= SPLIT_MIN_CHARS) return true;
        const id = ctx.request?.id;
        return !nothingElseAwaited(ctx.method === "tools/call" ? `${ctx.session.id}\u0000${typeof id}:${id}` : "");
      }
    : undefined;

  return {
    name: NAME,
    ...(offloads ? { offloads } : {}),
    applies(ctx) {
      const m = ctx.method;
      if (m === undefined) return false;
      if (ctx.direction === "c2s") return m === "tools/call" && ctx.kind === "request";
      if (ctx.kind === "response")
        return m === "tools/list" || m === "initialize"
          ? config.tool_definitions !== "off"
          : Object.hasOwn(CONTENT_METHODS, m) && config.tool_results !== "off";
      return ctx.kind === "request" && SERVER_REQUESTS.has(m) && config.server_requests !== "off";
    },
    inspect(msg, ctx) {
      const m = ctx.method!;
      if (ctx.direction === "c2s") {
        if (awaiting !== undefined) {
          // Bounded: requests never answered through this chain are forgotten by age.
          if (awaiting.size >= AWAITED_MAX) nothingElseAwaited("");
          if (awaiting.size < AWAITED_MAX) awaiting.set(awaitingKey(msg, ctx), performance.now());
        }
        const tool = ctx.target;
        if (tool !== undefined) {
          const q = stateOf(ctx).quarantined.get(qkey(ctx.upstream, tool));
          if (q !== undefined)
            return block(
              `Tool "${tool}" is quarantined: its definition carries instructions aimed at the model (${q.signals.join(", ")})`,
              "quarantined_tool",
              [
                {
                  detector: NAME,
                  signal: "quarantined_tool",
                  where: "params.name",
                  excerpt: tool,
                  score: q.score,
                  severity: "high",
                },
              ],
            );
        }
        if (config.tool_arguments === "off") return PASS;
        return onContent(msg, "tool_arguments", "params", ctx);
      }
      if (ctx.kind === "request") return onContent(msg, "server_request", "params", ctx);
      if (!("result" in msg)) {
        if (awaiting !== undefined && m === "tools/call") awaiting.delete(awaitingKey(msg, ctx));
        return PASS;
      }
      if (m === "tools/list") return onToolsList(msg, ctx);
      if (m === "initialize") return onInitialize(msg);
      return onContent(msg, CONTENT_METHODS[m]!, "result", ctx);
    },
    // Content scans read only the message and the configuration (quarantine and the tool
    // catalogue are tools/list and c2s business): they may run while an earlier link waits.
    concurrent(ctx) {
      return ctx.direction === "s2c" && contentKindOf(ctx) !== undefined;
    },
    // Content is replaced only in enforce mode with tool_results: redact; a server request is
    // blocked or flagged, never changed.
    mayModify(ctx) {
      const kind = contentKindOf(ctx);
      if (kind === undefined) return true;
      if (kind === "server_request") return false;
      return !audit && config.tool_results !== "flag" && config.tool_results !== "block";
    },
    async close() {
      for (const off of contentOffload.values()) off.close();
      toolsOffload?.close();
      partOffload?.close();
    },
  };
}
