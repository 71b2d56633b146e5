/**
 * Main-thread half of a record: what the hot path does per decision. It copies the few fields a
 * record needs into a flat object and serialises it once; redaction, hashing and signing happen
 * in the writer worker ({@link finalizeEntry}), so the event loop spends a few microseconds here.
 */
import type { Finding } from "../chain/types.ts";
import type { AuditEvent } from "./sink.ts";

/** The wire form between the main thread and the writer worker (short keys, one JSON line). */
export interface PendingEntry {
  /** Epoch milliseconds when the message was received. */
  t: number;
  d: "c2s" | "s2c";
  k: string;
  m?: string;
  id?: string;
  sz: number;
  tn?: string;
  /** Raw arguments (redacted in the worker), or undefined. */
  args?: unknown;
  /** Set when arguments were left out, with the reason. */
  an?: string;
  a: string;
  by?: string;
  rule?: string;
  why?: string;
  f?: Finding[];
  sub?: string;
  roles?: readonly string[];
  labels?: Readonly<Record<string, string>>;
  sid?: string;
  rid?: string;
  up?: string;
  lat?: number;
  cms?: number;
}

export interface EntryOptions {
  readonly arguments: "redacted" | "digest" | "none";
  readonly maxArgsBytes: number;
  /** Label keys copied into records; empty: all. */
  readonly labelClaims: readonly string[];
}

const ORIGIN = performance.timeOrigin;
const ARG_METHODS: ReadonlySet<string> = new Set(["tools/call", "prompts/get"]);

function pickLabels(labels: Readonly<Record<string, string>>, claims: readonly string[]) {
  if (claims.length === 0) return labels;
  const out: Record<string, string> = {};
  let any = false;
  for (const k of claims) {
    const v = labels[k];
    if (v !== undefined) {
      out[k] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** Builds the pending entry for one event. Cheap: no copying of message bodies beyond arguments. */
export function toPendingEntry(ev: AuditEvent, opts: EntryOptions): PendingEntry {
  const { ctx, result, message } = ev;
  const e: PendingEntry = {
    t: Math.round((ORIGIN + ctx.receivedAt) * 1000) / 1000,
    d: ctx.direction,
    k: ev.invalid ? "invalid" : ctx.kind,
    sz: ev.invalid ? ev.invalid.size : ctx.size,
    a: result.action,
  };
  if (ctx.method !== undefined) e.m = ctx.method;
  if (message !== undefined && "id" in message && message.id !== null && message.id !== undefined)
    e.id = String(message.id);
  if (ctx.target !== undefined) e.tn = ctx.target;
  if (
    opts.arguments !== "none" &&
    message !== undefined &&
    ctx.kind === "request" &&
    ctx.method !== undefined &&
    ARG_METHODS.has(ctx.method)
  ) {
    const params = (message as { params?: { arguments?: unknown } }).params;
    const args = params && typeof params === "object" ? params.arguments : undefined;
    if (args !== undefined) {
      if (ctx.size > opts.maxArgsBytes) e.an = `omitted: message larger than ${opts.maxArgsBytes} bytes`;
      else e.args = args;
    }
  }
  if (result.decidedBy !== null) e.by = result.decidedBy;
  if (result.rule !== undefined) e.rule = result.rule;
  if (result.reason !== undefined) e.why = result.reason;
  if (result.findings.length > 0) e.f = result.findings as Finding[];
  const id = ctx.identity;
  if (id !== null) {
    e.sub = id.subject;
    if (id.roles.length > 0) e.roles = id.roles;
    const labels = pickLabels(id.labels, opts.labelClaims);
    if (labels !== undefined && Object.keys(labels).length > 0) e.labels = labels;
  }
  e.sid = ctx.sessionId;
  if (ev.requestId !== undefined) e.rid = ev.requestId;
  e.up = ctx.upstream;
  if (ctx.request !== undefined) e.lat = Math.round((ctx.receivedAt - ctx.request.startedAt) * 1000) / 1000;
  e.cms = Math.round(result.durationMs * 1000) / 1000;
  return e;
}
