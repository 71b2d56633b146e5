/** Builders for audit tests: events as transports hand them to the sink, and small real databases. */
import { Database } from "bun:sqlite";
import type { UnchainedRecord } from "../../src/audit/finalize.ts";
import type { AuditEvent } from "../../src/audit/sink.ts";
import { AuditWriter, type WriterKey } from "../../src/audit/store.ts";
import type { Action, ChainResult, Identity, MessageContext } from "../../src/chain/types.ts";
import type { JsonRpcMessage } from "../../src/jsonrpc/message.ts";

export interface EventSpec {
  direction?: "c2s" | "s2c";
  method?: string;
  tool?: string;
  args?: unknown;
  action?: Action;
  decidedBy?: string | null;
  rule?: string;
  reason?: string;
  identity?: Identity | null;
  id?: number;
  startedAt?: number;
}

export function auditEvent(s: EventSpec = {}): AuditEvent {
  const method = s.method ?? "tools/call";
  const message: JsonRpcMessage =
    s.direction === "s2c"
      ? ({ jsonrpc: "2.0", id: s.id ?? 1, result: { content: [] } } as JsonRpcMessage)
      : ({
          jsonrpc: "2.0",
          id: s.id ?? 1,
          method,
          params: { name: s.tool ?? "echo", arguments: s.args ?? { text: "hi" } },
        } as JsonRpcMessage);
  const now = performance.now();
  const ctx = {
    direction: s.direction ?? "c2s",
    kind: s.direction === "s2c" ? "response" : "request",
    sessionId: "sess-1",
    identity: s.identity === undefined ? null : s.identity,
    upstream: "fixture",
    method,
    target: s.tool ?? "echo",
    request:
      s.direction === "s2c"
        ? { id: s.id ?? 1, method, target: s.tool ?? "echo", startedAt: s.startedAt ?? now - 2, direction: "c2s" }
        : undefined,
    protocolVersion: "2025-06-18",
    size: 64,
    receivedAt: now,
    session: { id: "sess-1", slots: new Map() },
  } as MessageContext;
  const action = s.action ?? "pass";
  const result: ChainResult = {
    message,
    modified: false,
    action,
    block: undefined,
    decidedBy: s.decidedBy === undefined ? (action === "pass" ? null : "policy") : s.decidedBy,
    rule: s.rule,
    reason: s.reason,
    findings: [],
    trail: [],
    durationMs: 0.02,
  };
  return { ctx, message, result };
}

export function unchained(i: number, over: Partial<UnchainedRecord> = {}): UnchainedRecord {
  return {
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    direction: i % 2 === 0 ? "s2c" : "c2s",
    kind: i % 2 === 0 ? "response" : "request",
    method: "tools/call",
    id: String(i),
    size: 100 + i,
    tool_name: i % 3 === 0 ? "write_file" : "read_file",
    tool_args: { path: `/tmp/f${i}` },
    action: i % 5 === 0 ? "block" : "pass",
    decided_by: i % 5 === 0 ? "policy" : undefined,
    subject: i % 4 === 0 ? "alice" : "bob",
    labels: { team: i % 2 === 0 ? "red" : "blue" },
    session_id: "s1",
    upstream: "fs",
    ...over,
  };
}

/** A real audit database with `n` chained records written through the writer. */
export function writeDb(file: string, n: number, key?: WriterKey): void {
  const w = new AuditWriter({ file, synchronous: "normal", key });
  const batch: UnchainedRecord[] = [];
  for (let i = 1; i <= n; i++) batch.push(unchained(i));
  w.append(batch.slice(0, Math.ceil(n / 2)));
  w.append(batch.slice(Math.ceil(n / 2)));
  w.close();
}

/** Opens a database for tampering (as an attacker with file access would). */
export function tamper(file: string, sql: string, ...params: (string | number | null)[]): void {
  const db = new Database(file);
  db.query(sql).run(...params);
  db.close();
}

export function rowCount(file: string, where = ""): number {
  const db = new Database(file, { readonly: true });
  const n = (db.query(`SELECT count(*) AS n FROM records ${where}`).get() as { n: number }).n;
  db.close();
  return n;
}
