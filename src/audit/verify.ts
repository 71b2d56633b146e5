/**
 * Walks an audit log (SQLite or JSONL) and reports OK with the count and last hash, or the first
 * broken `seq` and what is wrong with it.
 *
 * For each record, in seq order, with `expected` = (next seq, hash of the last good record):
 *   1. self  = the record's hash matches SHA-256(its prev_hash ‖ canonical(record))
 *   2. link  = its prev_hash is the expected hash; 3. seq = its seq is the expected seq
 *   All three hold: check its signature (when keys are given) and move on. Otherwise:
 *   a. the next record links to `expected` and this one's prev_hash is the next one's hash → reordered
 *   b. the next record links to `expected`                                             → inserted
 *   c. some later record links to `expected`                                           → reordered
 *   d. link holds but self does not                                                    → edited
 *   e. self holds, link does not, seq jumps ahead                                      → deleted (first missing seq)
 *   f. self holds, link does not, seq as expected                                      → edited (the record before was rewritten)
 *   g. otherwise                                                                       → edited
 * Then (SQLite) the signed head must name the last record (else truncated / inserted), and every
 * checkpoint must match the record at its seq and, with a public key, carry a valid signature.
 */
import type { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import type { CryptoKey as JoseKey } from "jose";
import { type AuditRecord, canonicalRecord, chainHash, GENESIS_HASH, headSig, hexEqual, recordSig } from "./record.ts";
import { verifyCheckpoint } from "./signer.ts";
import { type CheckpointRow, type HeadRow, openForRead, rowToRecord } from "./store.ts";

export type ProblemKind =
  | "edited"
  | "deleted"
  | "inserted"
  | "reordered"
  | "bad_signature"
  | "missing_signature"
  | "unknown_key"
  | "truncated"
  | "bad_checkpoint"
  | "unreadable";

export interface Problem {
  readonly seq: number;
  readonly kind: ProblemKind;
  readonly detail: string;
}

export interface VerifyOptions {
  /** HMAC keys by key id; the entry under "" applies to any key id. */
  readonly keys?: ReadonlyMap<string, string>;
  /** Ed25519 public keys for checkpoints. */
  readonly publicKeys?: readonly JoseKey[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly count: number;
  readonly firstSeq: number | undefined;
  readonly lastSeq: number | undefined;
  readonly lastHash: string | undefined;
  readonly signaturesChecked: boolean;
  readonly checkpoints: number;
  readonly checkpointsVerified: number;
  readonly notes: readonly string[];
  readonly problem?: Problem;
}

interface Source {
  /** Rows in order (seq order for SQLite, file order for JSONL). */
  rows(): Iterable<AuditRecord | Error>;
  /** seq of a record after `afterSeq` whose prev_hash is `hash`. */
  successor(hash: string, afterSeq: number): number | undefined;
  /** JSONL files may start mid-chain (rotation). */
  readonly mayStartMidChain: boolean;
  /** The head marker's seq: a bad record beyond it was added after the last commit. */
  readonly headSeq?: number;
}

class Walker {
  count = 0;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  lastHash: string | undefined;
  signaturesChecked = false;
  notes: string[] = [];
  hashAt = new Map<number, string>();

  constructor(
    private readonly opts: VerifyOptions,
    private readonly wantHashAt: ReadonlySet<number>,
  ) {}

  keyFor(keyId: string | undefined): string | undefined {
    const keys = this.opts.keys;
    if (!keys || keys.size === 0) return undefined;
    return (keyId !== undefined ? keys.get(keyId) : undefined) ?? keys.get("");
  }

  walk(src: Source): Problem | undefined {
    let expSeq = 1;
    let expPrev = GENESIS_HASH;
    let first = true;
    const it = src.rows()[Symbol.iterator]();
    let cur = it.next();
    while (!cur.done) {
      const nextItem = it.next();
      const rec = cur.value;
      const next = nextItem.done ? undefined : nextItem.value;
      if (rec instanceof Error) return { seq: expSeq, kind: "unreadable", detail: rec.message };
      if (first && src.mayStartMidChain && rec.prev_hash !== GENESIS_HASH) {
        expSeq = rec.seq;
        expPrev = rec.prev_hash;
        this.notes.push(`starts mid-chain at seq ${rec.seq} (a rotated file); earlier records are not checked`);
      }
      first = false;
      const selfOk = typeof rec.hash === "string" && hexEqual(chainHash(rec.prev_hash, canonicalRecord(rec)), rec.hash);
      const linkOk = rec.prev_hash === expPrev;
      const seqOk = rec.seq === expSeq;
      if (selfOk && linkOk && seqOk) {
        const p = this.checkSig(rec);
        if (p) return p;
        this.count++;
        this.firstSeq ??= rec.seq;
        this.lastSeq = rec.seq;
        this.lastHash = rec.hash;
        if (this.wantHashAt.has(rec.seq)) this.hashAt.set(rec.seq, rec.hash);
        expSeq = rec.seq + 1;
        expPrev = rec.hash;
        cur = nextItem;
        continue;
      }
      if (src.headSeq !== undefined && rec.seq > src.headSeq)
        return { seq: rec.seq, kind: "inserted", detail: `record after the head (seq ${src.headSeq}) was added` };
      const n = next instanceof Error ? undefined : next;
      if (n && n.prev_hash === expPrev) {
        if (rec.prev_hash === n.hash)
          return { seq: expSeq, kind: "reordered", detail: `record ${rec.seq} and the one after it are out of order` };
        return {
          seq: rec.seq,
          kind: "inserted",
          detail: "this record is not part of the chain: the next one links past it",
        };
      }
      if (!linkOk) {
        const s = src.successor(expPrev, rec.seq);
        if (s !== undefined)
          return {
            seq: expSeq,
            kind: "reordered",
            detail: `the record that follows seq ${expSeq - 1} is found later, at seq ${s}`,
          };
      }
      if (linkOk && !selfOk)
        return { seq: rec.seq, kind: "edited", detail: "the record's content does not match its hash" };
      if (selfOk && !linkOk && rec.seq > expSeq) {
        const missing = rec.seq - expSeq;
        return {
          seq: expSeq,
          kind: "deleted",
          detail: `${missing === 1 ? "1 record is" : `${missing} records are`} missing before seq ${rec.seq}`,
        };
      }
      if (selfOk && !linkOk)
        return {
          seq: expSeq - 1,
          kind: "edited",
          detail: `seq ${rec.seq} does not link to the record before it: that record was rewritten`,
        };
      return { seq: rec.seq, kind: "edited", detail: "the record neither matches its hash nor links to the chain" };
    }
    return undefined;
  }

  private checkSig(rec: AuditRecord): Problem | undefined {
    const keys = this.opts.keys;
    if (!keys || keys.size === 0) return undefined;
    this.signaturesChecked = true;
    if (rec.sig === undefined) return { seq: rec.seq, kind: "missing_signature", detail: "record is not signed" };
    const key = this.keyFor(rec.key_id);
    if (key === undefined)
      return { seq: rec.seq, kind: "unknown_key", detail: `no key given for key id ${rec.key_id ?? "(none)"}` };
    if (!hexEqual(recordSig(key, rec.hash), rec.sig))
      return { seq: rec.seq, kind: "bad_signature", detail: `HMAC does not match (key id ${rec.key_id ?? "(none)"})` };
    return undefined;
  }
}

function report(w: Walker, problem: Problem | undefined, checkpoints = 0, verified = 0): VerifyReport {
  return {
    ok: problem === undefined,
    count: w.count,
    firstSeq: w.firstSeq,
    lastSeq: w.lastSeq,
    lastHash: w.lastHash,
    signaturesChecked: w.signaturesChecked,
    checkpoints,
    checkpointsVerified: verified,
    notes: w.notes,
    problem,
  };
}

function* dbRows(db: Database): Iterable<AuditRecord | Error> {
  for (const row of db.query("SELECT * FROM records ORDER BY seq").iterate()) {
    try {
      yield rowToRecord(row as Record<string, unknown>);
    } catch (e) {
      yield new Error(`seq ${(row as { seq: number }).seq}: unreadable (${(e as Error).message})`);
    }
  }
}

export async function verifyDb(file: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const db = openForRead(file);
  try {
    const tables = new Set(
      (db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name),
    );
    if (!tables.has("records")) throw new Error(`${file} is not an mcpgw audit database`);
    const checkpoints = tables.has("checkpoints")
      ? (db.query("SELECT * FROM checkpoints ORDER BY seq").all() as CheckpointRow[])
      : [];
    const head = tables.has("head") ? (db.query("SELECT * FROM head WHERE id = 1").get() as HeadRow | null) : null;
    const w = new Walker(opts, new Set(checkpoints.map((c) => c.seq)));
    const succ = db.query("SELECT seq FROM records WHERE prev_hash = ? AND seq > ? ORDER BY seq LIMIT 1");
    const problem = w.walk({
      rows: () => dbRows(db),
      successor: (hash, after) => (succ.get(hash, after) as { seq: number } | null)?.seq,
      mayStartMidChain: false,
      headSeq: head?.seq,
    });
    if (problem) return report(w, problem, checkpoints.length);
    const last = w.lastSeq ?? 0;
    // The head is written in the same transaction as the records: it must name the last one.
    if (!head) {
      if (w.count > 0)
        return report(
          w,
          { seq: last + 1, kind: "truncated", detail: "the head marker is missing" },
          checkpoints.length,
        );
    } else {
      if (head.seq > last)
        return report(
          w,
          { seq: last + 1, kind: "truncated", detail: `records end at seq ${last}; the head says ${head.seq}` },
          checkpoints.length,
        );
      if (head.seq < last)
        return report(
          w,
          { seq: head.seq + 1, kind: "inserted", detail: `records after the head (seq ${head.seq}) were added` },
          checkpoints.length,
        );
      if (w.count > 0 && head.hash !== w.lastHash)
        return report(w, { seq: last, kind: "edited", detail: "the head's hash does not match the last record" });
      if (opts.keys && opts.keys.size > 0 && w.count > 0) {
        const key = w.keyFor(head.key_id ?? undefined);
        if (head.sig === null || key === undefined || !hexEqual(headSig(key, head.seq, head.hash), head.sig))
          return report(w, { seq: head.seq, kind: "bad_signature", detail: "the head marker's HMAC does not match" });
      }
    }
    let verified = 0;
    for (const c of checkpoints) {
      if (c.seq > last)
        return report(
          w,
          {
            seq: last + 1,
            kind: "truncated",
            detail: `records end at seq ${last}, before the checkpoint at seq ${c.seq}`,
          },
          checkpoints.length,
          verified,
        );
      if (w.hashAt.get(c.seq) !== c.hash)
        return report(
          w,
          { seq: c.seq, kind: "bad_checkpoint", detail: "the checkpoint's hash does not match the record" },
          checkpoints.length,
          verified,
        );
      const pubs = opts.publicKeys ?? [];
      if (pubs.length === 0) continue;
      let good = false;
      let why = "";
      for (const pk of pubs) {
        const r = await verifyCheckpoint(c.jws, pk);
        if (r.ok && r.payload.seq === c.seq && r.payload.hash === c.hash) {
          good = true;
          break;
        }
        why = r.ok ? "signed payload does not match the row" : r.error;
      }
      if (!good)
        return report(
          w,
          { seq: c.seq, kind: "bad_checkpoint", detail: `checkpoint signature invalid: ${why}` },
          checkpoints.length,
          verified,
        );
      verified++;
    }
    if (checkpoints.length > 0 && (opts.publicKeys ?? []).length === 0)
      w.notes.push("checkpoint signatures not checked (no --public-key)");
    return report(w, undefined, checkpoints.length, verified);
  } finally {
    db.close();
  }
}

function* jsonlRows(lines: readonly string[]): Iterable<AuditRecord | Error> {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    try {
      const v = JSON.parse(line);
      if (v === null || typeof v !== "object" || typeof v.seq !== "number") throw new Error("not a record");
      yield v as AuditRecord;
    } catch (e) {
      yield new Error(`line ${i + 1}: unreadable (${(e as Error).message})`);
    }
  }
}

export async function verifyJsonl(file: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const lines = readFileSync(file, "utf8").split("\n");
  const w = new Walker(opts, new Set());
  const problem = w.walk({
    rows: () => jsonlRows(lines),
    successor: (hash, after) => {
      for (const r of jsonlRows(lines))
        if (!(r instanceof Error) && r.seq > after && r.prev_hash === hash) return r.seq;
      return undefined;
    },
    mayStartMidChain: true,
  });
  w.notes.push("a JSONL file has no head marker: a cut tail is only detected in the database");
  return report(w, problem);
}

/** Verifies a database, or a JSONL file when the name ends in .jsonl / .json / .log. */
export function verifyFile(file: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  return /\.(jsonl|ndjson|json|log)$/i.test(file) ? verifyJsonl(file, opts) : verifyDb(file, opts);
}
