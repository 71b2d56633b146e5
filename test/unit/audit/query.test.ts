/** `mcpgw audit query` and `export`, spawned against a real SQLite file written by the real writer. */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UnchainedRecord } from "../../../src/audit/finalize.ts";
import { buildWhere, timeBound } from "../../../src/audit/query.ts";
import { AuditWriter, openForRead, openForWrite } from "../../../src/audit/store.ts";
import { unchained, writeDb } from "../../helpers/audit.ts";
import { isolatedEnv, MAIN } from "../../helpers/wrap-client.ts";

setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "mcpgw-query-"));
const db = join(dir, "q.db");
beforeAll(() => writeDb(db, 40));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const p = Bun.spawnSync({
    cmd: [process.execPath, MAIN, "audit", ...args],
    stdout: "pipe",
    stderr: "pipe",
    env: isolatedEnv(),
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}
const seqs = (out: string) =>
  out
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l).seq as number);

// writeDb: record i (1…40) at 2026-01-01T00:00:i, subject alice when i%4==0 else bob, tool write_file when
// i%3==0 else read_file, action block when i%5==0, direction s2c for even i, label team red (even) / blue (odd).
const range = (pred: (i: number) => boolean) => Array.from({ length: 40 }, (_, k) => k + 1).filter(pred);

describe("mcpgw audit export", () => {
  test("exports every record in seq order as JSONL by default", () => {
    const r = run("export", db);
    expect(r.code).toBe(0);
    expect(seqs(r.out)).toEqual(range(() => true));
  });

  test("filters by time range, inclusive since and exclusive until", () => {
    const r = run("export", db, "--since", "2026-01-01T00:00:10Z", "--until", "2026-01-01T00:00:15Z");
    expect(seqs(r.out)).toEqual([10, 11, 12, 13, 14]);
  });

  test("filters by subject, tool and direction together", () => {
    const r = run("export", db, "--subject", "alice", "--tool", "write_*", "--direction", "s2c");
    expect(seqs(r.out)).toEqual([12, 24, 36]);
    const c2s = run("export", db, "--tool", "write_file", "--direction", "c2s", "--action", "block");
    expect(seqs(c2s.out)).toEqual([15]);
  });

  test("filters by several actions", () => {
    const r = run("export", db, "--action", "block,would_block", "--tool", "read_file");
    expect(seqs(r.out)).toEqual(range((i) => i % 5 === 0 && i % 3 !== 0));
  });

  test("filters by label", () => {
    const r = run("export", db, "--label", "team=red", "--subject", "bob");
    expect(seqs(r.out)).toEqual(range((i) => i % 2 === 0 && i % 4 !== 0));
  });

  test("filters by text in arguments", () => {
    const r = run("export", db, "--text", "/TMP/F3");
    expect(seqs(r.out)).toEqual([3, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
  });

  test("writes CSV with a header and one quoted row per record", () => {
    const out = join(dir, "x.csv");
    const r = run("export", db, "--format", "csv", "--action", "block", "-o", out);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]!.startsWith("seq,timestamp,direction,kind,method,id,size,tool_name,tool_args")).toBe(true);
    expect(lines.length).toBe(1 + 8);
    expect(lines[1]).toContain('"{""path"":""/tmp/f5""}"');
  });

  test("rejects an unknown action and a bad time with exit code 2", () => {
    expect(run("export", db, "--action", "allow").code).toBe(2);
    const bad = run("export", db, "--since", "yesterday-ish");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("invalid time");
  });
});

describe("mcpgw audit query", () => {
  test("shows the newest matching records first, limited", () => {
    const r = run("query", db, "--limit", "3", "--format", "jsonl");
    expect(seqs(r.out)).toEqual([40, 39, 38]);
  });

  test("prints a readable line per record by default", () => {
    const r = run("query", db, "--action", "block", "--limit", "1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\s+40 {2}2026-01-01T00:00:40\.000Z {2}s2c {2}tools\/call/);
  });
});

describe("the action index", () => {
  test("exports pass records, and pass with another action, from the partial index's database", () => {
    expect(seqs(run("export", db, "--action", "pass").out)).toEqual(range((i) => i % 5 !== 0));
    expect(seqs(run("export", db, "--action", "pass,block").out)).toEqual(range(() => true));
  });

  test("covers only records that are not a plain pass, and queries for other actions use it", () => {
    const d = openForRead(db);
    try {
      const names = (
        d.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'").all() as {
          name: string;
        }[]
      ).map((r) => r.name);
      expect(names).toContain("records_flagged");
      expect(names).not.toContain("records_action");
      const { sql, params } = buildWhere({ actions: ["block", "would_block"] });
      const plan = d.query(`EXPLAIN QUERY PLAN SELECT * FROM records ${sql} ORDER BY seq`).all(...params);
      expect(JSON.stringify(plan)).toContain("records_flagged");
    } finally {
      d.close();
    }
  });

  test("a database with the former full action index loses it when a writer opens it", () => {
    const old = join(dir, "old.db");
    const d = openForWrite(old, "normal");
    d.exec("CREATE INDEX records_action ON records(action, timestamp)");
    d.close();
    new AuditWriter({ file: old, synchronous: "normal" }).close();
    const r = openForRead(old);
    const n = r.query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'records_action'").get() as { n: number };
    r.close();
    expect(n.n).toBe(0);
  });
});

