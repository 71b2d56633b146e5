/** The JSONL mirror on a real temp dir, with an injected clock for time rotation and retention. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlMirror } from "../../../src/audit/jsonl.ts";
import { AuditLog } from "../../../src/audit/log.ts";
import type { AuditRecord } from "../../../src/audit/record.ts";
import { AuditSchema } from "../../../src/audit/schema.ts";
import { verifyJsonl } from "../../../src/audit/verify.ts";
import { silentLogger } from "../../../src/log/index.ts";
import { auditEvent } from "../../helpers/audit.ts";

const root = mkdtempSync(join(tmpdir(), "mcpgw-jsonl-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, `d${++n}`);
  return { dir: d, file: join(d, "audit.jsonl") };
};
const rec = (seq: number): AuditRecord => ({
  seq,
  timestamp: "2026-01-01T00:00:00.000Z",
  direction: "c2s",
  kind: "request",
  size: 1,
  action: "pass",
  prev_hash: "0".repeat(64),
  hash: "f".repeat(64),
});
const lineBytes = Buffer.byteLength(JSON.stringify(rec(1))) + 1;

describe("the JSONL mirror", () => {
  test("rotates by size and keeps whole records in each file", () => {
    const { dir, file } = fresh();
    const m = new JsonlMirror(file, { max_size: lineBytes * 3, max_age: 0, max_files: 0, retention: 0 });
    for (let i = 1; i <= 7; i++) m.append([rec(i)]);
    m.close();
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(3);
    const seqs = files.map((f) =>
      readFileSync(join(dir, f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).seq),
    );
    expect(seqs.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(
      readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).seq),
    ).toEqual([7]);
  });

  test("rotates by age", () => {
    const { dir, file } = fresh();
    let now = Date.UTC(2026, 0, 1);
    const m = new JsonlMirror(file, { max_size: 0, max_age: 3_600_000, max_files: 0, retention: 0 }, () => now);
    m.append([rec(1)]);
    now += 3_599_000;
    m.append([rec(2)]);
    expect(readdirSync(dir).length).toBe(1);
    now += 2000;
    m.append([rec(3)]);
    m.close();
    expect(readdirSync(dir).length).toBe(2);
    expect(readdirSync(dir)).toContain("audit-20260101T010001.000Z.jsonl");
  });

  test("keeps at most max_files rotated files and deletes those older than retention", () => {
    const { dir, file } = fresh();
    let now = Date.UTC(2026, 0, 1);
    const m = new JsonlMirror(file, { max_size: lineBytes, max_age: 0, max_files: 2, retention: 0 }, () => now);
    for (let i = 1; i <= 6; i++) {
      now += 1000;
      m.append([rec(i)]);
    }
    m.close();
    expect(readdirSync(dir).length).toBe(3);

    const second = fresh();
    let t = Date.now();
    const r = new JsonlMirror(
      second.file,
      { max_size: lineBytes, max_age: 0, max_files: 0, retention: 86_400_000 },
      () => t,
    );
    r.append([rec(1)]);
    r.append([rec(2)]);
    const [old] = readdirSync(second.dir).filter((f) => f !== "audit.jsonl");
    const past = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(join(second.dir, old!), past, past);
    t += 1000;
    r.append([rec(3)]);
    r.close();
    expect(readdirSync(second.dir)).not.toContain(old);
  });

  test("follows a rotation done by another process sharing the file", () => {
    const { dir, file } = fresh();
    const rot = { max_size: lineBytes * 2, max_age: 0, max_files: 0, retention: 0 };
    const a = new JsonlMirror(file, rot);
    const b = new JsonlMirror(file, rot);
    for (let i = 1; i <= 8; i++) (i % 2 ? a : b).append([rec(i)]);
    a.close();
    b.close();
    const perFile = readdirSync(dir).map((f) =>
      readFileSync(join(dir, f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).seq as number),
    );
    expect(perFile.flat().sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Both writers' lines count towards max_size (two lines here).
    expect(Math.max(...perFile.map((f) => f.length))).toBeLessThanOrEqual(2);
  });

  test("mirrors the database records with their chain through the sink", async () => {
    const { dir, file } = fresh();
    const log = new AuditLog({
      file: join(dir, "a.db"),
      audit: AuditSchema.parse({ signing_key: "mirror-signing-key-0123456" }),
      blockOnFailure: true,
      jsonl: file,
      logger: silentLogger,
    });
    for (let i = 0; i < 25; i++) log.record(auditEvent({ id: i }));
    await log.close();
    const v = await verifyJsonl(file, { keys: new Map([["", "mirror-signing-key-0123456"]]) });
    expect(v).toMatchObject({ ok: true, count: 25, signaturesChecked: true });
  });
});
