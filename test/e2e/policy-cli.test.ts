/**
 * `mcpgw policy …` as a user runs it. Real: `bun src/main.ts policy SUB …` spawned as a process,
 * real policy files under test/fixtures/policy, and for replay a real SQLite audit database
 * written through the audit log's own writer in a temp dir. Validate's messages are golden files.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { UnchainedRecord } from "../../src/audit/finalize.ts";
import { AuditWriter } from "../../src/audit/store.ts";
import { defaultPolicy, PolicySchema } from "../../src/interceptors/policy/index.ts";
import { FIXTURES, isolatedEnv, runMcpgw, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);
const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());
const env = () => isolatedEnv(dir.path);
const P = (name: string) => join(FIXTURES, "policy", name);
const rel = (name: string) => `test/fixtures/policy/${name}`;

describe("policy validate", () => {
  test("a valid policy is reported ok with its rule count and exit 0", async () => {
    const r = await runMcpgw(["policy", "validate", rel("reference.yaml")], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${rel("reference.yaml")}: ok (5 rules, 0 warnings)\n`);
  });

  test("errors are printed with file:line:col and exit 2 (golden)", async () => {
    const r = await runMcpgw(["policy", "validate", rel("invalid.yaml")], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(readFileSync(P("invalid.expected"), "utf8"));
  });

  test("shadowed rules and never-matching patterns are warnings with file:line:col (golden)", async () => {
    const r = await runMcpgw(["policy", "validate", rel("warnings.yaml")], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(P("warnings.expected"), "utf8"));
  });

  test("--strict turns warnings into exit 1", async () => {
    const r = await runMcpgw(["policy", "validate", "--strict", rel("warnings.yaml")], env());
    expect(r.code).toBe(1);
  });

  test("the original README's policy validates unchanged", async () => {
    const r = await runMcpgw(["policy", "validate", rel("original-readme.yaml")], env());
    expect(r.code).toBe(0);
  });
});

describe("policy test", () => {
  test("mcpgw cases pass and exit 0", async () => {
    const r = await runMcpgw(["policy", "test", rel("reference.yaml"), rel("cases.yaml")], env());
    expect(r.stdout).toContain("7 passed, 0 failed, 7 total");
    expect(r.code).toBe(0);
  });

  test("the original's scenario format works", async () => {
    const r = await runMcpgw(["policy", "test", rel("original-readme.yaml"), rel("scenarios.yaml")], env());
    expect(r.stdout).toContain("3 passed, 0 failed, 3 total");
    expect(r.code).toBe(0);
  });

  test("expected: is accepted as the expected decision too", async () => {
    const cases = join(dir.path, "expected.yaml");
    writeFileSync(cases, "cases:\n  - name: ping passes\n    method: ping\n    expected: allow\n");
    const r = await runMcpgw(["policy", "test", rel("reference.yaml"), cases], env());
    expect(r.stdout).toContain("[1] PASS ping passes: expect=allow actual=allow");
    expect(r.code).toBe(0);
  });

  test("a mismatch is reported as FAIL and exits 1", async () => {
    const cases = join(dir.path, "wrong.yaml");
    writeFileSync(
      cases,
      "cases:\n  - name: wrongly expected\n    method: tools/call\n    params: { name: read_file, arguments: { path: /etc/shadow } }\n    expect: allow\n",
    );
    const r = await runMcpgw(["policy", "test", rel("reference.yaml"), cases], env());
    expect(r.stdout).toContain('[1] FAIL wrongly expected: expect=allow actual=deny rule="deny-secret-files"');
    expect(r.code).toBe(1);
  });

  test("a cases file with an unknown key is a usage error with its position", async () => {
    const cases = join(dir.path, "bad.yaml");
    writeFileSync(cases, "cases:\n  - name: x\n    method: ping\n    outcome: allow\n");
    const r = await runMcpgw(["policy", "test", rel("reference.yaml"), cases], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cases}:4:5`);
  });
});

describe("policy diff", () => {
  test("identical policies: no differences, exit 0", async () => {
    const r = await runMcpgw(["policy", "diff", rel("reference.yaml"), rel("reference.yaml")], env());
    expect(r.stdout).toBe("no differences\n");
    expect(r.code).toBe(0);
  });

  test("added, removed and changed rules are listed and exit 1", async () => {
    const changed = join(dir.path, "changed.yaml");
    const src = readFileSync(P("original-readme.yaml"), "utf8")
      .replace('"*sudo*", ', "")
      .replace("name: admin-full-access", "name: admins")
      .replace("mode: enforce", "mode: audit");
    writeFileSync(changed, src);
    const r = await runMcpgw(["policy", "diff", rel("original-readme.yaml"), changed], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('~ [mode] mode: "enforce" → "audit"');
    expect(r.stdout).toContain("- [rule] admin-full-access: action=allow");
    expect(r.stdout).toContain("+ [rule] admins: action=allow at position 1");
    expect(r.stdout).toContain("~ [rule] block-dangerous-exec: arguments:");
    expect(r.stdout).toContain("4 differences (added=1, removed=1, changed=2)");
  });
});

describe("policy replay", () => {
  test("recorded traffic is re-decided and the decisions that would change are listed, exit 1", async () => {
    const db = join(dir.path, "audit.db");
    const writer = new AuditWriter({ file: db, synchronous: "normal" });
    const base = { timestamp: "2026-11-24T10:00:00.000Z", direction: "c2s" as const, size: 10, subject: "alice" };
    const records: UnchainedRecord[] = [
      {
        ...base,
        kind: "request",
        method: "tools/call",
        tool_name: "read_file",
        tool_args: { path: "/etc/passwd" },
        action: "pass",
        decided_by: "policy",
        rule: "default-allow",
      },
      {
        ...base,
        kind: "request",
        method: "tools/call",
        tool_name: "read_file",
        tool_args: { path: "src/a.ts" },
        action: "pass",
        decided_by: "policy",
        rule: "default-allow",
      },
      {
        ...base,
        kind: "request",
        method: "tools/call",
        tool_name: "exec_command",
        tool_args: { command: "ls" },
        action: "block",
        decided_by: "policy",
        rule: "block-dangerous-exec",
      },
      {
        ...base,
        kind: "request",
        method: "tools/call",
        tool_name: "echo",
        tool_args: { text: "x" },
        action: "block",
        decided_by: "ratelimit",
        rule: "rate",
      },
      { ...base, kind: "response", method: "tools/call", tool_name: "echo", action: "pass" },
    ];
    writer.append(records);
    writer.close();

    const r = await runMcpgw(["policy", "replay", rel("reference.yaml"), "--audit", db], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "#1 2026-11-24T10:00:00.000Z alice tools/call read_file: allow (default-allow) → deny (deny-secret-files)",
    );
    expect(r.stdout).toContain(
      "#3 2026-11-24T10:00:00.000Z alice tools/call exec_command: deny (block-dangerous-exec) → allow (allow-everything-else)",
    );
    expect(r.stdout).toContain("3 replayed, 2 would change, 1 skipped");

    const j = await runMcpgw(["policy", "replay", rel("reference.yaml"), "--audit", db, "--json"], env());
    const out = JSON.parse(j.stdout) as { replayed: number; changed: number; changes: { seq: number }[] };
    expect(out.changes.map((c) => c.seq)).toEqual([1, 3]);

    const recorded = join(dir.path, "recorded.yaml");
    writeFileSync(
      recorded,
      "version: v1\nrules:\n  - name: block-dangerous-exec\n    match: { tools: [exec_*] }\n    action: deny\n  - name: default-allow\n    action: allow\n",
    );
    const same = await runMcpgw(["policy", "replay", recorded, "--audit", db], env());
    expect(same.stdout).toContain("0 would change");
    expect(same.code).toBe(0);
  });

  test("a file that is not an audit database is a clear usage error", async () => {
    const r = await runMcpgw(["policy", "replay", rel("reference.yaml"), "--audit", P("cases.yaml")], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not an mcpgw audit database");
  });
});

describe("policy default", () => {
  test("prints the built-in policy, which loads and equals the one that runs", async () => {
    const r = await runMcpgw(["policy", "default"], env());
    expect(r.code).toBe(0);
    expect(PolicySchema.parse(parse(r.stdout))).toEqual(defaultPolicy());
  });

  test("an unknown subcommand is a usage error", async () => {
    const r = await runMcpgw(["policy", "frobnicate"], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown policy subcommand "frobnicate"');
  });
});
