/**
 * Filtered reads of the audit database for `mcpgw audit query` and `mcpgw audit export`.
 * Every filter becomes a bound parameter; nothing from the command line is spliced into SQL.
 */
import type { Database } from "bun:sqlite";
import { parseDuration } from "../config/common.ts";
import { type AuditRecord, canonicalJson, RECORD_FIELDS } from "./record.ts";
import { rowToRecord } from "./store.ts";

export interface QueryFilter {
  /** ISO time, or a duration ("1h") meaning that long ago. Inclusive. */
  readonly since?: string;
  /** ISO time, or a duration. Exclusive. */
  readonly until?: string;
  readonly subject?: string;
  /** Tool name; `*` and `?` are wildcards. */
  readonly tool?: string;
  readonly actions?: readonly string[];
  readonly direction?: "c2s" | "s2c";
  readonly method?: string;
  readonly session?: string;
  readonly decidedBy?: string;
  /** `key=value` pairs that must all match the record's labels. */
  readonly labels?: readonly string[];
  /** Case-insensitive substring of the record (method, tool, arguments, reason, rule, findings, subject…). */
  readonly text?: string;
  readonly limit?: number;
  /** Newest first. */
  readonly desc?: boolean;
}

export class QueryError extends Error {
  readonly code = "BAD_QUERY";
}

/** An ISO timestamp for a time bound: an ISO date/time, or a duration before `now`. */
export function timeBound(v: string, now = Date.now()): string {
  const ms = parseDuration(v);
  if (ms !== undefined) return new Date(now - ms).toISOString();
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new QueryError(`invalid time "${v}" (use an ISO 8601 time or a duration like 15m, 24h)`);
  return new Date(t).toISOString();
}

function globToLike(glob: string): string {
  return glob
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, "%")
    .replace(/\?/g, "_");
}

export function buildWhere(f: QueryFilter, now = Date.now()): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (f.since) {
    where.push("timestamp >= ?");
    params.push(timeBound(f.since, now));
  }
  if (f.until) {
    where.push("timestamp < ?");
    params.push(timeBound(f.until, now));
  }
  if (f.subject !== undefined) {
    where.push("subject = ?");
    params.push(f.subject);
  }
  if (f.tool !== undefined) {
    if (/[*?]/.test(f.tool)) {
      where.push("tool_name LIKE ? ESCAPE '\\'");
      params.push(globToLike(f.tool));
    } else {
      where.push("tool_name = ?");
      params.push(f.tool);
    }
  }
  if (f.actions && f.actions.length > 0) {
    for (const a of f.actions)
      if (!["pass", "modify", "block", "would_block"].includes(a))
        throw new QueryError(`unknown action "${a}" (pass, modify, block, would_block)`);
    where.push(`action IN (${f.actions.map(() => "?").join(", ")})`);
    params.push(...f.actions);
    // The literal condition of the partial index records_flagged (store.ts), so it can be used.
    if (!f.actions.includes("pass")) where.push("action <> 'pass'");
  }
  if (f.direction !== undefined) {
    where.push("direction = ?");
    params.push(f.direction);
  }
  if (f.method !== undefined) {
    where.push("method = ?");
    params.push(f.method);
  }
  if (f.session !== undefined) {
    where.push("session_id = ?");
    params.push(f.session);
  }
  if (f.decidedBy !== undefined) {
    where.push("decided_by = ?");
    params.push(f.decidedBy);
  }
  for (const l of f.labels ?? []) {
    const eq = l.indexOf("=");
    if (eq <= 0) throw new QueryError(`invalid label filter "${l}" (use key=value)`);
    where.push("json_extract(record, ?) = ?");
    params.push(`$.labels.${JSON.stringify(l.slice(0, eq))}`, l.slice(eq + 1));
  }
  if (f.text !== undefined && f.text !== "") {
    // The record's JSON text: method, tool, arguments, reason, rule, findings, subject, labels.
    where.push("instr(lower(record), ?) > 0");
    params.push(f.text.toLowerCase());
  }
  return { sql: where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`, params };
}

/** Matching records in seq order (or newest first with `desc`). */
export function* queryRecords(db: Database, f: QueryFilter, now = Date.now()): Generator<AuditRecord> {
  const { sql, params } = buildWhere(f, now);
  const limit = f.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(f.limit))}` : "";
  const q = db.query(`SELECT * FROM records ${sql} ORDER BY seq ${f.desc ? "DESC" : "ASC"}${limit}`);
  for (const row of q.iterate(...params)) yield rowToRecord(row as Record<string, unknown>);
}

/** CSV cell: RFC 4180 quoting; cells that a spreadsheet would run as a formula get a leading quote. */
function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  let s = typeof v === "object" ? canonicalJson(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v !== "number") s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = `${RECORD_FIELDS.join(",")}\n`;

export function csvLine(rec: AuditRecord): string {
  const r = rec as unknown as Record<string, unknown>;
  return `${RECORD_FIELDS.map((f) => csvCell(r[f])).join(",")}\n`;
}

export function jsonLine(rec: AuditRecord): string {
  return `${canonicalJson(rec)}\n`;
}

/** One human-readable line per record for `audit query`. */
export function textLine(rec: AuditRecord): string {
  const parts = [
    String(rec.seq).padStart(6),
    rec.timestamp,
    rec.direction,
    (rec.method ?? "-").padEnd(16),
    (rec.tool_name ?? "-").padEnd(16),
    rec.action.padEnd(11),
    (rec.decided_by ?? "-").padEnd(10),
    rec.subject ?? "-",
  ];
  if (rec.reason) parts.push(`reason=${JSON.stringify(rec.reason)}`);
  return `${parts.join("  ")}\n`;
}