describe("the subject and tool indexes", () => {
  // Records 1…30: every third has no subject, every fifth no tool.
  const mixed = (file: string) => {
    const w = new AuditWriter({ file, synchronous: "normal" });
    const batch = Array.from({ length: 30 }, (_, k) => {
      const r = unchained(k + 1) as unknown as Record<string, unknown>;
      if ((k + 1) % 3 === 0) delete r.subject;
      if ((k + 1) % 5 === 0) delete r.tool_name;
      return r as unknown as UnchainedRecord;
    });
    w.append(batch);
    w.close();
  };
  const filtered = (file: string) => ({
    alice: seqs(run("export", file, "--subject", "alice").out),
    bob: seqs(run("export", file, "--subject", "bob").out),
    write: seqs(run("export", file, "--tool", "write_file").out),
    glob: seqs(run("export", file, "--tool", "read_*").out),
  });
  const expected = {
    alice: Array.from({ length: 30 }, (_, k) => k + 1).filter((i) => i % 3 !== 0 && i % 4 === 0),
    bob: Array.from({ length: 30 }, (_, k) => k + 1).filter((i) => i % 3 !== 0 && i % 4 !== 0),
    write: Array.from({ length: 30 }, (_, k) => k + 1).filter((i) => i % 5 !== 0 && i % 3 === 0),
    glob: Array.from({ length: 30 }, (_, k) => k + 1).filter((i) => i % 5 !== 0 && i % 3 !== 0),
  };

  test("cover only records that have a subject / tool, and subject and tool filters use them", () => {
    const f = join(dir, "partial.db");
    mixed(f);
    const d = openForRead(f);
    try {
      const sql = (name: string) =>
        (d.query("SELECT sql FROM sqlite_master WHERE name = ?").get(name) as { sql: string }).sql;
      expect(sql("records_subject")).toContain("WHERE subject IS NOT NULL");
      expect(sql("records_tool")).toContain("WHERE tool_name IS NOT NULL");
      const plan = (f: Parameters<typeof buildWhere>[0]) => {
        const w = buildWhere(f);
        return JSON.stringify(
          d.query(`EXPLAIN QUERY PLAN SELECT * FROM records ${w.sql} ORDER BY seq`).all(...w.params),
        );
      };
      expect(plan({ subject: "alice" })).toContain("records_subject");
      expect(plan({ tool: "write_file" })).toContain("records_tool");
    } finally {
      d.close();
    }
    expect(filtered(f)).toEqual(expected);
  });

  test("a database with the former full indexes keeps them and answers the same", () => {
    const f = join(dir, "full-indexes.db");
    // The records table and indexes as the writer made them before the partial indexes.
    const d = new Database(f, { create: true });
    d.exec(`PRAGMA journal_mode = WAL;
CREATE TABLE records (seq INTEGER PRIMARY KEY, timestamp TEXT NOT NULL, direction TEXT NOT NULL, method TEXT,
  tool_name TEXT, action TEXT NOT NULL, decided_by TEXT, subject TEXT, session_id TEXT, record TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL, sig TEXT);
CREATE INDEX records_subject ON records(subject, timestamp);
CREATE INDEX records_tool ON records(tool_name, timestamp);`);
    d.close();
    mixed(f);
    const r = openForRead(f);
    try {
      const sql = (r.query("SELECT sql FROM sqlite_master WHERE name = 'records_subject'").get() as { sql: string })
        .sql;
      expect(sql).not.toContain("WHERE");
    } finally {
      r.close();
    }
    expect(filtered(f)).toEqual(expected);
    expect(run("verify", f).code).toBe(0);
  });
});

describe("query building", () => {
  test("turns durations into times before now", () => {
    expect(timeBound("1h", Date.UTC(2026, 0, 1, 12))).toBe("2026-01-01T11:00:00.000Z");
  });

  test("binds every value as a parameter", () => {
    const w = buildWhere({ subject: "x' OR 1=1 --", labels: ['a"b=c'], tool: "100%_*" });
    expect(w.sql).not.toContain("OR 1=1");
    expect(w.params).toEqual(["x' OR 1=1 --", "100\\%\\_%", '$.labels."a\\"b"', "c"]);
  });
});
