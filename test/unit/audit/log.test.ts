/** The audit sink with its real writer worker and real SQLite files in a temp dir. */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, createAuditSink } from "../../../src/audit/log.ts";
import { AuditSchema } from "../../../src/audit/schema.ts";
import { generateCheckpointKeys, loadPublicKey } from "../../../src/audit/signer.ts";
import { openForRead, rowToRecord } from "../../../src/audit/store.ts";
import { verifyDb, verifyJsonl } from "../../../src/audit/verify.ts";
import { ConfigSchema } from "../../../src/config/schema.ts";
import { silentLogger } from "../../../src/log/index.ts";
import { renderPrometheus } from "../../../src/metrics/index.ts";
import { auditEvent } from "../../helpers/audit.ts";

setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "mcpgw-auditlog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `l${++n}.db`);

function rows(f: string) {
  const db = openForRead(f);
  const out = (db.query("SELECT * FROM records ORDER BY seq").all() as Record<string, unknown>[]).map(rowToRecord);
  db.close();
  return out;
}

function open(f: string, over: Record<string, unknown> = {}, blockOnFailure = true) {
  return new AuditLog({ file: f, audit: AuditSchema.parse(over), blockOnFailure, logger: silentLogger });
}

const ALICE = {
  subject: "alice",
  roles: ["dev"],
  scopes: [],
  labels: { team: "red", tenant: "acme" },
  method: "jwt",
} as const;

