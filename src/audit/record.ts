/**
 * The audit record, its canonical encoding and the hash chain (docs/audit.md specifies all three
 * so another tool can verify a log).
 *
 *   canonical(record) = RFC 8785 style JSON of every field except prev_hash, hash and sig:
 *                       object keys sorted by UTF-16 code units, no whitespace, absent fields omitted
 *   hash              = hex(SHA-256(raw 32 bytes of prev_hash ‖ UTF-8(canonical(record))))
 *   sig               = hex(HMAC-SHA256(signing key, raw 32 bytes of hash))
 *
 * The first record's prev_hash is 64 zeros.
 */
import type { Action, Direction } from "../chain/types.ts";

export const GENESIS_HASH = "0".repeat(64);
export const FORMAT_VERSION = "mcpgw-audit-1";

export interface AuditFinding {
  readonly detector: string;
  readonly signal: string;
  readonly where: string;
  readonly score: number;
  readonly severity?: string;
  readonly excerpt?: string;
}

/** One decision about one message, as stored. Field names follow the original mcpgw's JSONL. */
export interface AuditRecord {
  seq: number;
  /** ISO 8601 UTC with milliseconds: when the message was received. */
  timestamp: string;
  direction: Direction;
  /** request | response | notification | invalid */
  kind: string;
  method?: string;
  /** JSON-RPC id of the message (as text). */
  id?: string;
  /** Bytes as received. */
  size: number;
  /** Tool (tools/call), prompt (prompts/get) or resource uri the message concerns. */
  tool_name?: string;
  /** Redacted arguments (audit.arguments: redacted). */
  tool_args?: unknown;
  /** "sha256:<hex>" of the arguments' canonical JSON (audit.arguments: digest). */
  args_digest?: string;
  /** Why arguments were left out (e.g. larger than audit.max_args_bytes). */
  args_note?: string;
  action: Action;
  decided_by?: string;
  rule?: string;
  reason?: string;
  findings?: AuditFinding[];
  threat_type?: string;
  threat_score?: number;
  subject?: string;
  roles?: string[];
  labels?: Record<string, string>;
  session_id?: string;
  /** Transport request id (HTTP X-Request-Id), when the transport has one. */
  request_id?: string;
  upstream?: string;
  /** For responses: milliseconds since the request it answers was received. */
  latency_ms?: number;
  /** Time spent in the interceptor chain, milliseconds. */
  chain_ms?: number;
  /** Id of the HMAC key that produced `sig`. */
  key_id?: string;
  prev_hash: string;
  hash: string;
  sig?: string;
}

/** Fields in the order columns and exports use. */
export const RECORD_FIELDS = [
  "seq",
  "timestamp",
  "direction",
  "kind",
  "method",
  "id",
  "size",
  "tool_name",
  "tool_args",
  "args_digest",
  "args_note",
  "action",
  "decided_by",
  "rule",
  "reason",
  "findings",
  "threat_type",
  "threat_score",
  "subject",
  "roles",
  "labels",
  "session_id",
  "request_id",
  "upstream",
  "latency_ms",
  "chain_ms",
  "key_id",
  "prev_hash",
  "hash",
  "sig",
] as const satisfies readonly (keyof AuditRecord)[];

/** Characters JSON.stringify escapes in a string (and lone surrogates, which it escapes too). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(s)`, without its cost for the common string that needs no escaping. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * Deterministic JSON: sorted keys, no whitespace, undefined members omitted (RFC 8785 for our
 * value types). An object or array is written by JSON.stringify over a member-sorted copy (one
 * flat string, see {@link canonicalRecord}) unless it holds something that copy cannot take.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === "object") {
    try {
      return JSON.stringify(sortedCopy(value));
    } catch (e) {
      if (e !== NOT_PLAIN) throw e;
    }
  }
  return canonicalSlow(value);
}

/** canonicalJson member by member: the reference for every value. */
function canonicalSlow(value: unknown): string {
  if (typeof value === "string") return jsonString(value);
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      const v = value[i];
      out += v === undefined || typeof v === "function" ? "null" : canonicalSlow(v);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || typeof v === "function") continue;
    if (!first) out += ",";
    first = false;
    out += `${jsonString(k)}:${canonicalSlow(v)}`;
  }
  return `${out}}`;
}

const CHAIN_FIELD_LIST = ["prev_hash", "hash", "sig"] as const;
const CHAIN_FIELDS: ReadonlySet<string> = new Set(CHAIN_FIELD_LIST);
/** Record fields covered by the hash, in canonical (sorted) order. */
const HASHED_FIELDS: readonly string[] = RECORD_FIELDS.filter((f) => !CHAIN_FIELDS.has(f)).sort();

/** Thrown inside {@link sortedCopy} for a value JSON.stringify would not write canonically. */
const NOT_PLAIN = new Error("not plain JSON");

