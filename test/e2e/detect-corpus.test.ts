/**
 * Real path: every labelled corpus case goes through `mcpgw wrap` (the real CLI, default config,
 * so the default detectors run) from a raw NDJSON fixture server: each tool definition as its own
 * tools/list response, each tool result as a tools/call response. Prints precision, recall and
 * false-positive rate per kind, and asserts the targets from issue #6.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NdjsonPeer } from "../helpers/ndjson-peer.ts";

const ROOT = join(import.meta.dir, "../..");
const CORPUS = process.env.MCPGW_CORPUS_DIR ?? join(ROOT, "../shared/corpus");
const FIXTURE = join(ROOT, "test/fixtures/servers/corpus-fixture.ts");

interface Case {
  id: string;
  label: string;
  tool?: { name: string };
  text?: string;
  tags?: string[];
}

function readCases(file: string): Case[] {
  return readFileSync(join(CORPUS, file), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Case);
}

interface Score {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  missed: string[];
  falseAlarms: string[];
}

function score(cases: Case[], flagged: (c: Case, i: number) => boolean): Score {
  const s: Score = { tp: 0, fp: 0, fn: 0, tn: 0, missed: [], falseAlarms: [] };
  cases.forEach((c, i) => {
    const p = flagged(c, i);
    const y = c.label === "malicious";
    if (p && y) s.tp++;
    else if (p) {
      s.fp++;
      s.falseAlarms.push(c.id);
    } else if (y) {
      s.fn++;
      s.missed.push(c.id);
    } else s.tn++;
  });
  return s;
}

function report(kind: string, s: Score): { recall: number; fpr: number } {
  const precision = s.tp / Math.max(1, s.tp + s.fp);
  const recall = s.tp / Math.max(1, s.tp + s.fn);
  const fpr = s.fp / Math.max(1, s.fp + s.tn);
  const f1 = (2 * precision * recall) / Math.max(1e-9, precision + recall);
  console.log(
    `${kind}: P=${precision.toFixed(3)} R=${recall.toFixed(3)} F1=${f1.toFixed(3)} FPR=${fpr.toFixed(3)} ` +
      `(tp ${s.tp}, fp ${s.fp}, fn ${s.fn}, tn ${s.tn})` +
      (s.missed.length ? `\n  missed: ${s.missed.join(" ")}` : "") +
      (s.falseAlarms.length ? `\n  false alarms: ${s.falseAlarms.join(" ")}` : ""),
  );
  return { recall, fpr };
}

let dir: string;
let peer: NdjsonPeer;
const definitions = existsSync(CORPUS) ? readCases("tool_descriptions.jsonl") : [];
const results = existsSync(CORPUS) ? readCases("tool_results.jsonl") : [];

beforeAll(async () => {
  if (!existsSync(CORPUS)) throw new Error(`corpus not found at ${CORPUS} (set MCPGW_CORPUS_DIR)`);
  dir = mkdtempSync(join(tmpdir(), "mcpgw-corpus-"));
  const file = join(dir, "cases.json");
  const resultsByName: Record<string, unknown> = {};
  for (const c of results) resultsByName[c.id] = { content: [{ type: "text", text: c.text }] };
  writeFileSync(file, JSON.stringify({ tools: definitions.map((c) => c.tool), results: resultsByName }));
  peer = new NdjsonPeer(["bun", join(ROOT, "src/main.ts"), "wrap", "--", "bun", FIXTURE], {
    ...process.env,
    HOME: dir,
    MCPGW_CONFIG: "",
    CORPUS_FIXTURE_FILE: file,
  });
  const init = await peer.initialize();
  expect(init.result?.serverInfo).toBeDefined();
}, 30_000);

afterAll(async () => {
  await peer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the labelled corpus through mcpgw wrap", () => {
  test("poisoned tool definitions are removed from tools/list: recall ≥ 0.95 with ≤ 1% of benign removed", async () => {
    const kept: boolean[] = [];
    for (let i = 0; i < definitions.length; i++) {
      const r = await peer.request("tools/list", { cursor: String(i) });
      const tools = (r.result?.tools as unknown[] | undefined) ?? [];
      kept.push(r.error === undefined && tools.length === 1);
    }
    const s = score(definitions, (_, i) => !kept[i]);
    const { recall, fpr } = report("tool definitions", s);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(fpr).toBeLessThanOrEqual(0.01);
  }, 120_000);

  test("injected tool results are replaced or blocked: recall ≥ 0.85 with ≤ 3% of benign touched", async () => {
    const touched: boolean[] = [];
    for (const c of results) {
      const r = await peer.request("tools/call", { name: c.id, arguments: {} });
      const content = r.result?.content as { text?: string }[] | undefined;
      touched.push(r.error !== undefined || r.result?.isError === true || content?.[0]?.text !== c.text);
    }
    const s = score(results, (_, i) => touched[i]!);
    const { recall, fpr } = report("tool results", s);
    expect(recall).toBeGreaterThanOrEqual(0.85);
    expect(fpr).toBeLessThanOrEqual(0.03);
  }, 120_000);
});
