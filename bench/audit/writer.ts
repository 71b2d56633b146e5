#!/usr/bin/env bun
/**
 * `bun bench/audit/writer.ts [--records N] [--batch B] [--anonymous] [--pragma 'name=value']...`: the audit
 * writer's CPU per record, by stage, on this thread (the writer worker's work without the ring):
 * JSON parse of the pending entry, finalize (redaction), then AuditWriter.append (canonical JSON,
 * SHA-256 chain, HMAC, SQLite insert, head update, commit). `--pragma` is run on the writer's
 * connection first (to try a setting); BENCH_DB names the database file (default: a temp file).
 * `--anonymous`: records without an identity (no authentication, as the full-chain bench).
 * Medians of 5 rounds after a warm-up round; prints one JSON object. On a shared machine, compare
 * variants in alternating runs: round-to-round noise here reaches ±30%.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type PendingEntry, toPendingEntry } from "../../src/audit/entry.ts";
import { finalizeEntry, type UnchainedRecord } from "../../src/audit/finalize.ts";
import { AuditWriter } from "../../src/audit/store.ts";
import { auditEvent } from "../../test/helpers/audit.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string" },
    batch: { type: "string" },
    anonymous: { type: "boolean" },
    pragma: { type: "string", multiple: true },
  },
});
const N = Number(values.records ?? 50_000);
const B = Number(values.batch ?? 32);
const dir = mkdtempSync(join(tmpdir(), "mcpgw-bench-writer-"));
const identity = values.anonymous
  ? null
  : ({ subject: "alice", roles: ["dev"], scopes: [], labels: { team: "red" }, method: "jwt" } as const);
const opts = { arguments: "redacted", maxArgsBytes: 65536, labelClaims: [] } as const;
// An exchange: the request (with arguments) and its response.
const lines = [
  JSON.stringify(
    toPendingEntry(
      auditEvent({ identity, tool: "read_file", args: { path: "/home/alice/notes.txt", limit: 100 } }),
      opts,
    ),
  ),
  JSON.stringify(toPendingEntry(auditEvent({ identity, tool: "read_file", direction: "s2c" }), opts)),
];
const cpu = () => {
  const u = (process as unknown as { threadCpuUsage(): { user: number; system: number } }).threadCpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

try {
  const w = new AuditWriter({
    file: process.env.BENCH_DB ?? join(dir, "w.db"),
    synchronous: "normal",
    key: { id: "b1", secret: "bench-key-0123456789" },
  });
  for (const p of values.pragma ?? []) w.db.exec(`PRAGMA ${p}`);
  const parse: number[] = [];
  const fin: number[] = [];
  const app: number[] = [];
  for (let round = 0; round < 6; round++) {
    let p = 0;
    let f = 0;
    let a = 0;
    for (let i = 0; i < N; i += B) {
      const c0 = cpu();
      const pend: PendingEntry[] = [];
      for (let j = 0; j < B; j++) pend.push(JSON.parse(lines[j & 1]!) as PendingEntry);
      const c1 = cpu();
      const recs: UnchainedRecord[] = pend.map((e) => finalizeEntry(e, "redacted"));
      const c2 = cpu();
      w.append(recs);
      const c3 = cpu();
      p += c1 - c0;
      f += c2 - c1;
      a += c3 - c2;
    }
    if (round === 0) continue; // warm-up
    parse.push(p / N);
    fin.push(f / N);
    app.push(a / N);
  }
  w.close();
  const out = {
    bun: Bun.version,
    records: N,
    batch: B,
    anonymous: values.anonymous === true,
    parse_us: r3(median(parse)),
    finalize_us: r3(median(fin)),
    append_us: r3(median(app)),
  };
  console.log(JSON.stringify({ ...out, total_us: r3(out.parse_us + out.finalize_us + out.append_us) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
