/**
 * `mcpgw policy validate|test|diff|replay|default`: work with policy files offline.
 *
 *   validate FILE…          load and check; errors and warnings with file:line:col
 *   test FILE CASES         run decision cases (mcpgw `cases:` or the original's `scenarios:`)
 *   diff OLD NEW            rules added, removed, changed; exit 1 when they differ
 *   replay FILE --audit DB  re-decide recorded traffic; report decisions that would change
 *   default                 print the built-in policy
 */
import type { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { z } from "zod";
import { QueryError, queryRecords } from "../audit/query.ts";
import type { AuditRecord } from "../audit/record.ts";
import { openForRead } from "../audit/store.ts";
import { ConfigError, formatIssue, loadYamlFile, UsageError } from "../config/index.ts";
import {
  analysePolicy,
  compilePolicy,
  DEFAULT_POLICY_YAML,
  type Decision,
  DUPLICATE_KEYS_RULE,
  diffPolicies,
  inputFromMessage,
  type Policy,
  PolicySchema,
} from "../interceptors/policy/index.ts";
import { hasConflictingDuplicateKeys } from "../jsonrpc/dupkeys.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import { type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseFlags } from "./common.ts";

const HELP = `Usage: mcpgw policy <subcommand> [options]

Subcommands:
  validate FILE…             check policy files: errors (exit 2) and warnings, with file:line:col
                             --strict: exit 1 when there are warnings
  test FILE CASES            decide each case in CASES (YAML) and compare; exit 1 on any mismatch
  diff OLD NEW               rules added, removed and changed; exit 1 when the policies differ
  replay FILE --audit DB     re-decide the requests recorded in an audit database with FILE and
                             list the decisions that would change; exit 1 when any would
                             --limit N (default 100000), --since TIME (ISO time or 24h), --json
  default                    print the built-in policy (used when no policy is configured)

Cases file (mcpgw format):
  cases:
    - name: reading /etc/shadow is denied
      method: tools/call
      params: { name: read_file, arguments: { path: /etc/shadow } }
      subject: alice            # optional; also roles: [..], upstream: NAME, direction: c2s|s2c
      expect: deny              # allow | deny (or expected:)
      rule: deny-secret-files   # optional: the deciding rule's name or id
The original mcpgw's format (scenarios: [{name, method, params: '<json>', subject, roles, expect}])
works too. A case may give the whole message as 'message: {...}' or the exact text as 'raw: ...'.

Exit status: 0 ok, 1 mismatch / difference / changed decisions, 2 usage or invalid file.`;

function loadPolicyFile(file: string): Policy {
  return loadYamlFile(file, PolicySchema, {});
}

/** file:line:col of a path in a YAML document (the deepest node that exists). */
function positionOf(src: string, path: readonly (string | number)[]): { line: number; col: number } | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lc });
  let node: unknown = doc.contents;
  let last: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
    } else break;
    if (node && typeof node === "object" && "range" in node) last = node as Node;
  }
  const off = last?.range?.[0];
  if (off === undefined) return undefined;
  return lc.linePos(off);
}

async function validate(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { strict: { type: "boolean" } }, true);
  if (positionals.length === 0) throw new UsageError("validate needs at least one policy file");
  let warnings = 0;
  let invalid = false;
  for (const file of positionals) {
    let policy: Policy;
    try {
      policy = loadPolicyFile(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      invalid = true;
      for (const i of e.issues) process.stderr.write(`${formatIssue(file, i)}\n`);
      continue;
    }
    const src = readFileSync(file, "utf8");
    const found = analysePolicy(policy);
    for (const w of found) {
      const pos = positionOf(src, w.path);
      process.stdout.write(`${pos ? `${file}:${pos.line}:${pos.col}` : file}: warning: ${w.message}\n`);
    }
    warnings += found.length;
    process.stdout.write(
      `${file}: ok (${policy.rules.length} rule${policy.rules.length === 1 ? "" : "s"}, ${found.length} warning${found.length === 1 ? "" : "s"})\n`,
    );
  }
  if (invalid) return EXIT_USAGE;
  return values.strict && warnings > 0 ? EXIT_FAILURE : EXIT_OK;
}

