/**
 * Real path: every secrets_pii.jsonl case goes through `mcpgw wrap` (the real CLI, a real config
 * file with `plugins: [{name: pii, config: {mode: redact}}]`) to and from a raw NDJSON fixture
 * server: as the text of a tools/call result (s2c) and as a tools/call argument (c2s, checked by
 * what the server recorded). Prints precision, recall and FPR per category; asserts issue #6's
 * targets, valid JSON after every redaction, and that no raw value reaches stderr or audit files.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NdjsonPeer } from "../helpers/ndjson-peer.ts";

const ROOT = join(import.meta.dir, "../..");
const CORPUS = process.env.MCPGW_CORPUS_DIR ?? join(ROOT, "../shared/corpus");
const FIXTURE = join(ROOT, "test/fixtures/servers/pii-echo-fixture.ts");

interface Case {
  readonly id: string;
  readonly label: string;
  readonly text: string;
  readonly value?: string;
}

const cases: Case[] = existsSync(join(CORPUS, "secrets_pii.jsonl"))
  ? readFileSync(join(CORPUS, "secrets_pii.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Case)
  : [];

let dir: string;
let peer: NdjsonPeer;
let received: string;

function toolName(c: Case): string {
  return `case_${c.id}`;
}

beforeAll(async () => {
  if (cases.length === 0) throw new Error(`corpus not found at ${CORPUS} (set MCPGW_CORPUS_DIR)`);
  dir = mkdtempSync(join(tmpdir(), "mcpgw-pii-corpus-"));
  received = join(dir, "received.jsonl");
  const results: Record<string, unknown> = {};
  for (const c of cases)
    results[toolName(c)] = {
      content: [{ type: "text", text: c.text }],
      structuredContent: { record: { id: c.id, body: c.text, n: 1 } },
    };
  writeFileSync(join(dir, "cases.json"), JSON.stringify({ results }));
  writeFileSync(
    join(dir, "config.yaml"),
    [
      "logging:",
      "  level: debug",
      `audit_log: ${join(dir, "audit.jsonl")}`,
      "plugins:",
      "  - name: injection", // scored on its own corpus; here only pii may touch content
      "    enabled: false",
      "  - name: pii",
      "    config:",
      "      mode: redact",
      "",
    ].join("\n"),
  );
  // Only pii is under test: an allow-all policy keeps the default policy's secret-file rules from
  // refusing corpus texts such as `cat ~/.ssh/id_deploy` before pii sees them.
  writeFileSync(
    join(dir, "policy.yaml"),
    'version: v1\nrules:\n  - name: allow-all\n    match:\n      methods: ["*"]\n    action: allow\n',
  );
  const wrap = ["wrap", "--config", join(dir, "config.yaml"), "--policy", join(dir, "policy.yaml")];
  peer = new NdjsonPeer(["bun", join(ROOT, "src/main.ts"), ...wrap, "--", "bun", FIXTURE], {
    ...process.env,
    HOME: dir,
    MCPGW_CONFIG: "",
    PII_FIXTURE_FILE: join(dir, "cases.json"),
    PII_FIXTURE_LOG: received,
  });
  const init = await peer.initialize();
  expect(init.result?.serverInfo).toBeDefined();
}, 30_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

function printTable(title: string, perCategory: Map<string, Tally>, negatives: number, flaggedNegatives: number): void {
  const lines = [`${title}:`];
  let tp = 0;
  let fn = 0;
  for (const [category, t] of [...perCategory].sort()) {
    tp += t.tp;
    fn += t.fn;
    const p = t.tp / Math.max(1, t.tp + t.fp);
    const r = t.tp / Math.max(1, t.tp + t.fn);
    lines.push(`  ${category.padEnd(24)} P=${p.toFixed(3)} R=${r.toFixed(3)} (tp ${t.tp}, fp ${t.fp}, fn ${t.fn})`);
  }
  lines.push(
    `  overall recall ${(tp / Math.max(1, tp + fn)).toFixed(3)}; hard negatives flagged ${flaggedNegatives}/${negatives} ` +
      `(FPR ${(flaggedNegatives / Math.max(1, negatives)).toFixed(3)})`,
  );
  console.log(lines.join("\n"));
}

/** Scores one direction: `outputs[i]` is what the recipient got in place of cases[i].text. */
function scoreDirection(title: string, outputs: string[]): { recall: number; fpr: number } {
  const perCategory = new Map<string, Tally>();
  const tally = (c: string) => {
    let t = perCategory.get(c);
    if (!t) {
      t = { tp: 0, fp: 0, fn: 0 };
      perCategory.set(c, t);
    }
    return t;
  };
  let negatives = 0;
  let flaggedNegatives = 0;
  let tp = 0;
  let fn = 0;
  cases.forEach((c, i) => {
    const out = outputs[i]!;
    const markers = [...out.matchAll(/\[REDACTED:([a-z_]+)\]/g)].map((m) => m[1]!);
    if (c.label === "none") {
      negatives++;
      if (out !== c.text) {
        flaggedNegatives++;
        for (const m of markers) tally(m).fp++;
      }
      return;
    }
    const hit = !out.includes(c.value!) && markers.includes(c.label);
    if (hit) {
      tp++;
      tally(c.label).tp++;
    } else {
      fn++;
      tally(c.label).fn++;
      console.log(`  missed ${c.id} (${c.label}): ${JSON.stringify(out).slice(0, 160)}`);
    }
    for (const m of markers) if (m !== c.label) tally(m).fp++;
  });
  printTable(title, perCategory, negatives, flaggedNegatives);
  return { recall: tp / Math.max(1, tp + fn), fpr: flaggedNegatives / Math.max(1, negatives) };
}

