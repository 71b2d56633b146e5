/** Real SQLite files in temp dirs, tampered with bun:sqlite; checked by `mcpgw audit verify` (spawned) and verifyDb. */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordLine } from "../../../src/audit/jsonl.ts";
import { GENESIS_HASH } from "../../../src/audit/record.ts";
import { createCheckpointSigner, generateCheckpointKeys, loadPublicKey } from "../../../src/audit/signer.ts";
import { AuditWriter, openForRead, PAGE_SIZE, rowToRecord } from "../../../src/audit/store.ts";
import { verifyDb, verifyJsonl } from "../../../src/audit/verify.ts";
import { rowCount, tamper, unchained, writeDb } from "../../helpers/audit.ts";

setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "mcpgw-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = { id: "k1", secret: "test-signing-key-0123456789" };
let n = 0;
const fresh = (count = 20, key: typeof KEY | undefined = KEY) => {
  const f = join(dir, `a${++n}.db`);
  writeDb(f, count, key);
  return f;
};
const MAIN = join(import.meta.dir, "../../../src/main.ts");

function cli(...args: string[]) {
  const p = Bun.spawnSync({
    cmd: [process.execPath, MAIN, "audit", "verify", ...args],
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, MCPGW_CONFIG: join(dir, "none.yaml") },
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("mcpgw audit verify", () => {
  test("reports OK with the record count and the last hash for an untouched log", async () => {
    const f = fresh(20);
    const r = cli(f, "--key", `${KEY.id}=${KEY.secret}`);
    const db = openForRead(f);
    const last = db.query("SELECT hash FROM records ORDER BY seq DESC LIMIT 1").get() as { hash: string };
    db.close();
    expect(r.code).toBe(0);
    expect(r.out).toContain("OK");
    expect(r.out).toContain("20 records (seq 1–20)");
    expect(r.out).toContain(`last hash ${last.hash}`);
    expect(r.out).toContain("signatures: verified");
  });

  test("detects an edited field at its seq", () => {
    const f = fresh();
    tamper(f, "UPDATE records SET action = 'pass' WHERE seq = 5");
    const r = cli(f);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAILED");
    expect(r.out).toContain("seq 5: edited");
  });

  test("detects an edit inside the hashed record text", () => {
    const f = fresh();
    tamper(f, "UPDATE records SET record = replace(record, '/tmp/f8', '/tmp/xx') WHERE seq = 8");
    const r = cli(f);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 8: edited");
  });

  test("detects an edited record whose hash was recomputed, by its signature", async () => {
    const f = fresh();
    const db = openForRead(f);
    const rec = rowToRecord(db.query("SELECT * FROM records WHERE seq = 7").get() as Record<string, unknown>);
    db.close();
    const { canonicalRecord, chainHash } = await import("../../../src/audit/record.ts");
    rec.subject = "mallory";
    const text = canonicalRecord(rec);
    tamper(
      f,
      "UPDATE records SET subject = 'mallory', record = ?, hash = ? WHERE seq = 7",
      text,
      chainHash(rec.prev_hash, text),
    );
    const r = cli(f, "--key", `${KEY.id}=${KEY.secret}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 7: bad_signature");
  });

  test("detects a deleted row at the first missing seq", () => {
    const f = fresh();
    tamper(f, "DELETE FROM records WHERE seq = 9");
    const r = cli(f);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 9: deleted");
  });

  test("detects a forged row inserted in the middle", () => {
    const f = fresh();
    // Make room at seq 6 the way an attacker would: shift everything after it up by one.
    tamper(f, "UPDATE records SET seq = seq + 1000000 WHERE seq >= 6");
    tamper(f, "UPDATE records SET seq = seq - 999999 WHERE seq >= 1000000");
    const db = openForRead(f);
    const prev = (db.query("SELECT hash FROM records WHERE seq = 5").get() as { hash: string }).hash;
    db.close();
    tamper(
      f,
      "INSERT INTO records (seq, timestamp, direction, action, record, prev_hash, hash) VALUES (6, '2026-01-01T00:00:05.500Z', 'c2s', 'pass', '{\"seq\":6}', ?, ?)",
      prev,
      "ab".repeat(32),
    );
    const r = cli(f);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 6: inserted");
  });

  test("detects a forged row appended after the head", () => {
    const f = fresh();
    const db = openForRead(f);
    const prev = (db.query("SELECT hash FROM records WHERE seq = 20").get() as { hash: string }).hash;
    db.close();
    tamper(
      f,
      "INSERT INTO records (seq, timestamp, direction, action, record, prev_hash, hash) VALUES (21, '2026-01-02T00:00:00.000Z', 'c2s', 'pass', '{\"seq\":21}', ?, ?)",
      prev,
      "cd".repeat(32),
    );
    const r = cli(f);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 21: inserted");
  });

  test("detects two swapped rows as reordered", () => {
    const f = fresh();
    tamper(f, "UPDATE records SET seq = -1 WHERE seq = 11");
    tamper(f, "UPDATE records SET seq = 11 WHERE seq = 12");
    tamper(f, "UPDATE records SET seq = 12 WHERE seq = -1");
    const r = cli(f);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 11: reordered");
  });

  test("detects a truncated tail from the signed head", () => {
    const f = fresh();
    tamper(f, "DELETE FROM records WHERE seq > 16");
    const r = cli(f, "--key", `${KEY.id}=${KEY.secret}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 17: truncated");
  });

  test("detects a forged head after a truncation by its signature", () => {
    const f = fresh();
    tamper(f, "DELETE FROM records WHERE seq > 16");
    const db = openForRead(f);
    const h = (db.query("SELECT hash FROM records WHERE seq = 16").get() as { hash: string }).hash;
    db.close();
    tamper(f, "UPDATE head SET seq = 16, hash = ?", h);
    const r = cli(f, "--key", `${KEY.id}=${KEY.secret}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 16: bad_signature");
  });

  test("rejects signatures made with another key", () => {
    const f = fresh();
    const r = cli(f, "--key", "k1=some-other-key-0123456789");
    expect(r.code).toBe(1);
    expect(r.out).toContain("seq 1: bad_signature");
  });

  test("verifies records across a key rotation with both keys given by id", async () => {
    const f = join(dir, "rotated.db");
    const w1 = new AuditWriter({ file: f, synchronous: "normal", key: KEY });
    w1.append([unchained(1), unchained(2)]);
    w1.close();
    const k2 = { id: "k2", secret: "second-signing-key-abcdefgh" };
    const w2 = new AuditWriter({ file: f, synchronous: "normal", key: k2 });
    w2.append([unchained(3), unchained(4)]);
    w2.close();
    const both = await verifyDb(f, {
      keys: new Map([
        [KEY.id, KEY.secret],
        [k2.id, k2.secret],
      ]),
    });
    expect(both.ok).toBe(true);
    expect(both.count).toBe(4);
    const one = await verifyDb(f, { keys: new Map([[KEY.id, KEY.secret]]) });
    expect(one.problem).toMatchObject({ seq: 3, kind: "unknown_key" });
  });

  test("stores every row of batches of many sizes, column for column, and verifies", async () => {
    const f = join(dir, "sizes.db");
    const w = new AuditWriter({ file: f, synchronous: "normal", key: KEY });
    const sizes = [1, 15, 16, 17, 31, 32, 33, 64, 3];
    let i = 0;
    const written = [];
    for (const n of sizes) {
      const batch = [];
      for (let j = 0; j < n; j++) {
        i++;
        // Optional columns absent on some rows: their NULLs must land in the right row.
        batch.push(unchained(i, i % 7 === 0 ? { method: undefined, tool_name: undefined, subject: undefined } : {}));
      }
      written.push(...w.append(batch));
    }
    w.close();
    expect(written.map((r) => r.seq)).toEqual(Array.from({ length: i }, (_, k) => k + 1));
    const db = openForRead(f);
    const rows = db.query("SELECT * FROM records ORDER BY seq").all() as Record<string, unknown>[];
    db.close();
    expect(rows.length).toBe(i);
    for (const [k, row] of rows.entries()) {
      const rec = written[k]!;
      expect(rowToRecord(row)).toEqual({ ...rec });
      expect(row.method ?? undefined).toBe(rec.method);
      expect(row.subject ?? undefined).toBe(rec.subject);
      expect(row.prev_hash).toBe(k === 0 ? GENESIS_HASH : written[k - 1]!.hash);
    }
    const report = await verifyDb(f, { keys: new Map([[KEY.id, KEY.secret]]) });
    expect(report.ok).toBe(true);
    expect(report.count).toBe(i);
  });

  test("a new database gets 16 KiB pages; one made with 4 KiB pages keeps them, takes records and verifies", async () => {
    const pageSize = (f: string) => {
      const d = openForRead(f);
      try {
        return (d.query("PRAGMA page_size").get() as { page_size: number }).page_size;
      } finally {
        d.close();
      }
    };
    const f = fresh(5);
    expect(pageSize(f)).toBe(PAGE_SIZE);
    // A database of the former default page size, written by the writer as it was.
    const old = join(dir, "pages-4k.db");
    const d = new Database(old, { create: true });
    d.exec("PRAGMA page_size = 4096");
    d.exec("PRAGMA journal_mode = WAL");
    d.close();
    writeDb(old, 30, KEY);
    expect(pageSize(old)).toBe(4096);
    const w = new AuditWriter({ file: old, synchronous: "normal", key: KEY });
    w.append([unchained(31), unchained(32)]);
    w.close();
    expect(pageSize(old)).toBe(4096);
    const r = await verifyDb(old, { keys: new Map([[KEY.id, KEY.secret]]) });
    expect(r.problem).toBeUndefined();
    expect(r.count).toBe(32);
  });

  test("a closed writer holds no lock: another connection may take the database at once", () => {
    const f = join(dir, "released.db");
    const w = new AuditWriter({ file: f, synchronous: "normal", key: KEY });
    w.append([unchained(1), unchained(2)]);
    w.close();
    // Changing the journal mode needs every other connection gone (a zombie one answers SQLITE_BUSY).
    const other = new Database(f);
    try {
      expect(other.query("PRAGMA journal_mode=DELETE").get()).toEqual({ journal_mode: "delete" });
    } finally {
      other.close();
    }
  });

  test("a batch whose insert fails midway leaves nothing behind and is retried whole", async () => {
    const f = join(dir, "midway.db");
    const w = new AuditWriter({ file: f, synchronous: "normal", key: KEY });
    w.append([unchained(1)]);
    // A row that another writer already holds at seq 20 makes the batch fail after some inserts.
    w.db.exec(
      "INSERT INTO records (seq, timestamp, direction, action, record, prev_hash, hash) VALUES (20, 't', 'c2s', 'pass', '{}', '', '')",
    );
    const batch = Array.from({ length: 40 }, (_, k) => unchained(k + 2));
    expect(() => w.append(batch)).toThrow();
    expect(w.seq).toBe(1);
    expect(rowCount(f)).toBe(2);
    w.db.exec("DELETE FROM records WHERE seq = 20");
    expect(w.append(batch).length).toBe(40);
    w.close();
    const report = await verifyDb(f, { keys: new Map([[KEY.id, KEY.secret]]) });
    expect(report.ok).toBe(true);
    expect(report.count).toBe(41);
  });

  test("exits 2 with a clear message for a missing file", () => {
    const r = cli(join(dir, "nope.db"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("no such audit log");
  });
});

describe("checkpoints", () => {
  test("verifies Ed25519 checkpoints with only the public key and detects a cut below them", async () => {
    const keys = await generateCheckpointKeys();
    const pubFile = join(dir, "cp.pub");
    writeFileSync(pubFile, keys.publicPem);
    const f = join(dir, "cp.db");
    const w = new AuditWriter({ file: f, synchronous: "normal" });
    const signer = await createCheckpointSigner(keys.privatePem);
    for (let b = 0; b < 3; b++) {
      w.append([unchained(b * 2 + 1), unchained(b * 2 + 2)]);
      const payload = { seq: w.seq, hash: w.prevHash, timestamp: new Date().toISOString() };
      w.addCheckpoint({ ...payload, key_id: signer.keyId, jws: await signer.sign(payload) });
    }
    w.close();
    const ok = await verifyDb(f, { publicKeys: [await loadPublicKey(pubFile)] });
    expect(ok).toMatchObject({ ok: true, count: 6, checkpoints: 3, checkpointsVerified: 3 });
    const r = cli(f, "--public-key", pubFile);
    expect(r.code).toBe(0);
    expect(r.out).toContain("checkpoints: 3/3");

    // Someone cuts the tail and forges the unsigned head: the last checkpoint still says seq 6.
    tamper(f, "DELETE FROM records WHERE seq > 4");
    const db = openForRead(f);
    const h = (db.query("SELECT hash FROM records WHERE seq = 4").get() as { hash: string }).hash;
    db.close();
    tamper(f, "UPDATE head SET seq = 4, hash = ?", h);
    const cut = await verifyDb(f, { publicKeys: [await loadPublicKey(pubFile)] });
    expect(cut.problem).toMatchObject({ seq: 5, kind: "truncated" });
  });

  test("rejects a checkpoint signed by another key", async () => {
    const a = await generateCheckpointKeys();
    const b = await generateCheckpointKeys();
    const f = join(dir, "cp2.db");
    const w = new AuditWriter({ file: f, synchronous: "normal" });
    w.append([unchained(1)]);
    const signer = await createCheckpointSigner(a.privatePem);
    const payload = { seq: w.seq, hash: w.prevHash, timestamp: new Date().toISOString() };
    w.addCheckpoint({ ...payload, key_id: signer.keyId, jws: await signer.sign(payload) });
    w.close();
    const pub = join(dir, "b.pub");
    writeFileSync(pub, b.publicPem);
    const r = await verifyDb(f, { publicKeys: [await loadPublicKey(pub)] });
    expect(r.problem).toMatchObject({ seq: 1, kind: "bad_checkpoint" });
  });
});

describe("JSONL logs", () => {
  test("verifies a JSONL mirror and detects an edited line", async () => {
    const f = fresh(10);
    const db = openForRead(f);
    const rows = (db.query("SELECT * FROM records ORDER BY seq").all() as Record<string, unknown>[]).map(rowToRecord);
    db.close();
    const jf = join(dir, "a.jsonl");
    writeFileSync(jf, rows.map(recordLine).join(""));
    const ok = await verifyJsonl(jf, { keys: new Map([["", KEY.secret]]) });
    expect(ok).toMatchObject({ ok: true, count: 10, signaturesChecked: true });
    writeFileSync(jf, readFileSync(jf, "utf8").replace('"subject":"alice"', '"subject":"eve"'));
    const bad = cli(jf);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("seq 4: edited");
  });
});
