/**
 * One frame in, what each peer receives out. Shared by every transport: parse and classify,
 * build the context, run the chain, apply block semantics, record the decision.
 *
 * The caller owns framing and writing; `judgeFrame` never touches sockets or streams. It keeps
 * the order of a batch and answers every request it does not forward, so no peer waits forever.
 */

import type { AuditSink } from "../audit/sink.ts";
import {
  type Action,
  type ChainResult,
  type Direction,
  deliver,
  type MessageContext,
  type RunChain,
} from "../chain/index.ts";
import { hasConflictingDuplicateKeys, mayCarryArguments } from "../jsonrpc/dupkeys.ts";
import { ErrorCode, errorResponse } from "../jsonrpc/errors.ts";
import { rememberFrameText } from "../jsonrpc/frame-text.ts";
import {
  type BatchItem,
  type JsonRpcId,
  type JsonRpcMessage,
  type MessageKind,
  type ParsedFrame,
  parseFrame,
  peekRawId,
} from "../jsonrpc/message.ts";
import { buildContext, type Session } from "../session/index.ts";

export interface JudgeDeps {
  readonly chain: RunChain;
  readonly audit: AuditSink;
  /** Global mode: in audit mode invalid frames are forwarded (and recorded), never in enforce. */
  readonly enforce: boolean;
  readonly maxBatch: number;
  /** `limits.max_depth`: deeper messages are refused (MESSAGE_TOO_LARGE). Unset: not checked. */
  readonly maxDepth?: number;
}

/** What to send after judging one frame. `"original"` means: the received bytes, unchanged. */
export interface Judged {
  /** Text for the peer the frame was addressed to, or null for nothing. */
  readonly toRecipient: "original" | string | null;
  /** Text to send back to the frame's sender (errors for blocked requests), or null. */
  readonly toSender: string | null;
  /** Per message: the action taken (batch order). */
  readonly actions: readonly Action[];
  /** Set when the whole frame was not a valid JSON-RPC message: why (never its content). */
  readonly invalid?: string;
}

function allowsBatch(session: Session): boolean {
  return session.protocolVersion === "2025-03-26";
}

function invalidResult(code: number, reason: string, original: JsonRpcMessage): ChainResult {
  return {
    message: original,
    modified: false,
    action: "block",
    block: { kind: "block", code, reason, rule: "invalid_message" },
    decidedBy: "gateway",
    rule: "invalid_message",
    reason,
    findings: [],
    trail: [],
    durationMs: 0,
  };
}

function auditRefused(original: JsonRpcMessage): ChainResult {
  const reason = "Audit log unavailable; message refused";
  return {
    message: original,
    modified: false,
    action: "block",
    block: { kind: "block", code: ErrorCode.AUDIT_UNAVAILABLE, reason, rule: "audit_unavailable" },
    decidedBy: "audit",
    rule: "audit_unavailable",
    reason,
    findings: [],
    trail: [],
    durationMs: 0,
  };
}

const PLACEHOLDER: JsonRpcMessage = Object.freeze({ jsonrpc: "2.0", method: "(invalid)" }) as JsonRpcMessage;

/** Looks like a request someone waits on: an object that carries an id and a method. */
function recordInvalid(
  deps: JudgeDeps,
  session: Session,
  direction: Direction,
  item: Extract<BatchItem, { kind: "invalid" }>,
  size: number,
): void {
  const ctx = buildContext(session, direction, PLACEHOLDER, "notification", size);
  deps.audit.record({
    ctx: { ...ctx, method: undefined },
    message: undefined,
    result: invalidResult(item.code, item.reason, PLACEHOLDER),
    invalid: { reason: item.reason, size },
  });
}

/**
 * Records a frame that was skipped for being over `limits.max_frame_bytes` (only its size is
 * known, never its content), so an oversized message is audited like any other refusal.
 */
export function recordOversize(
  deps: JudgeDeps,
  session: Session,
  direction: Direction,
  seen: number,
  limit: number,
): void {
  recordInvalid(
    deps,
    session,
    direction,
    {
      kind: "invalid",
      code: ErrorCode.MESSAGE_TOO_LARGE,
      reason: `message of ${seen} bytes exceeds the size limit of ${limit} bytes`,
      id: null,
    },
    seen,
  );
}

interface One {
  forward: "original" | JsonRpcMessage | null;
  reply: JsonRpcMessage | null;
  action: Action;
}

