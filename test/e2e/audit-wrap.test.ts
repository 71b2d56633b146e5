/**
 * Real `mcpgw wrap` processes (src/main.ts) around the real SDK fixture server, driven by a raw
 * NDJSON client over real pipes; the audit database is a real SQLite file in a temp dir, opened
 * afterwards with bun:sqlite and checked with the real `mcpgw audit verify`. Signals are real.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openForRead, rowToRecord } from "../../src/audit/store.ts";
import { ErrorCode } from "../../src/jsonrpc/errors.ts";
import { echoCall, INIT, INITIALIZED, isolatedEnv, MAIN, spawnWrap } from "../helpers/wrap-client.ts";

setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "mcpgw-audit-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbFile = () => join(dir, `w${++n}.db`);

function records(f: string) {
  const db = openForRead(f);
  const rows = (db.query("SELECT * FROM records ORDER BY seq").all() as Record<string, unknown>[]).map(rowToRecord);
  db.close();
  return rows;
}

function verify(f: string, ...args: string[]) {
  const p = Bun.spawnSync({
    cmd: [process.execPath, MAIN, "audit", "verify", f, ...args],
    stdout: "pipe",
    stderr: "pipe",
    env: isolatedEnv(),
  });
  return { code: p.exitCode, out: p.stdout.toString() };
}

const POLICY = join(dir, "policy.yaml");
writeFileSync(
  POLICY,
  `version: v1
rules:
  - name: no-exec
    match: { tools: ["exec_*"] }
    action: deny
  - name: allow-rest
    match: { methods: ["*"] }
    action: allow
`,
);

describe("audit through mcpgw wrap", () => {
  test("a frame skipped for its size is audited as a refusal, with its size and never its content", async () => {
    const db = dbFile();
    await using c = spawnWrap(["--audit-db", db, "--policy", POLICY], { MCPGW_MAX_FRAME_BYTES: "4096" });
    c.send(INIT);
    await c.response(0);
    c.send(echoCall(1, "z".repeat(10_000)));
    expect(await c.response(1)).toMatchObject({ error: { code: ErrorCode.MESSAGE_TOO_LARGE } });
    expect(await c.end()).toBe(0);
    const refused = records(db).filter((r) => r.action === "block");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ direction: "c2s", decided_by: "gateway" });
    expect(String(refused[0]!.reason)).toMatch(/exceeds the size limit of 4096 bytes/);
    expect(JSON.stringify(refused[0])).not.toContain("zzzz");
  });

  test("records one decision per message, with the chain intact", async () => {
    const db = dbFile();
    await using c = spawnWrap(["--audit-db", db, "--policy", POLICY]);
    c.send(INIT);
    await c.response(0);
    c.send(INITIALIZED);
    c.send(echoCall(1, "hello"));
    expect(await c.response(1)).toMatchObject({ result: { content: [{ type: "text", text: "hello" }] } });
    c.send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "exec_command", arguments: { cmd: "rm -rf /" } },
    });
    expect(await c.response(2)).toHaveProperty("error");
    expect(await c.end()).toBe(0);

    const rs = records(db);
    const summary = rs.map((r) => [r.direction, r.method, r.action]);
    expect(summary).toEqual([
      ["c2s", "initialize", "pass"],
      ["s2c", "initialize", "pass"],
      ["c2s", "notifications/initialized", "pass"],
      ["c2s", "tools/call", "pass"],
      ["s2c", "tools/call", "pass"],
      ["c2s", "tools/call", "block"],
    ]);
    expect(rs[3]).toMatchObject({ tool_name: "echo", tool_args: { text: "hello" }, id: "1", upstream: "stdio" });
    expect(rs[4]!.latency_ms).toBeGreaterThan(0);
    expect(rs[5]).toMatchObject({ tool_name: "exec_command", decided_by: "policy", rule: "no-exec" });
    const v = verify(db);
    expect(v.code).toBe(0);
    expect(v.out).toContain("6 records");
  });

  test("SIGTERM under load loses no record: every message judged is in the database", async () => {
    const db = dbFile();
    await using c = spawnWrap(["--audit-db", db]);
    c.send(INIT);
    await c.response(0);
    c.send(INITIALIZED);
    const total = 3000;
    for (let i = 1; i <= total; i++) c.send(echoCall(i));
    await c.waitForResponses(300);
    c.proc.kill("SIGTERM");
    await c.proc.exited;
    // Everything that came out of the gateway was judged, and so was every request it forwarded.
    const responses = c.received.filter((m) => typeof m.id === "number" && (m.id as number) > 0);
    const rs = records(db);
    const s2c = rs.filter((r) => r.direction === "s2c" && r.method === "tools/call");
    const c2s = rs.filter((r) => r.direction === "c2s" && r.method === "tools/call");
    expect(responses.length).toBeGreaterThanOrEqual(300);
    expect(s2c.length).toBe(responses.length);
    expect(new Set(s2c.map((r) => r.id))).toEqual(new Set(responses.map((m) => String(m.id))));
    // Every request the gateway forwarded was answered (by the server, or with an error when it exited).
    expect(new Set(c2s.map((r) => r.id))).toEqual(new Set(s2c.map((r) => r.id)));
    expect(verify(db).code).toBe(0);
  });

  test("after SIGKILL under load the database opens cleanly and verifies", async () => {
    const db = dbFile();
    const c = spawnWrap(["--audit-db", db]);
    c.send(INIT);
    await c.response(0);
    for (let i = 1; i <= 3000; i++) c.send(echoCall(i));
    await c.waitForResponses(500);
    c.proc.kill("SIGKILL");
    await c.proc.exited;
    const raw = new Database(db);
    expect((raw.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    raw.close();
    const v = verify(db);
    expect(v.code).toBe(0);
    const count = records(db).length;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(2 * 3000 + 2);
    // A restarted gateway continues the same chain.
    await using again = spawnWrap(["--audit-db", db]);
    again.send(INIT);
    await again.response(0);
    expect(await again.end()).toBe(0);
    expect(verify(db).code).toBe(0);
    expect(records(db).length).toBe(count + 2);
  });

  test("two wrap processes sharing one database write one chain that verifies", async () => {
    const db = dbFile();
    await using a = spawnWrap(["--audit-db", db]);
    await using b = spawnWrap(["--audit-db", db]);
    for (const c of [a, b]) c.send(INIT);
    await Promise.all([a.response(0), b.response(0)]);
    for (let i = 1; i <= 300; i++) {
      a.send(echoCall(i));
      b.send(echoCall(i));
    }
    await Promise.all([a.waitForResponses(301), b.waitForResponses(301)]);
    expect(await a.end()).toBe(0);
    expect(await b.end()).toBe(0);
    const v = verify(db);
    expect(v.code).toBe(0);
    expect(v.out, `${v.out}\n${a.stderr()}\n${b.stderr()}`).toContain(`${2 * (2 + 600)} records`);
    expect(new Set(records(db).map((r) => r.session_id)).size).toBe(2);
  });

  test("an unwritable database refuses traffic with on_failure block", async () => {
    const blocker = join(dir, "not-a-dir");
    writeFileSync(blocker, "x");
    await using c = spawnWrap(["--audit-db", join(blocker, "audit.db")]);
    c.send(INIT);
    const r = await c.response(0);
    expect(r).toMatchObject({ error: { code: ErrorCode.AUDIT_UNAVAILABLE } });
    await c.end();
    expect(c.stderr()).toContain("audit log open failed");
  });

  test("an unwritable database lets traffic through with on_failure continue, and says so", async () => {
    const blocker = join(dir, "not-a-dir-2");
    writeFileSync(blocker, "x");
    const cfg = join(dir, "continue.yaml");
    writeFileSync(cfg, "audit:\n  on_failure: continue\n");
    await using c = spawnWrap(["--audit-db", join(blocker, "audit.db")], { MCPGW_CONFIG: cfg });
    c.send(INIT);
    expect(await c.response(0)).toHaveProperty("result");
    c.send(echoCall(1, "still flowing"));
    expect(await c.response(1)).toMatchObject({ result: { content: [{ text: "still flowing" }] } });
    await c.end();
    expect(c.stderr()).toContain("traffic continues");
  });

  test("posts a block alert to the configured webhook", async () => {
    const hits: Record<string, unknown>[] = [];
    const { promise: hit, resolve } = Promise.withResolvers<void>();
    using hook = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        hits.push((await req.json()) as Record<string, unknown>);
        resolve();
        return new Response(null, { status: 204 });
      },
    });
    const cfg = join(dir, "alerting.yaml");
    writeFileSync(cfg, `policy: ${POLICY}\nalerting:\n  webhook_url: http://127.0.0.1:${hook.port}/alerts\n`);
    await using c = spawnWrap(["--audit-db", dbFile()], { MCPGW_CONFIG: cfg });
    c.send(INIT);
    await c.response(0);
    c.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "exec_command", arguments: { cmd: "id" } } });
    await c.response(1);
    await Promise.race([hit, Bun.sleep(10_000)]);
    await c.end();
    expect(hits).toEqual([
      expect.objectContaining({
        rule_name: "no-exec",
        tool_name: "exec_command",
        method: "tools/call",
        decided_by: "policy",
      }),
    ]);
  });

  test("serves the decisions it made as Prometheus metrics on metrics.addr", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = probe.port;
    probe.stop(true);
    const cfg = join(dir, "metrics.yaml");
    writeFileSync(cfg, `policy: ${POLICY}\nmetrics:\n  addr: 127.0.0.1:${port}\n`);
    await using c = spawnWrap(["--audit-db", dbFile()], { MCPGW_CONFIG: cfg });
    c.send(INIT);
    await c.response(0);
    c.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "exec_command", arguments: { cmd: "id" } } });
    await c.response(1);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain(
      'mcpgw_messages_total{direction="c2s",method="tools/call",action="block",interceptor="policy"} 1',
    );
    expect(text).toContain(
      'mcpgw_messages_total{direction="s2c",method="initialize",action="pass",interceptor="none"} 1',
    );
    expect(text).toMatch(/mcpgw_audit_records_total \d+/);
    await c.end();
  });

  test("an unusable checkpoint key is a configuration error with exit code 2", async () => {
    const cfg = join(dir, "badkey.yaml");
    writeFileSync(join(dir, "junk.pem"), "not a key");
    writeFileSync(cfg, `audit:\n  checkpoint_key: ${join(dir, "junk.pem")}\n`);
    await using c = spawnWrap(["--audit-db", dbFile()], { MCPGW_CONFIG: cfg });
    expect(await c.proc.exited).toBe(2);
    for (let i = 0; i < 100 && !c.stderr().includes("audit.checkpoint_key"); i++) await Bun.sleep(20);
    expect(c.stderr()).toContain("audit.checkpoint_key");
  });

  test("--no-audit writes no database", async () => {
    const db = dbFile();
    await using c = spawnWrap(["--no-audit"], { MCPGW_AUDIT_DB: db });
    c.send(INIT);
    await c.response(0);
    expect(await c.end()).toBe(0);
    expect(await Bun.file(db).exists()).toBe(false);
  });

  test("MCPGW_AUDIT_DB chooses the database when no flag is given", async () => {
    const db = dbFile();
    await using c = spawnWrap([], { MCPGW_AUDIT_DB: db });
    c.send(INIT);
    await c.response(0);
    expect(await c.end()).toBe(0);
    expect(records(db).length).toBe(2);
  });
});