const CaseSchema = z.strictObject({
  name: z.string().min(1),
  method: z.string().min(1).optional(),
  params: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  message: z.record(z.string(), z.unknown()).optional(),
  raw: z.string().optional(),
  direction: z.enum(["c2s", "s2c"]).default("c2s"),
  subject: z.string().optional(),
  roles: z.array(z.string()).optional(),
  upstream: z.string().optional(),
  expect: z.enum(["allow", "deny"]).optional().describe("expected decision (the original's key)"),
  expected: z.enum(["allow", "deny"]).optional().describe("same as expect"),
  rule: z.string().optional(),
});
const CasesFileSchema = z
  .strictObject({
    cases: z.array(CaseSchema).optional(),
    scenarios: z.array(CaseSchema).optional().describe("the original mcpgw's name"),
  })
  .refine((f) => (f.cases?.length ?? 0) + (f.scenarios?.length ?? 0) > 0, "no cases: give cases: or scenarios:")
  .superRefine((f, ctx) => {
    for (const key of ["cases", "scenarios"] as const) {
      (f[key] ?? []).forEach((c, i) => {
        if ((c.expect === undefined) === (c.expected === undefined)) {
          ctx.addIssue({ code: "custom", path: [key, i], message: "give the expected decision as expect: allow|deny" });
        }
      });
    }
  });

type Case = z.infer<typeof CaseSchema>;

function caseMessage(c: Case): { msg: JsonRpcMessage; duplicateKeys: boolean } {
  if (c.raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(c.raw);
    } catch (e) {
      throw new UsageError(`case "${c.name}": raw is not JSON: ${(e as Error).message}`);
    }
    return { msg: parsed as JsonRpcMessage, duplicateKeys: hasConflictingDuplicateKeys(c.raw) };
  }
  if (c.message) return { msg: c.message as unknown as JsonRpcMessage, duplicateKeys: false };
  if (!c.method) throw new UsageError(`case "${c.name}": needs method, message or raw`);
  let params: unknown = c.params;
  if (typeof params === "string") {
    if (params.trim() === "") params = undefined;
    else {
      try {
        params = JSON.parse(params);
      } catch (e) {
        throw new UsageError(`case "${c.name}": params is not JSON: ${(e as Error).message}`);
      }
      if (hasConflictingDuplicateKeys(c.params as string)) return { msg: msgOf(c.method, params), duplicateKeys: true };
    }
  }
  return { msg: msgOf(c.method, params), duplicateKeys: false };
}

function msgOf(method: string, params: unknown): JsonRpcMessage {
  return (
    params === undefined ? { jsonrpc: "2.0", id: 1, method } : { jsonrpc: "2.0", id: 1, method, params }
  ) as JsonRpcMessage;
}