function apply(result: ChainResult, kind: MessageKind, session: Session, direction: Direction): One {
  const d = deliver(result, kind);
  switch (d.kind) {
    case "forward-original":
      return { forward: "original", reply: null, action: result.action };
    case "forward":
      return { forward: d.message, reply: null, action: result.action };
    case "reply": {
      // The request never reaches its recipient: forget it, its answer is this reply.
      const m = result.message as { id?: JsonRpcId };
      if (m.id !== undefined) session.settle(direction === "c2s" ? "s2c" : "c2s", m.id);
      return { forward: null, reply: d.message, action: result.action };
    }
    case "drop":
      return { forward: null, reply: null, action: result.action };
  }
}

function judgeOne(
  deps: JudgeDeps,
  session: Session,
  direction: Direction,
  msg: JsonRpcMessage,
  kind: MessageKind,
  size: number,
  duplicateKeys = false,
): One | Promise<One> {
  const built: MessageContext = buildContext(session, direction, msg, kind, size);
  const ctx: MessageContext = duplicateKeys ? { ...built, duplicateKeys } : built;
  const r = deps.chain(msg, ctx);
  // A closure only when the chain went asynchronous (most messages are judged synchronously).
  return r instanceof Promise
    ? r.then((chained) => finishOne(deps, session, direction, msg, kind, ctx, chained))
    : finishOne(deps, session, direction, msg, kind, ctx, r);
}

function finishOne(
  deps: JudgeDeps,
  session: Session,
  direction: Direction,
  msg: JsonRpcMessage,
  kind: MessageKind,
  ctx: MessageContext,
  chained: ChainResult,
): One {
  // An audit log that cannot record (audit.on_failure: block) stops traffic rather than let it go unaudited.
  const result = chained.action !== "block" && deps.audit.refusing ? auditRefused(msg) : chained;
  deps.audit.record({ ctx, message: msg, result });
  return apply(result, kind, session, direction);
}

/** The one message of a single frame, as what each peer receives. */
function judgedOne(o: One): Judged {
  return {
    toRecipient: o.forward === null ? null : o.forward === "original" ? "original" : JSON.stringify(o.forward),
    toSender: o.reply === null ? null : JSON.stringify(o.reply),
    actions: [o.action],
  };
}

/**
 * Judges one frame (an NDJSON line, an SSE event's data, an HTTP body).
 * Returns synchronously when every interceptor did. `value`: `JSON.parse(text)` when the caller
 * has it already (the chain reads it; interceptors never mutate a message, ARCHITECTURE.md §4),
 * so the text is not parsed twice.
 */
export function judgeFrame(
  deps: JudgeDeps,
  session: Session,
  direction: Direction,
  text: string,
  size: number,
  value?: unknown,
): Judged | Promise<Judged> {
  const parsed = parseFrame(
    text,
    {
      allowBatch: allowsBatch(session),
      maxBatch: deps.maxBatch,
      maxDepth: deps.maxDepth,
    },
    value,
  );
  if (parsed.kind === "invalid") return judgeInvalid(deps, session, direction, parsed, text, size);
  // Parsers disagree on which of two equal keys wins: flag it for the policy (tool arguments only).
  // Only a request or notification is judged on it (the policy's judgeCall): a single response
  // (often the largest frame, a tool result) skips the scans of its whole text.
  const duplicateKeys =
    (parsed.kind === "batch" || "method" in parsed.message) &&
    mayCarryArguments(text) &&
    hasConflictingDuplicateKeys(text, parsed.kind === "single" ? parsed.message : undefined);
  if (parsed.kind === "single") {
    // A large message's text goes to the worker pool as received, not serialised again.
    rememberFrameText(parsed.message, text);
    const one = judgeOne(deps, session, direction, parsed.message, parsed.messageKind, size, duplicateKeys);
    return one instanceof Promise ? one.then(judgedOne) : judgedOne(one);
  }
  // A batch: every element is judged on its own; none bypasses the chain.
  const each: (One | Promise<One>)[] = parsed.items.map((item) => {
    if (item.kind === "invalid") {
      recordInvalid(deps, session, direction, item, 0);
      if (!deps.enforce) return { forward: null, reply: null, action: "would_block" as Action };
      return {
        forward: null,
        reply: item.id === null ? null : errorResponse(item.id, item.code, item.reason),
        action: "block" as Action,
      };
    }
    return judgeOne(deps, session, direction, item.message, item.messageKind, 0, duplicateKeys);
  });
  const combine = (ones: One[]): Judged => {
    const forward: JsonRpcMessage[] = [];
    const replies: JsonRpcMessage[] = [];
    let untouched = true;
    ones.forEach((o, i) => {
      if (o.forward === "original") {
        const item = parsed.items[i]!;
        if (item.kind === "single") forward.push(item.message);
      } else if (o.forward !== null) {
        forward.push(o.forward);
        untouched = false;
      } else untouched = false;
      if (o.reply !== null) replies.push(o.reply);
    });
    return {
      toRecipient: forward.length === 0 ? null : untouched ? "original" : JSON.stringify(forward),
      toSender: replies.length === 0 ? null : JSON.stringify(replies),
      actions: ones.map((o) => o.action),
    };
  };
  if (each.some((e) => e instanceof Promise)) return Promise.all(each).then(combine);
  return combine(each as One[]);
}

