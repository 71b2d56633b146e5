/**
 * JSON-RPC 2.0 message model and structural classification.
 *
 * Classification is structural (no zod on the hot path): the envelope is checked exactly as
 * https://www.jsonrpc.org/specification requires, and anything that does not fit is `invalid`
 * with a reason, so a transport can answer it or drop it instead of forwarding it uninspected.
 */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  readonly jsonrpc: "2.0";
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params?: unknown;
}

export interface JsonRpcNotification {
  readonly jsonrpc: "2.0";
  readonly method: string;
  readonly params?: unknown;
}

export interface JsonRpcResult {
  readonly jsonrpc: "2.0";
  readonly id: JsonRpcId;
  readonly result: unknown;
}

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface JsonRpcError {
  readonly jsonrpc: "2.0";
  /** `null` only when the id of the offending request could not be read (parse error). */
  readonly id: JsonRpcId | null;
  readonly error: JsonRpcErrorObject;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResult | JsonRpcError;

export type MessageKind = "request" | "notification" | "response" | "error";

/** The outcome of reading one frame: one message, a 2025-03-26 batch, or something invalid. */
export type ParsedFrame =
  | { readonly kind: "single"; readonly message: JsonRpcMessage; readonly messageKind: MessageKind }
  | { readonly kind: "batch"; readonly items: readonly BatchItem[] }
  | {
      readonly kind: "invalid";
      readonly code: number;
      readonly reason: string;
      readonly id: JsonRpcId | null;
      /** The message was response-shaped (no method): it may answer a pending request. */
      readonly response?: boolean;
      /** For a refused batch: the ids of the requests inside it, so each can be answered. */
      readonly batchIds?: readonly JsonRpcId[];
    };

export type BatchItem =
  | { readonly kind: "single"; readonly message: JsonRpcMessage; readonly messageKind: MessageKind }
  | {
      readonly kind: "invalid";
      readonly code: number;
      readonly reason: string;
      readonly id: JsonRpcId | null;
      /** Response-shaped (no method): it may answer a pending request. */
      readonly response?: boolean;
    };

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return "method" in m && "id" in m;
}
export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return "method" in m && !("id" in m);
}
export function isResult(m: JsonRpcMessage): m is JsonRpcResult {
  return "result" in m;
}
export function isErrorResponse(m: JsonRpcMessage): m is JsonRpcError {
  return "error" in m;
}
/** A response of either kind: it answers a request by id. */
export function isResponse(m: JsonRpcMessage): m is JsonRpcResult | JsonRpcError {
  return "result" in m || "error" in m;
}

export function kindOf(m: JsonRpcMessage): MessageKind {
  if ("method" in m) return "id" in m ? "request" : "notification";
  return "error" in m ? "error" : "response";
}

function isId(v: unknown): v is JsonRpcId {
  return typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
}

function peekId(v: Record<string, unknown>): JsonRpcId | null {
  return isId(v.id) ? v.id : null;
}

/**
 * Checks the envelope of one decoded value.
 *
 * 1. It must be an object with `jsonrpc: "2.0"`.
 * 2. With `method` (a string): a request when `id` is present (string or number), else a notification.
 *    `params`, when present, must be an object or an array.
 * 3. Without `method`: a response, with exactly one of `result` / `error` and an id; an error
 *    object needs a numeric `code` and a string `message`.
 */
export function classify(v: unknown): BatchItem {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return { kind: "invalid", code: INVALID_REQUEST, reason: "message is not a JSON object", id: null };
  }
  const o = v as Record<string, unknown>;
  const id = peekId(o);
  // Response-shaped (no method): an invalid one still answers a pending request by its id.
  const response = !("method" in o);
  const bad = (reason: string, badId: JsonRpcId | null): BatchItem =>
    response
      ? { kind: "invalid", code: INVALID_REQUEST, reason, id: badId, response }
      : { kind: "invalid", code: INVALID_REQUEST, reason, id: badId };
  if (o.jsonrpc !== "2.0") return bad('jsonrpc must be "2.0"', id);
  if ("method" in o) {
    if (typeof o.method !== "string") {
      return bad("method must be a string", id);
    }
    if ("params" in o && (typeof o.params !== "object" || o.params === null)) {
      return bad("params must be an object or an array", id);
    }
    if ("id" in o) {
      if (!isId(o.id)) return bad("id must be a string or a number", null);
      return { kind: "single", message: o as unknown as JsonRpcRequest, messageKind: "request" };
    }
    return { kind: "single", message: o as unknown as JsonRpcNotification, messageKind: "notification" };
  }
  const hasResult = "result" in o;
  const hasError = "error" in o;
  if (hasResult === hasError) {
    return bad("a response needs exactly one of result or error", id);
  }
  if (hasResult) {
    if (!isId(o.id)) return bad("id must be a string or a number", null);
    return { kind: "single", message: o as unknown as JsonRpcResult, messageKind: "response" };
  }
  const err = o.error as Record<string, unknown> | null;
  if (typeof err !== "object" || err === null || typeof err.code !== "number" || typeof err.message !== "string") {
    return bad("error must have a numeric code and a string message", id);
  }
  if (!(o.id === null || isId(o.id))) {
    return bad("id must be a string, a number or null", null);
  }
  return { kind: "single", message: o as unknown as JsonRpcError, messageKind: "error" };
}

