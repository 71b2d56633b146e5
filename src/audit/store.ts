/**
 * The SQLite side of the audit log: schema, the chained writer, and read access for verify,
 * query and export. The writer is used by exactly one thread (the audit worker); readers open
 * the same file read-only.
 *
 * Tables:
 *   records      one row per record: `record` holds the exact canonical JSON that was hashed;
 *                the few columns queries filter on are copies of its fields (verify checks them)
 *   head         one row: seq and hash of the last committed record, HMAC-signed when a key is
 *                configured; written in the same transaction as the rows, so a cut tail shows
 *   checkpoints  periodic Ed25519-signed (seq, hash) statements (compact JWS)
 *   meta         format version
 */
import { Database, type Statement } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type { UnchainedRecord } from "./finalize.ts";
import {
  type AuditRecord,
  canonicalRecord,
  chainHash,
  FORMAT_VERSION,
  GENESIS_HASH,
  headSig,
  recordSig,
} from "./record.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY,
  timestamp TEXT NOT NULL,
  direction TEXT NOT NULL,
  method TEXT,
  tool_name TEXT,
  action TEXT NOT NULL,
  decided_by TEXT,
  subject TEXT,
  session_id TEXT,
  record TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  sig TEXT
);
CREATE INDEX IF NOT EXISTS records_time ON records(timestamp);
-- Partial: a record without a subject (no authentication) or tool skips them; a filter on
-- either column (=, LIKE) implies IS NOT NULL, so queries still use them. Databases made before
-- keep their full indexes of the same names (equally usable).
CREATE INDEX IF NOT EXISTS records_subject ON records(subject, timestamp) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_tool ON records(tool_name, timestamp) WHERE tool_name IS NOT NULL;
-- Only the records that are not a plain pass: most records skip this index, and a query for
-- other actions names the same condition (see query.ts) so it can use it.
CREATE INDEX IF NOT EXISTS records_flagged ON records(action, timestamp) WHERE action <> 'pass';
CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, key_id TEXT, sig TEXT);
CREATE TABLE IF NOT EXISTS checkpoints (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  key_id TEXT NOT NULL,
  jws TEXT NOT NULL
);
`;

export interface WriterKey {
  readonly id: string;
  readonly secret: string;
}

export interface WriterOptions {
  readonly file: string;
  readonly synchronous: "normal" | "full";
  readonly key?: WriterKey;
}

export interface HeadRow {
  seq: number;
  hash: string;
  key_id: string | null;
  sig: string | null;
}

export interface CheckpointRow {
  seq: number;
  hash: string;
  timestamp: string;
  key_id: string;
  jws: string;
}

/** Record fields copied into their own columns for queries and indexes. */
export const INDEX_COLUMNS = [
  "timestamp",
  "direction",
  "method",
  "tool_name",
  "action",
  "decided_by",
  "subject",
  "session_id",
] as const;

/**
 * Rebuilds a record from a row. A column that disagrees with the hashed `record` JSON wins, so
 * an edit to either is seen by the hash check; so does the `seq` column. Throws on bad JSON.
 */
export function rowToRecord(row: Record<string, unknown>): AuditRecord {
  const rec = JSON.parse(String(row.record)) as Record<string, unknown>;
  if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw new Error("record is not a JSON object");
  for (const c of INDEX_COLUMNS) {
    const v = row[c] ?? undefined;
    if (v !== rec[c]) rec[c] = v;
  }
  rec.seq = row.seq;
  rec.prev_hash = row.prev_hash;
  rec.hash = row.hash;
  if (row.sig !== null && row.sig !== undefined) rec.sig = row.sig;
  else delete rec.sig;
  return rec as unknown as AuditRecord;
}

/** Page size of a new audit database, bytes. */
export const PAGE_SIZE = 16_384;

/** Opens (creating when needed) an audit database for writing. */
export function openForWrite(file: string, synchronous: "normal" | "full"): Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Owner-only: SQLite gives the -wal and -shm files the database file's permissions.
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  const db = new Database(file, { create: true, readwrite: true, strict: true });
  // First: another process may be creating or writing the same database right now.
  db.exec("PRAGMA busy_timeout = 5000");
  // Before WAL mode, and only while the file is empty: a new database gets 16 KiB pages (a
  // commit writes a quarter as many WAL frames, about 1 us less CPU a record at 128-record
  // groups than 4 KiB pages); an existing one keeps the page size it was made with.
  db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.exec(SCHEMA);
  // Databases from before records_flagged: their full action index is written for every record.
  db.exec("DROP INDEX IF EXISTS records_action");
  db.query("INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?)").run(FORMAT_VERSION);
  return db;
}

/** Opens an audit database read-only (verify, query, export). */
export function openForRead(file: string): Database {
  const db = new Database(file, { readonly: true, strict: true });
  db.exec("PRAGMA busy_timeout = 5000");
  return db;
}

/**
 * Appends chained records in group commits. Chain state advances only when a commit succeeds,
 * so a failed commit can be retried with the same records.
 */
export class AuditWriter {
  readonly db: Database;
  private readonly insert: Statement;
  private readonly putHead: Statement;
  private readonly putCheckpoint: Statement;
  private readonly readHead: Statement;
  private readonly key: WriterKey | undefined;
  seq: number;
  prevHash: string;
  /** Set when the stored head was ahead of the last record at open (rows were removed). */
  readonly gapAtOpen: { head: number; last: number } | undefined;

  constructor(opts: WriterOptions) {
    this.db = openForWrite(opts.file, opts.synchronous);
    this.key = opts.key;
    const cols = ["seq", ...INDEX_COLUMNS, "record", "prev_hash", "hash", "sig"];
    this.insert = this.db.prepare(
      `INSERT INTO records (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
    );
    this.putHead = this.db.prepare(
      "INSERT INTO head (id, seq, hash, key_id, sig) VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id, sig = excluded.sig",
    );
    this.readHead = this.db.prepare("SELECT seq, hash FROM head WHERE id = 1");
    this.putCheckpoint = this.db.prepare(
      "INSERT OR REPLACE INTO checkpoints (seq, hash, timestamp, key_id, jws) VALUES (?, ?, ?, ?, ?)",
    );
    const last = this.db.query("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").get() as {
      seq: number;
      hash: string;
    } | null;
    const head = this.db.query("SELECT seq, hash FROM head WHERE id = 1").get() as { seq: number; hash: string } | null;
    // Continue after whichever is further: a removed tail stays a visible gap, never a silent restart.
    if (head && (!last || head.seq > last.seq)) {
      this.seq = head.seq;
      this.prevHash = head.hash;
      this.gapAtOpen = { head: head.seq, last: last?.seq ?? 0 };
    } else {
      this.seq = last?.seq ?? 0;
      this.prevHash = last?.hash ?? GENESIS_HASH;
    }
  }

  /**
   * Chains, signs and commits a batch in one transaction. Throws (and keeps its state) on failure;
   * the records are completed in place (seq and chain fields are overwritten on a retry).
   */
  append(batch: readonly UnchainedRecord[], inLock?: (done: readonly AuditRecord[]) => void): AuditRecord[] {
    if (batch.length === 0) return [];
    const key = this.key;
    const ins = this.insert;
    const done: AuditRecord[] = new Array(batch.length);
    let seq = 0;
    let prev = "";
    // BEGIN IMMEDIATE takes the write lock first, so several processes sharing one database
    // (Claude Desktop starting one `mcpgw wrap` per server) chain onto each other's records.
    this.db
      .transaction(() => {
        const head = this.readHead.get() as { seq: number; hash: string } | null;
        seq = head && head.seq >= this.seq ? head.seq : this.seq;
        prev = head && head.seq >= this.seq ? head.hash : this.prevHash;
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i]! as AuditRecord;
          r.seq = ++seq;
          if (key) r.key_id = key.id;
          const text = canonicalRecord(r);
          r.prev_hash = prev;
          r.hash = chainHash(prev, text);
          if (key) r.sig = recordSig(key.secret, r.hash);
          prev = r.hash;
          done[i] = r;
          ins.run(
            r.seq,
            r.timestamp,
            r.direction,
            r.method ?? null,
            r.tool_name ?? null,
            r.action,
            r.decided_by ?? null,
            r.subject ?? null,
            r.session_id ?? null,
            text,
            r.prev_hash,
            r.hash,
            r.sig ?? null,
          );
        }
        this.putHead.run(seq, prev, key?.id ?? null, key ? headSig(key.secret, seq, prev) : null);
        // Still under the write lock: mirrors stay in seq order across processes.
        inLock?.(done);
      })
      .immediate();
    this.seq = seq;
    this.prevHash = prev;
    return done;
  }

  addCheckpoint(row: CheckpointRow): void {
    this.putCheckpoint.run(row.seq, row.hash, row.timestamp, row.key_id, row.jws);
  }

  /**
   * Checkpoints the WAL and closes the connection for real. Prepared statements are finalized
   * first: `Database.close()` with statements still open leaves a "zombie" connection
   * (sqlite3_close_v2) that keeps its locks until the thread's heap is collected, and another
   * process opening the file meanwhile gets "database is locked".
   */
  close(): void {
    try {
      this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch {
      // a read-only or full disk: the WAL stays and is replayed on the next open
    }
    for (const st of [this.insert, this.putHead, this.readHead, this.putCheckpoint]) st.finalize();
    this.db.close(true);
  }
}