async function test(argv: string[]): Promise<number> {
  const { positionals } = parseFlags(argv, {}, true);
  if (positionals.length !== 2) throw new UsageError("test needs a policy file and a cases file");
  const [policyFile, casesFile] = positionals as [string, string];
  const compiled = compilePolicy(loadPolicyFile(policyFile));
  const file = loadYamlFile(casesFile, CasesFileSchema, {});
  const cases = [...(file.cases ?? []), ...(file.scenarios ?? [])];
  let passed = 0;
  let failed = 0;
  cases.forEach((c, i) => {
    const { msg, duplicateKeys } = caseMessage(c);
    const input = inputFromMessage(msg, {
      direction: c.direction,
      subject: c.subject,
      roles: c.roles,
      upstream: c.upstream,
    });
    const d: Pick<Decision, "allow" | "rule" | "ruleId"> =
      duplicateKeys && (input.method === "tools/call" || input.method === "prompts/get")
        ? { allow: false, rule: DUPLICATE_KEYS_RULE, ruleId: DUPLICATE_KEYS_RULE }
        : compiled.decide(input);
    const actual = d.allow ? "allow" : "deny";
    const ruleOk = c.rule === undefined || c.rule === d.rule || c.rule === d.ruleId;
    const expect = c.expect ?? c.expected;
    const ok = actual === expect && ruleOk;
    if (ok) passed++;
    else failed++;
    const want = c.rule === undefined ? expect : `${expect} (${c.rule})`;
    process.stdout.write(
      `  [${i + 1}] ${ok ? "PASS" : "FAIL"} ${c.name}: expect=${want} actual=${actual} rule=${JSON.stringify(d.rule)}\n`,
    );
  });
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${cases.length} total\n`);
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}

async function diff(argv: string[]): Promise<number> {
  const { positionals } = parseFlags(argv, {}, true);
  if (positionals.length !== 2) throw new UsageError("diff needs two policy files: OLD NEW");
  const entries = diffPolicies(loadPolicyFile(positionals[0]!), loadPolicyFile(positionals[1]!));
  if (entries.length === 0) {
    process.stdout.write("no differences\n");
    return EXIT_OK;
  }
  const sign = { added: "+", removed: "-", changed: "~" } as const;
  for (const e of entries) process.stdout.write(`${sign[e.type]} [${e.section}] ${e.name}: ${e.detail}\n`);
  const count = (t: string) => entries.filter((e) => e.type === t).length;
  process.stdout.write(
    `\n${entries.length} difference${entries.length === 1 ? "" : "s"} (added=${count("added")}, removed=${count("removed")}, changed=${count("changed")})\n`,
  );
  return EXIT_FAILURE;
}

/** What the recorded decision says the policy decided: allow, deny, or unknown (blocked earlier by something else). */
function recordedPolicyDecision(r: AuditRecord): "allow" | "deny" | "unknown" {
  if (r.decided_by === "policy" && (r.action === "block" || r.action === "would_block")) return "deny";
  if (r.action === "block" && r.decided_by !== "policy") return "unknown";
  return "allow";
}

async function replay(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { audit: { type: "string" }, limit: { type: "string" }, since: { type: "string" }, json: { type: "boolean" } },
    true,
  );
  if (positionals.length !== 1) throw new UsageError("replay needs one candidate policy file");
  if (!values.audit) throw new UsageError("replay needs --audit DB (the audit database to replay)");
  const limit = values.limit === undefined ? 100_000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive integer");
  const compiled = compilePolicy(loadPolicyFile(positionals[0]!));
  let db: Database;
  try {
    db = openForRead(values.audit);
  } catch (e) {
    throw new UsageError(`cannot open audit database ${values.audit}: ${(e as Error).message}`);
  }
  let replayed = 0;
  let changed = 0;
  let skipped = 0;
  const changes: Record<string, unknown>[] = [];
  try {
    // The audit log's own reader: records are rebuilt from what was hashed.
    for (const r of queryRecords(db, { since: values.since, limit })) {
      if ((r.kind !== "request" && r.kind !== "notification") || r.method === undefined) continue;
      const was = recordedPolicyDecision(r);
      const method = r.method;
      const hasArgs = method === "tools/call" || method === "prompts/get";
      if (was === "unknown" || (hasArgs && r.tool_args === undefined && r.args_digest !== undefined)) {
        skipped++;
        continue;
      }
      replayed++;
      const params: Record<string, unknown> = {};
      if (hasArgs) {
        if (r.tool_name !== undefined) params.name = r.tool_name;
        if (r.tool_args !== undefined) params.arguments = r.tool_args;
      } else if (method.startsWith("resources/") && r.tool_name !== undefined) params.uri = r.tool_name;
      const d = compiled.decide(
        inputFromMessage(msgOf(method, params), {
          direction: r.direction === "s2c" ? "s2c" : "c2s",
          subject: r.subject,
          roles: r.roles,
          upstream: r.upstream,
        }),
      );
      const now = d.allow ? "allow" : "deny";
      if (now === was) continue;
      changed++;
      changes.push({
        seq: r.seq,
        timestamp: r.timestamp,
        subject: r.subject ?? null,
        method,
        target: r.tool_name ?? null,
        was,
        was_rule: r.rule ?? null,
        now,
        now_rule: d.rule,
      });
      if (!values.json) {
        process.stdout.write(
          `#${r.seq} ${r.timestamp} ${r.subject ?? "-"} ${method}${r.tool_name ? ` ${r.tool_name}` : ""}: ${was}${r.rule ? ` (${r.rule})` : ""} → ${now} (${d.rule})\n`,
        );
      }
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof QueryError) throw new UsageError(e.message);
    throw new UsageError(`${values.audit} is not an mcpgw audit database: ${(e as Error).message}`);
  } finally {
    db.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ replayed, changed, skipped, changes })}\n`);
  else
    process.stdout.write(
      `\n${replayed} replayed, ${changed} would change, ${skipped} skipped (blocked before the policy, or arguments not recorded)\n`,
    );
  return changed > 0 ? EXIT_FAILURE : EXIT_OK;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  validate,
  test,
  diff,
  replay,
  async default(argv) {
    parseFlags(argv, {}, false);
    process.stdout.write(DEFAULT_POLICY_YAML);
    return EXIT_OK;
  },
};

export const policyCommand: Command = {
  name: "policy",
  summary: "validate, test, diff and replay policy files; print the default policy",
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h" || rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${HELP}\n`);
      return sub === undefined ? EXIT_USAGE : EXIT_OK;
    }
    const run = SUBCOMMANDS[sub];
    if (!run) throw new UsageError(`unknown policy subcommand "${sub}" (validate, test, diff, replay, default)`);
    return run(rest);
  },
};
