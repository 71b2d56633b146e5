/**
 * Worker half of a record: turns the main thread's {@link PendingEntry} into an
 * {@link AuditRecord} (without seq and chain fields). All redaction happens here.
 */
import type { Action, Direction } from "../chain/types.ts";
import type { PendingEntry } from "./entry.ts";
import { type AuditFinding, type AuditRecord, canonicalJson } from "./record.ts";
import { redactForAudit, redactText } from "./redact.ts";

export type UnchainedRecord = Omit<AuditRecord, "seq" | "prev_hash" | "hash" | "sig" | "key_id">;

const MAX_FINDINGS = 100;
const MAX_TEXT = 2048;

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

function findingsOf(f: PendingEntry["f"]): AuditFinding[] | undefined {
  if (!f || f.length === 0) return undefined;
  const out: AuditFinding[] = [];
  for (const x of f.slice(0, MAX_FINDINGS)) {
    const a: { -readonly [K in keyof AuditFinding]: AuditFinding[K] } = {
      detector: String(x.detector),
      signal: String(x.signal),
      where: clip(String(x.where)),
      score: typeof x.score === "number" && Number.isFinite(x.score) ? x.score : 0,
    };
    if (x.severity !== undefined) a.severity = x.severity;
    if (typeof x.excerpt === "string") a.excerpt = clip(redactText(x.excerpt));
    out.push(a);
  }
  return out;
}

export function finalizeEntry(e: PendingEntry, argsMode: "redacted" | "digest" | "none"): UnchainedRecord {
  const r: UnchainedRecord = {
    timestamp: new Date(e.t).toISOString(),
    direction: e.d as Direction,
    kind: e.k,
    size: e.sz,
    action: e.a as Action,
  };
  if (e.m !== undefined) r.method = clip(e.m);
  if (e.id !== undefined) r.id = clip(e.id);
  if (e.tn !== undefined) r.tool_name = clip(redactText(e.tn));
  if (e.args !== undefined) {
    if (argsMode === "digest") {
      r.args_digest = `sha256:${new Bun.CryptoHasher("sha256").update(canonicalJson(e.args)).digest("hex")}`;
    } else if (argsMode === "redacted") {
      r.tool_args = redactForAudit(e.args);
    }
  }
  if (e.an !== undefined) r.args_note = e.an;
  if (e.by !== undefined) r.decided_by = e.by;
  if (e.rule !== undefined) r.rule = clip(e.rule);
  if (e.why !== undefined) r.reason = clip(redactText(e.why));
  const findings = findingsOf(e.f);
  if (findings) {
    r.findings = findings;
    let top = findings[0]!;
    for (const f of findings) if (f.score > top.score) top = f;
    r.threat_type = top.signal;
    r.threat_score = top.score;
  }
  if (e.sub !== undefined) r.subject = e.sub;
  if (e.roles !== undefined) r.roles = [...e.roles];
  if (e.labels !== undefined) r.labels = { ...e.labels };
  if (e.sid !== undefined) r.session_id = e.sid;
  if (e.rid !== undefined) r.request_id = e.rid;
  if (e.up !== undefined) r.upstream = e.up;
  if (e.lat !== undefined) r.latency_ms = e.lat;
  if (e.cms !== undefined) r.chain_ms = e.cms;
  return r;
}