describe("the audit sink", () => {
  test("writes one chained record per event, with the decision's fields", async () => {
    const f = file();
    const log = open(f, { signing_key: "a-signing-key-for-tests-123", key_id: "t1" });
    expect(await log.ready).toBe(true);
    expect(log.record(auditEvent({ identity: ALICE, tool: "read_file", args: { path: "/etc/hosts" } }))).toBe(true);
    expect(
      log.record(
        auditEvent({
          identity: ALICE,
          tool: "write_file",
          action: "block",
          rule: "no-writes",
          reason: "Unknown tool: write_file",
          id: 2,
        }),
      ),
    ).toBe(true);
    expect(
      log.record(
        auditEvent({ identity: ALICE, direction: "s2c", tool: "read_file", startedAt: performance.now() - 5 }),
      ),
    ).toBe(true);
    await log.close();
    const rs = rows(f);
    expect(rs.length).toBe(3);
    expect(rs[0]).toMatchObject({
      seq: 1,
      direction: "c2s",
      kind: "request",
      method: "tools/call",
      id: "1",
      tool_name: "read_file",
      tool_args: { path: "/etc/hosts" },
      action: "pass",
      subject: "alice",
      roles: ["dev"],
      labels: { team: "red", tenant: "acme" },
      session_id: "sess-1",
      upstream: "fixture",
      key_id: "t1",
    });
    expect(rs[1]).toMatchObject({
      seq: 2,
      action: "block",
      decided_by: "policy",
      rule: "no-writes",
      reason: "Unknown tool: write_file",
    });
    expect(rs[2]!.direction).toBe("s2c");
    expect(rs[2]!.latency_ms).toBeGreaterThanOrEqual(5);
    expect(new Date(rs[0]!.timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const v = await verifyDb(f, { keys: new Map([["t1", "a-signing-key-for-tests-123"]]) });
    expect(v).toMatchObject({ ok: true, count: 3, signaturesChecked: true });
  });

  test("keeps secrets out of records whatever the detectors do", async () => {
    const f = file();
    const log = open(f);
    await log.ready;
    const secrets = {
      aws: "AKIAZ7Q2XKJ4TRM5HN3B",
      gh: "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",
      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: "a secret used as a member name",
      note: "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXRleHQ",
      password: "hunter2-correct-horse",
      nested: { api_key: "k-123456789-abcdef", list: [{ client_secret: "shhh-very-secret-value" }] },
    };
    log.record(auditEvent({ tool: "deploy", args: secrets }));
    await log.close();
    const text = [f, `${f}-wal`]
      .map((p) => {
        try {
          return readFileSync(p).toString("latin1");
        } catch {
          return "";
        }
      })
      .join("");
    const leaked = [
      "AKIAZ7Q2XKJ4TRM5HN3B",
      "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",
      "eyJhbGciOiJIUzI1NiJ9",
      "hunter2-correct-horse",
      "k-123456789-abcdef",
      "shhh-very-secret-value",
    ].filter((s) => text.includes(s));
    expect(leaked).toEqual([]);
    const args = rows(f)[0]!.tool_args as Record<string, unknown>;
    expect(args.password).toBe("[REDACTED]");
    expect((args.nested as Record<string, unknown>).api_key).toBe("[REDACTED]");
  });

  test("records a digest instead of arguments with arguments: digest, and nothing with none", async () => {
    const f1 = file();
    const d = open(f1, { arguments: "digest" });
    d.record(auditEvent({ args: { path: "/a" } }));
    await d.close();
    const r1 = rows(f1)[0]!;
    expect(r1.tool_args).toBeUndefined();
    expect(r1.args_digest).toBe(`sha256:${new Bun.CryptoHasher("sha256").update('{"path":"/a"}').digest("hex")}`);
    const f2 = file();
    const none = open(f2, { arguments: "none" });
    none.record(auditEvent({ args: { path: "/a" } }));
    await none.close();
    expect(rows(f2)[0]).not.toHaveProperty("tool_args");
    expect(rows(f2)[0]).not.toHaveProperty("args_digest");
  });

  test("creates the database readable by its owner only", async () => {
    const f = file();
    const log = open(f);
    log.record(auditEvent());
    await log.close();
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  test("records a note instead of the arguments of a message over max_args_bytes", async () => {
    const f = file();
    const log = open(f, { max_args_bytes: 1024 });
    const ev = auditEvent({ args: { blob: "y".repeat(5000) } });
    log.record({ ...ev, ctx: { ...ev.ctx, size: 5100 } });
    await log.close();
    const r = rows(f)[0]!;
    expect(r.tool_args).toBeUndefined();
    expect(r.args_note).toBe("omitted: message larger than 1024 bytes");
    expect(r.size).toBe(5100);
  });

  test("keeps only the labels named in label_claims", async () => {
    const f = file();
    const log = open(f, { label_claims: ["team"] });
    log.record(auditEvent({ identity: ALICE }));
    await log.close();
    expect(rows(f)[0]!.labels).toEqual({ team: "red" });
  });

  test("flush commits everything queued before it", async () => {
    const f = file();
    const log = open(f, { batch_ms: 1000, batch_size: 100_000 });
    await log.ready;
    for (let i = 0; i < 500; i++) log.record(auditEvent({ id: i }));
    await log.flush();
    expect(rows(f).length).toBe(500);
    expect(log.depth).toBe(0);
    await log.close();
  });

  test("groups commits every 10 ms by default (the writer's CPU per record, see docs/audit.md)", () => {
    expect(AuditSchema.parse({}).batch_ms).toBe(10);
  });

  test("a full group is committed at once, without waiting out batch_ms", async () => {
    const f = file();
    const log = open(f, { batch_ms: 1000, batch_size: 10 });
    await log.ready;
    log.record(auditEvent({ id: 0 }));
    await Bun.sleep(20); // the writer has started collecting a group and sleeps until batch_ms
    // Ten records fill the group; the eleventh starts the next one. Committed at once, the ten
    // show up on their own; waiting out batch_ms would commit all eleven together.
    for (let i = 1; i < 11; i++) log.record(auditEvent({ id: i }));
    const seen = new Set<number>();
    for (let k = 0; k < 1000 && !seen.has(11); k++) {
      seen.add(rows(f).length);
      await Bun.sleep(5);
    }
    expect([...seen].filter((c) => c > 0)).toEqual([10, 11]);
    await log.close();
  });

  test("a large group committed on its deadline alone (no flush, no full group) is whole and in order", async () => {
    const f = file();
    const jf = join(dir, `deadline${n}.jsonl`);
    const log = new AuditLog({
      file: f,
      audit: AuditSchema.parse({ batch_ms: 50, batch_size: 100_000 }),
      blockOnFailure: true,
      jsonl: jf,
      logger: silentLogger,
    });
    await log.ready;
    // No flush and no full group: only the deadline commits them.
    for (let i = 0; i < 3000; i++) log.record(auditEvent({ id: i }));
    for (let k = 0; k < 1000 && log.depth > 0; k++) await Bun.sleep(10);
    expect(log.depth).toBe(0);
    const rs = rows(f);
    expect(rs.map((r) => Number(r.id))).toEqual([...Array(3000).keys()]);
    expect(rs.map((r) => r.seq)).toEqual([...Array(3000).keys()].map((i) => i + 1));
    await log.close();
    expect(await verifyDb(f)).toMatchObject({ ok: true, count: 3000 });
    expect(await verifyJsonl(jf)).toMatchObject({ ok: true, count: 3000 });
  });

  test("chains the records of several writers sharing one database into one log", async () => {
    const f = file();
    const jf = join(dir, `shared${n}.jsonl`);
    const mk = () =>
      new AuditLog({
        file: f,
        audit: AuditSchema.parse({ batch_ms: 1 }),
        blockOnFailure: true,
        jsonl: jf,
        logger: silentLogger,
      });
    const a = mk();
    const b = mk();
    await Promise.all([a.ready, b.ready]);
    for (let i = 0; i < 300; i++) {
      a.record(auditEvent({ id: i, tool: "from_a" }));
      b.record(auditEvent({ id: i, tool: "from_b" }));
      if (i % 50 === 0) await Promise.all([a.flush(), b.flush()]);
    }
    await Promise.all([a.close(), b.close()]);
    const v = await verifyDb(f);
    expect(v).toMatchObject({ ok: true, count: 600 });
    const rs = rows(f);
    expect(rs.filter((r) => r.tool_name === "from_a").length).toBe(300);
    expect(rs.filter((r) => r.tool_name === "from_b").length).toBe(300);
    expect(await verifyJsonl(jf)).toMatchObject({ ok: true, count: 600 });
  });

  test("continues the chain across restarts", async () => {
    const f = file();
    for (let round = 0; round < 3; round++) {
      const log = open(f);
      await log.ready;
      for (let i = 0; i < 10; i++) log.record(auditEvent({ id: i }));
      await log.close();
    }
    const v = await verifyDb(f);
    expect(v).toMatchObject({ ok: true, count: 30, lastSeq: 30 });
  });
});

describe("checkpoints from the writer", () => {
  test("signs a checkpoint on close that a third party verifies with only the public key", async () => {
    const keys = await generateCheckpointKeys();
    const keyFile = join(dir, "cp.key");
    const pubFile = join(dir, "cp.pub");
    writeFileSync(keyFile, keys.privatePem);
    writeFileSync(pubFile, keys.publicPem);
    const f = file();
    const log = open(f, { checkpoint_key: keyFile, checkpoint_interval: "1h" });
    for (let i = 0; i < 12; i++) log.record(auditEvent({ id: i }));
    await log.close();
    const v = await verifyDb(f, { publicKeys: [await loadPublicKey(pubFile)] });
    expect(v).toMatchObject({ ok: true, count: 12, checkpoints: 1, checkpointsVerified: 1 });
  });
});

describe("when the database cannot be written", () => {
  const unwritable = () => {
    // The database's parent is a regular file: nothing can be created there, even by root.
    const blocker = join(dir, `blocker${++n}`);
    writeFileSync(blocker, "not a directory");
    return join(blocker, "audit.db");
  };

  test("on_failure block refuses traffic from the first message", async () => {
    const log = open(unwritable(), {}, true);
    expect(await log.ready).toBe(false);
    expect(log.failing).toBe(true);
    expect(log.refusing).toBe(true);
    await log.close();
  });

  test("on_failure continue lets traffic flow, reports it in metrics, and bounds the queue", async () => {
    const log = open(unwritable(), { queue_max: 16 }, false);
    expect(await log.ready).toBe(false);
    expect(log.refusing).toBe(false);
    const accepted = Array.from({ length: 40 }, (_, i) => log.record(auditEvent({ id: i }))).filter(Boolean).length;
    expect(accepted).toBe(16);
    const text = renderPrometheus();
    expect(text).toContain("mcpgw_audit_failing 1");
    expect(text).toMatch(/mcpgw_audit_dropped_total\{reason="queue_full"\} \d+/);
    await log.close();
  });

  test("a full queue refuses traffic with on_failure block", async () => {
    const log = open(unwritable(), { queue_max: 16 }, true);
    await log.ready;
    for (let i = 0; i < 16; i++) log.record(auditEvent({ id: i }));
    expect(log.refusing).toBe(true);
    await log.close();
  });

  const hasChattr =
    Bun.spawnSync({ cmd: ["sh", "-c", `t=$(mktemp) && chattr +i "$t" && chattr -i "$t" && rm "$t"`] }).exitCode === 0;
  test.skipIf(!hasChattr)("recovers after a write failure without losing or reordering records", async () => {
    const f = file();
    const log = open(f, { batch_ms: 1 }, true);
    await log.ready;
    for (let i = 0; i < 10; i++) log.record(auditEvent({ id: i }));
    await log.flush();
    const wal = `${f}-wal`;
    expect(readdirSync(dir)).toContain(`l${n}.db-wal`);
    expect(Bun.spawnSync({ cmd: ["chattr", "+i", wal] }).exitCode).toBe(0);
    try {
      for (let i = 10; i < 20; i++) log.record(auditEvent({ id: i }));
      for (let i = 0; i < 200 && !log.failing; i++) await Bun.sleep(5);
      expect(log.failing).toBe(true);
      expect(log.refusing).toBe(true);
    } finally {
      Bun.spawnSync({ cmd: ["chattr", "-i", wal] });
    }
    for (let i = 0; i < 400 && log.failing; i++) await Bun.sleep(5);
    expect(log.failing).toBe(false);
    await log.close();
    const v = await verifyDb(f);
    expect(v).toMatchObject({ ok: true, count: 20 });
    expect(rows(f).map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });
});

describe("createAuditSink", () => {
  test("turns off the database with audit.enabled false but still counts decisions", async () => {
    const cfg = ConfigSchema.parse({ audit: { enabled: false } });
    const sink = await createAuditSink(cfg, silentLogger);
    expect(sink.record(auditEvent({ method: "tools/call", action: "block", rule: "r" }))).toBe(true);
    expect(sink.refusing).toBe(false);
    await sink.close();
    expect(renderPrometheus()).toMatch(
      /mcpgw_messages_total\{direction="c2s",method="tools\/call",action="block",interceptor="policy"\} \d+/,
    );
  });

  test("defaults on_failure to block in enforce mode and continue in audit mode", async () => {
    const blocker = join(dir, "blocker-mode");
    writeFileSync(blocker, "x");
    const enforce = await createAuditSink(
      ConfigSchema.parse({ mode: "enforce", audit: { db: join(blocker, "a.db") } }),
      silentLogger,
    );
    expect(enforce.refusing).toBe(true);
    await enforce.close();
    const audit = await createAuditSink(
      ConfigSchema.parse({ mode: "audit", audit: { db: join(blocker, "a.db") } }),
      silentLogger,
    );
    expect(audit.refusing).toBe(false);
    await audit.close();
  });
});
