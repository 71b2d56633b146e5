/**
 * Real `mcpgw proxy` process (src/main.ts) in front of the real SDK 1.x HTTP fixture, a real SDK
 * client over Streamable HTTP on 127.0.0.1; the audit database is a real SQLite file, checked
 * afterwards with bun:sqlite and the real `mcpgw audit verify`. SIGTERM is a real signal.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { openForRead, rowToRecord } from "../../src/audit/store.ts";
import { type Running, startFixture } from "../helpers/http-proxy.ts";
import { isolatedEnv, runMcpgw, spawnMcpgw, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

const home = tempDir("mcpgw-audit-proxy-");
let fixture: Running;
beforeAll(async () => {
  fixture = await startFixture(home.path);
});
afterAll(async () => {
  await fixture?.[Symbol.asyncDispose]();
  home[Symbol.dispose]();
});

function records(f: string) {
  const db = openForRead(f);
  const rows = (db.query("SELECT * FROM records ORDER BY seq").all() as Record<string, unknown>[]).map(rowToRecord);
  db.close();
  return rows;
}

async function startGateway(db: string, extraConfig = "") {
  const cfg = join(home.path, `proxy-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(cfg, `upstream: ${fixture.url}\n${extraConfig}`);
  const proc = spawnMcpgw(
    ["proxy", "--listen", "127.0.0.1:0", "--config", cfg, "--audit-db", db],
    isolatedEnv(home.path),
  );
  const text = await proc.stderr.waitFor(/mcpgw: listening on (http:\/\/\S+)/);
  return { proc, url: /mcpgw: listening on (http:\/\/\S+)/.exec(text)![1]! };
}

describe("audit through mcpgw proxy", () => {
  test("records every message decision of an SDK session and the chain verifies", async () => {
    const db = join(home.path, "proxy.db");
    const policy = join(home.path, "policy.yaml");
    writeFileSync(
      policy,
      'version: v1\nrules:\n  - name: no-exec\n    match: { tools: ["exec_*"] }\n    action: deny\n  - name: rest\n    match: { methods: ["*"] }\n    action: allow\n',
    );
    const gw = await startGateway(db, `policy: ${policy}\n`);
    const client = new Client({ name: "audit-e2e", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    await client.callTool({ name: "echo", arguments: { text: "through the proxy" } });
    await expect(client.callTool({ name: "exec_command", arguments: { cmd: "id" } })).rejects.toThrow();
    await client.close();
    gw.proc.proc.kill("SIGTERM");
    expect(await gw.proc.exit()).toBe(0);

    const rs = records(db);
    const calls = rs.filter((r) => r.method === "tools/call");
    expect(calls.map((r) => [r.direction, r.tool_name, r.action])).toEqual([
      ["c2s", "echo", "pass"],
      ["s2c", "echo", "pass"],
      ["c2s", "exec_command", "block"],
    ]);
    expect(calls[0]!.tool_args).toEqual({ text: "through the proxy" });
    expect(calls[2]).toMatchObject({ decided_by: "policy", rule: "no-exec" });
    expect(rs.filter((r) => r.method === "initialize").map((r) => r.direction)).toEqual(["c2s", "s2c"]);
    // The anonymous caller's address (found lazily, when audit first reads the labels) is on
    // every record, including those of later requests that use the session's identity.
    expect(rs.length).toBeGreaterThan(5);
    for (const r of rs) expect([r.subject, r.labels?.client_address]).toEqual(["anonymous", "127.0.0.1"]);
    const v = await runMcpgw(["audit", "verify", db], isolatedEnv(home.path));
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(`${rs.length} records`);
  });

  test("SIGTERM under load loses no record of a request the proxy answered", async () => {
    const db = join(home.path, "proxy-load.db");
    const gw = await startGateway(db, "drain_timeout: 1s\n");
    const client = new Client({ name: "audit-load", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    let answered = 0;
    let stop = false;
    const workers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          await client.callTool({ name: "echo", arguments: { text: "load" } });
          answered++;
        } catch {
          return;
        }
      }
    });
    for (let i = 0; i < 400 && answered < 200; i++) await Bun.sleep(25);
    expect(answered).toBeGreaterThanOrEqual(200);
    gw.proc.proc.kill("SIGTERM");
    await gw.proc.exit();
    stop = true;
    await Promise.all(workers);
    const s2c = records(db).filter((r) => r.direction === "s2c" && r.method === "tools/call" && r.action === "pass");
    expect(s2c.length).toBeGreaterThanOrEqual(answered);
    const v = await runMcpgw(["audit", "verify", db], isolatedEnv(home.path));
    expect(v.code).toBe(0);
  });
});