describe("secrets_pii.jsonl through mcpgw wrap with the pii plugin in redact mode", () => {
  test("tool results: recall ≥ 0.98, ≤ 1% of hard negatives touched, valid JSON of the same shape", async () => {
    const outputs: string[] = [];
    for (const c of cases) {
      const r = await peer.request("tools/call", { name: toolName(c), arguments: {} });
      expect(r.error).toBeUndefined();
      const content = r.result?.content as { type: string; text: string }[];
      const structured = r.result?.structuredContent as { record: { id: string; body: string; n: number } };
      // Same structure: one text block, the structured record with its id and number untouched.
      expect(content).toHaveLength(1);
      expect(content[0]!.type).toBe("text");
      expect(typeof content[0]!.text).toBe("string");
      expect(structured.record.id).toBe(c.id);
      expect(structured.record.n).toBe(1);
      expect(structured.record.body).toBe(content[0]!.text);
      if (c.value !== undefined) expect(JSON.stringify(r.result)).not.toContain(JSON.stringify(c.value).slice(1, -1));
      outputs.push(content[0]!.text);
    }
    const { recall, fpr } = scoreDirection("pii, s2c tool results", outputs);
    expect(recall).toBeGreaterThanOrEqual(0.98);
    expect(fpr).toBeLessThanOrEqual(0.01);
    for (const [i, c] of cases.entries()) if (c.label === "none") expect(outputs[i]).toBe(c.text);
  }, 120_000);

  test("tool arguments reach the server redacted: recall ≥ 0.98 and ≤ 1% of hard negatives touched", async () => {
    for (const c of cases) {
      const r = await peer.request("tools/call", {
        name: "echo",
        arguments: { text: c.text, meta: { id: c.id, tags: [c.text] } },
      });
      expect(r.error).toBeUndefined();
    }
    const lines = readFileSync(received, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const echoed = lines.filter((l) => l.name === "echo") as {
      arguments: { text: string; meta: { id: string; tags: string[] } };
    }[];
    expect(echoed).toHaveLength(cases.length);
    echoed.forEach((e, i) => {
      expect(e.arguments.meta.id).toBe(cases[i]!.id);
      expect(e.arguments.meta.tags).toEqual([e.arguments.text]);
    });
    const { recall, fpr } = scoreDirection(
      "pii, c2s tool arguments",
      echoed.map((e) => e.arguments.text),
    );
    expect(recall).toBeGreaterThanOrEqual(0.98);
    expect(fpr).toBeLessThanOrEqual(0.01);
  }, 120_000);

  test("no raw secret or PII value reaches stderr or any file the gateway wrote", async () => {
    expect(await peer.close()).toBe(0);
    const stderr = await peer.stderr;
    const written: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (name === ".bun") continue; // bun's own transpiler cache (HOME points here)
        if (statSync(p).isDirectory()) walk(p);
        else if (!["cases.json", "received.jsonl", "config.yaml", "policy.yaml"].includes(name)) written.push(p);
      }
    };
    walk(dir);
    // The audit trail exists and recorded pii findings, so the check below looks at real records.
    const auditText = written.map((p) => readFileSync(p).toString("latin1")).join("\n");
    expect(auditText).toContain("[REDACTED:");
    const haystacks = [stderr, ...written.map((p) => readFileSync(p).toString("latin1"))];
    for (const c of cases) {
      if (c.value === undefined) continue;
      const needles = [c.value, JSON.stringify(c.value).slice(1, -1)];
      for (const h of haystacks) for (const n of needles) expect(h.includes(n)).toBe(false);
    }
  }, 30_000);
});
