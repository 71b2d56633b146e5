/**
 * Real path: the mcpgw CLI (`wrap`) between a raw NDJSON client and the real MCP SDK
 * poisoned-fixture server, with real config files and the real SQLite audit log read back with
 * `mcpgw audit export`. Checks what the client receives in enforce and audit mode, that a
 * quarantined tool never reaches the server, and that plugin config errors carry file:line:col.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NdjsonPeer } from "../helpers/ndjson-peer.ts";

const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const POISONED = join(ROOT, "test/fixtures/servers/poisoned-fixture.ts");
const dir = mkdtempSync(join(tmpdir(), "mcpgw-detect-"));
let n = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  peer: NdjsonPeer;
  db: string;
  calls: string;
}

async function start(configYaml?: string): Promise<Run> {
  const id = ++n;
  const db = join(dir, `audit-${id}.db`);
  const calls = join(dir, `calls-${id}.log`);
  const args = ["bun", MAIN, "wrap", "--audit-db", db];
  if (configYaml !== undefined) {
    const file = join(dir, `config-${id}.yaml`);
    writeFileSync(file, configYaml);
    args.push("-c", file);
  }
  args.push("--", "bun", POISONED);
  const peer = new NdjsonPeer(args, { ...process.env, HOME: dir, MCPGW_CONFIG: "", POISONED_CALL_LOG: calls });
  await peer.initialize();
  return { peer, db, calls };
}

async function auditOf(
  db: string,
): Promise<{ action: string; method?: string; rule?: string; findings?: { signal: string }[] }[]> {
  const proc = Bun.spawn(["bun", MAIN, "audit", "export", db, "--decided-by", "injection", "--format", "jsonl"], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, HOME: dir, MCPGW_CONFIG: "" },
  });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  return out
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

const texts = (r: { result?: Record<string, unknown> }) =>
  ((r.result?.content ?? []) as { text: string }[]).map((c) => c.text);
const count = (r: { result?: Record<string, unknown> }) => ((r.result?.tools ?? []) as unknown[]).length;
const names = (tools: unknown) => (tools as { name: string }[]).map((t) => t.name).sort();

describe("injection interceptor through mcpgw wrap", () => {
  test("with no config, poisoned tools are removed from tools/list, the rest pass, and findings are audited", async () => {
    const { peer, db } = await start();
    const r = await peer.request("tools/list", {});
    expect(names(r.result?.tools)).toEqual(["add", "echo_result"]);
    expect(await peer.close()).toBe(0);
    const records = await auditOf(db);
    const listing = records.find((x) => x.rule === "tool_poisoning");
    expect(listing?.action).toBe("modify");
    const signals = listing?.findings?.map((f) => f.signal) ?? [];
    expect(signals).toContain("read_sensitive_file");
    expect(signals).toContain("carrier_unicode_tags");
  }, 60_000);

  test("a call to a quarantined tool is refused and never reaches the server; clean tools still work", async () => {
    const { peer, calls } = await start();
    await peer.request("tools/list", {});
    const refused = await peer.request("tools/call", { name: "fetch_weather", arguments: { city: "Oslo" } });
    expect(refused.error?.message).toContain("quarantined");
    const ok = await peer.request("tools/call", { name: "add", arguments: { a: 2, b: 3 } });
    expect(texts(ok)[0]).toBe("5");
    expect(await peer.close()).toBe(0);
    expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual(["add"]);
  }, 60_000);

  test("an injected tool result has only its offending content replaced with a notice", async () => {
    const { peer } = await start();
    const r = await peer.request("tools/call", { name: "echo_result", arguments: { id: "q3" } });
    const content = r.result?.content as { type: string; text: string }[];
    expect(content).toHaveLength(2);
    expect(content[0]?.text).toBe("Quarterly report: revenue grew 4%.");
    expect(content[1]?.text).toContain("mcpgw removed this content: possible prompt injection");
    expect(content[1]?.text).not.toContain("API keys");
    await peer.close();
  }, 60_000);

  test("tool_results: block turns an injected result into a tool error", async () => {
    const { peer } = await start("plugins:\n  - name: injection\n    config:\n      tool_results: block\n");
    const r = await peer.request("tools/call", { name: "echo_result", arguments: { id: "q3" } });
    expect(r.result?.isError).toBe(true);
    expect(texts(r)[0]).toContain("Prompt injection detected");
    await peer.close();
  }, 60_000);

  test("in audit mode everything passes unchanged and the findings are recorded as would_block", async () => {
    const { peer, db, calls } = await start("mode: audit\n");
    const list = await peer.request("tools/list", {});
    expect(names(list.result?.tools)).toEqual(["add", "echo_result", "fetch_weather", "lookup", "send_note"]);
    const result = await peer.request("tools/call", { name: "echo_result", arguments: { id: "q3" } });
    expect(texts(result)[1]).toContain("Ignore all previous instructions");
    const call = await peer.request("tools/call", { name: "fetch_weather", arguments: { city: "Oslo" } });
    expect(call.error).toBeUndefined();
    expect(await peer.close()).toBe(0);
    expect(readFileSync(calls, "utf8")).toContain("fetch_weather");
    const records = await auditOf(db);
    expect(records.filter((x) => x.action === "would_block").map((x) => x.rule)).toEqual(
      expect.arrayContaining(["tool_poisoning", "content_injection"]),
    );
  }, 60_000);

  test("the plugin's own mode: audit records without acting while the gateway enforces", async () => {
    const { peer } = await start("plugins:\n  - name: injection\n    config:\n      mode: audit\n");
    const list = await peer.request("tools/list", {});
    expect(count(list)).toBe(5);
    await peer.close();
  }, 60_000);

  test("enabled: false turns detection off", async () => {
    const { peer, db } = await start("plugins:\n  - name: injection\n    enabled: false\n");
    const list = await peer.request("tools/list", {});
    expect(count(list)).toBe(5);
    await peer.close();
    expect(existsSync(db) ? await auditOf(db) : []).toEqual([]);
  }, 60_000);

  test("a misspelt injection config key is a config error with file:line:col and exit 2", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "plugins:\n  - name: injection\n    config:\n      treshold: 0.5\n");
    const proc = Bun.spawn(["bun", MAIN, "wrap", "-c", file, "--", "bun", POISONED], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, HOME: dir, MCPGW_CONFIG: "" },
    });
    const stderr = await new Response(proc.stderr).text();
    expect(await proc.exited).toBe(2);
    expect(stderr).toContain(`${file}:4:7`);
    expect(stderr).toContain("treshold");
  }, 60_000);

  test("an unknown plugin name is a config error at its line", async () => {
    const file = join(dir, "bad-name.yaml");
    writeFileSync(file, "plugins:\n  - name: injektion\n");
    const proc = Bun.spawn(["bun", MAIN, "wrap", "-c", file, "--", "bun", POISONED], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, HOME: dir, MCPGW_CONFIG: "" },
    });
    const stderr = await new Response(proc.stderr).text();
    expect(await proc.exited).toBe(2);
    expect(stderr).toContain(`${file}:2:`);
  }, 60_000);
});