export interface ParseOptions {
  /** Accept a top-level array (JSON-RPC batch, protocol revision 2025-03-26 only). */
  readonly allowBatch: boolean;
  /** Largest batch accepted; a longer one is invalid as a whole. */
  readonly maxBatch?: number;
  /** Deepest nesting of objects and arrays accepted (`limits.max_depth`); deeper is invalid. */
  readonly maxDepth?: number;
}

/** MESSAGE_TOO_LARGE in errors.ts: over a size, depth or batch limit. */
const TOO_LARGE = -32014;

/**
 * True when `v` nests objects/arrays deeper than `max` (the top-level container is depth 1).
 * Iterative, and its cost follows the number of containers, not the bytes: a 16 MiB string
 * is one value.
 */
export function depthExceeds(v: unknown, max: number): boolean {
  if (typeof v !== "object" || v === null) return false;
  const stack: [object, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const c of children) if (typeof c === "object" && c !== null) stack.push([c, depth + 1]);
  }
  return false;
}

/**
 * True when `text` holds more than `max` opening brackets (in strings too): only then can its
 * value nest deeper than `max`. Native searches, no allocation; most messages stop here.
 */
function mayExceedDepth(text: string, max: number): boolean {
  let brackets = 0;
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) if (++brackets > max) return true;
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) if (++brackets > max) return true;
  return false;
}

export const DEFAULT_MAX_BATCH = 100;

/** The first `"id": <string|number>` in text that is not valid JSON, so a parse error can be answered by id. */
const ID_PEEK_RE = /"id"\s*:\s*("(?:[^"\\\n]|\\.){0,200}"|-?\d{1,20}(?![\d.eE]))/;

/** Best-effort id of an unparsable frame (bounded, linear-time), or null. */
export function peekRawId(text: string): JsonRpcId | null {
  const m = ID_PEEK_RE.exec(text);
  if (!m) return null;
  try {
    const v = JSON.parse(m[1]!) as unknown;
    return isId(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Decodes one frame's text. Never throws. `value`, when given, is `JSON.parse(text)` done by the
 * caller (and left unmodified): it is used instead of parsing the text again.
 */
export function parseFrame(text: string, opts: ParseOptions, value?: unknown): ParsedFrame {
  let v: unknown = value;
  if (v === undefined)
    try {
      v = JSON.parse(text);
    } catch {
      // The parser's message quotes the input; keep message content out of errors and logs.
      return { kind: "invalid", code: PARSE_ERROR, reason: "Parse error: invalid JSON", id: peekRawId(text) };
    }
  if (opts.maxDepth !== undefined && mayExceedDepth(text, opts.maxDepth) && depthExceeds(v, opts.maxDepth)) {
    const id = typeof v === "object" && v !== null && !Array.isArray(v) ? peekId(v as Record<string, unknown>) : null;
    return { kind: "invalid", code: TOO_LARGE, reason: `message nested deeper than ${opts.maxDepth} levels`, id };
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return { kind: "invalid", code: INVALID_REQUEST, reason: "empty batch", id: null };
    const max = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    const reason = !opts.allowBatch
      ? "batches are not allowed in this protocol revision"
      : v.length > max
        ? `batch of ${v.length} exceeds the limit of ${max}`
        : undefined;
    if (reason !== undefined) {
      const batchIds: JsonRpcId[] = [];
      for (const item of v) {
        const c = typeof item === "object" && item !== null ? (item as Record<string, unknown>) : undefined;
        if (c && typeof c.method === "string" && isId(c.id)) batchIds.push(c.id);
      }
      return { kind: "invalid", code: INVALID_REQUEST, reason, id: null, batchIds };
    }
    return { kind: "batch", items: v.map(classify) };
  }
  return classify(v);
}

/** Params as an object, or `undefined` (arrays and absent params give `undefined`). */
export function paramsObject(m: JsonRpcMessage): Record<string, unknown> | undefined {
  const p = (m as { params?: unknown }).params;
  return typeof p === "object" && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
}

/** The tool name of a `tools/call` request, or `undefined`. */
export function toolNameOf(m: JsonRpcMessage): string | undefined {
  if (!("method" in m) || m.method !== "tools/call") return undefined;
  const name = paramsObject(m)?.name;
  return typeof name === "string" ? name : undefined;
}