type InvalidFrame = Extract<ParsedFrame, { kind: "invalid" }>;

/** An invalid frame: recorded; in enforce mode never forwarded, answered when someone waits on it. */
function judgeInvalid(
  deps: JudgeDeps,
  session: Session,
  direction: Direction,
  parsed: InvalidFrame,
  text: string,
  size: number,
): Judged {
  recordInvalid(deps, session, direction, parsed, size);
  if (!deps.enforce)
    return { toRecipient: "original", toSender: null, actions: ["would_block"], invalid: parsed.reason };
  // A malformed response to a request in flight: the requester gets an error for its id instead
  // of waiting forever.
  if (parsed.response && parsed.id !== null && session.settle(direction, parsed.id)) {
    const error =
      direction === "s2c"
        ? errorResponse(
            parsed.id,
            ErrorCode.UPSTREAM_UNAVAILABLE,
            `MCP server sent an invalid response: ${parsed.reason}`,
          )
        : errorResponse(parsed.id, parsed.code, `Client sent an invalid response: ${parsed.reason}`);
    return { toRecipient: JSON.stringify(error), toSender: null, actions: ["block"], invalid: parsed.reason };
  }
  // A refused batch: every request inside it is answered, in a batch like the one sent.
  if (parsed.batchIds && parsed.batchIds.length > 0) {
    const errors = parsed.batchIds.map((id) => errorResponse(id, parsed.code, parsed.reason));
    return { toRecipient: null, toSender: JSON.stringify(errors), actions: ["block"], invalid: parsed.reason };
  }
  // Answer only what someone may wait on: from the client, anything object-like (it gets told
  // why); from the server, a request-shaped frame with an id (a bad response is not answered).
  const looksLikeRequest =
    direction === "c2s"
      ? parsed.id !== null || text.trimStart().startsWith("{")
      : parsed.id !== null && parsed.response !== true;
  return {
    toRecipient: null,
    toSender: looksLikeRequest ? JSON.stringify(errorResponse(parsed.id, parsed.code, parsed.reason)) : null,
    actions: ["block"],
    invalid: parsed.reason,
  };
}

/**
 * Whether a frame's text reads as a JSON-RPC response (an object with `result` or `error` and no
 * `method`): an undecodable response then settles the request it answers, instead of being taken
 * for a request and answered back to its sender. Used on refused frames only, never to forward.
 */
function responseShaped(text: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  return !("method" in v) && ("result" in v || "error" in v);
}

/**
 * A frame whose bytes are not valid UTF-8. It is refused like unparsable JSON: what a peer would
 * decode from the original bytes may differ from what was inspected, so they are never forwarded
 * in enforce mode. `lossyText` (decoded with replacement characters) is used only to find its id.
 */
export function judgeUndecodable(
  deps: JudgeDeps,
  session: Session,
  direction: Direction,
  lossyText: string,
  size: number,
): Judged {
  const parsed: InvalidFrame = {
    kind: "invalid",
    code: ErrorCode.PARSE_ERROR,
    reason: "Parse error: invalid UTF-8",
    id: peekRawId(lossyText),
    response: responseShaped(lossyText),
  };
  return judgeInvalid(deps, session, direction, parsed, lossyText, size);
}

/** Error code and text for a frame skipped because it was over the size limit. */
export function oversizeError(id: JsonRpcId | null, limit: number): string {
  return JSON.stringify(
    errorResponse(id, ErrorCode.MESSAGE_TOO_LARGE, `Message exceeds the size limit of ${limit} bytes`),
  );
}