/**
 * A copy of a JSON value whose objects hold their members in canonical order, so that
 * `JSON.stringify` of it is its canonical JSON. Throws NOT_PLAIN for what JSON.stringify would
 * write otherwise than {@link canonicalJson}: a member name that is an array index (objects list
 * those first, in numeric order) or `__proto__`, a function, symbol or bigint.
 */
function sortedCopy(v: unknown): unknown {
  if (typeof v !== "object") {
    if (typeof v === "function" || typeof v === "symbol" || typeof v === "bigint") throw NOT_PLAIN;
    return v;
  }
  if (v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = sortedCopy(v[i]);
    return out;
  }
  const keys = Object.keys(v).sort();
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = k.charCodeAt(0);
    if ((c >= 48 && c <= 57) || k === "__proto__") throw NOT_PLAIN;
    out[k] = sortedCopy((v as Record<string, unknown>)[k]);
  }
  return out;
}

/**
 * The canonical encoding of a record: everything except prev_hash, hash and sig.
 *
 * Written by JSON.stringify over a copy whose members are in canonical order: its output is one
 * flat string, which the chain hash and the SQLite insert read several times faster than a
 * string concatenated member by member. A value it cannot take goes through canonicalJson.
 */
export function canonicalRecord(rec: AuditRecord): string {
  const r = rec as unknown as Record<string, unknown>;
  const o: Record<string, unknown> = {};
  let members = 0;
  try {
    for (let i = 0; i < HASHED_FIELDS.length; i++) {
      const k = HASHED_FIELDS[i]!;
      const v = r[k];
      if (v === undefined) continue;
      members++;
      o[k] = typeof v === "string" || typeof v === "number" ? v : sortedCopy(v);
    }
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
    return canonicalGeneral(r);
  }
  for (const k of CHAIN_FIELD_LIST) if (r[k] !== undefined) members++;
  // Any other member (a JSONL line from elsewhere), or one present but undefined, takes the
  // general path, which checks every member by name.
  if (Object.keys(r).length !== members) return canonicalGeneral(r);
  return JSON.stringify(o);
}

function canonicalGeneral(r: Record<string, unknown>): string {
  const rest: Record<string, unknown> = {};
  for (const k in r) if (!CHAIN_FIELDS.has(k)) rest[k] = r[k];
  return canonicalJson(rest);
}

const HEX_RE = /^[0-9a-f]{64}$/;

export function hexBytes(hex: string): Uint8Array {
  if (!HEX_RE.test(hex)) return new Uint8Array(0);
  return Buffer.from(hex, "hex");
}

/** Scratch bytes for {@link chainHash}: prev_hash's 32 bytes, then the canonical text's UTF-8. */
let scratch = Buffer.allocUnsafe(16 * 1024);
const utf8 = new TextEncoder();

export function chainHash(prevHash: string, canonical: string): string {
  // One buffer for both parts and one native call: no hasher object, no intermediate Buffer.
  const need = 32 + canonical.length * 3;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  const at = HEX_RE.test(prevHash) ? scratch.write(prevHash, 0, "hex") : 0;
  const { written } = utf8.encodeInto(canonical, scratch.subarray(at));
  return Bun.SHA256.hash(scratch.subarray(0, at + written), "hex") as string;
}

/**
 * The keyed HMAC state of the last string key used: copying it skips hashing the key for every
 * record. Byte keys are not cached (their contents could change under the same reference).
 */
let sigKey: string | undefined;
let sigBase: Bun.CryptoHasher | undefined;
const sigScratch = Buffer.alloc(32);

export function recordSig(key: string | Uint8Array, hash: string): string {
  let h: Bun.CryptoHasher;
  if (typeof key !== "string") h = new Bun.CryptoHasher("sha256", key);
  else {
    if (sigBase === undefined || sigKey !== key) {
      sigBase = new Bun.CryptoHasher("sha256", key);
      sigKey = key;
    }
    h = sigBase.copy();
  }
  // Not a hash: the MAC of no bytes, as hexBytes gives.
  if (HEX_RE.test(hash)) {
    sigScratch.write(hash, 0, "hex");
    h.update(sigScratch);
  }
  return h.digest("hex");
}

/** HMAC over the head marker (last seq and hash), so cutting the tail off is detected. */
export function headSig(key: string | Uint8Array, seq: number, hash: string): string {
  const h = new Bun.CryptoHasher("sha256", key);
  h.update(`mcpgw-audit-head\n${seq}\n${hash}`);
  return h.digest("hex");
}

/** Default key id: the first 16 hex digits of SHA-256 over the key, so the key never appears. */
export function deriveKeyId(key: string): string {
  return `k-${new Bun.CryptoHasher("sha256").update(key).digest("hex").slice(0, 16)}`;
}

/** Constant-time comparison of two hex strings. */
export function hexEqual(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== "string" || typeof b !== "string" || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
