/**
 * Held-out set: poisoned and benign tool definitions, injected and benign tool results written
 * from scratch for this test (test/fixtures/heldout/, same JSONL shape as ../shared/corpus), never
 * used to write the rules. Every case goes through the same pure scanners the corpus is judged
 * with (scanTools / scanContent at the default threshold). Prints precision, recall and
 * false-positive rate per kind, the missed and falsely flagged ids, and asserts the targets:
 * definitions recall ≥ 0.95 with ≤ 1% of benign flagged, results recall ≥ 0.85 with ≤ 3% flagged.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_THRESHOLD, scanContent, scanTools } from "../../../src/interceptors/injection/index.ts";

const DIR = join(import.meta.dir, "../../fixtures/heldout");

interface Case {
  id: string;
  label: "malicious" | "benign";
  tool?: unknown;
  text?: string;
  tags?: string[];
}

/** Each round guided the rule changes after it was measured (see the fixtures' commits). */
function readCases(kind: "tool_descriptions" | "tool_results"): Case[] {
  return [
    `${kind}.jsonl`,
    `${kind}_round2.jsonl`,
    `${kind}_round3.jsonl`,
    `${kind}_round4.jsonl`,
    `${kind}_round5.jsonl`,
  ].flatMap((file) =>
    readFileSync(join(DIR, file), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Case),
  );
}

interface Outcome {
  readonly case: Case;
  readonly score: number;
  readonly signals: string;
}

function report(kind: string, outcomes: Outcome[]): { recall: number; fpr: number; positives: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  for (const o of outcomes) {
    const flagged = o.score >= DEFAULT_THRESHOLD;
    const line = `${o.case.id} ${o.score.toFixed(2)} [${o.signals}] (${(o.case.tags ?? []).join(",")})`;
    if (o.case.label === "malicious") {
      if (flagged) tp++;
      else {
        fn++;
        missed.push(line);
      }
    } else if (flagged) {
      fp++;
      falseAlarms.push(line);
    } else tn++;
  }
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  const fpr = fp / Math.max(1, fp + tn);
  console.log(
    `held-out ${kind}: P=${precision.toFixed(3)} R=${recall.toFixed(3)} FPR=${fpr.toFixed(3)} ` +
      `(tp ${tp}, fp ${fp}, fn ${fn}, tn ${tn})` +
      (missed.length ? `\n  missed:\n    ${missed.join("\n    ")}` : "") +
      (falseAlarms.length ? `\n  false alarms:\n    ${falseAlarms.join("\n    ")}` : ""),
  );
  return { recall, fpr, positives: tp + fn };
}

const signalsOf = (findings: readonly { signal: string }[]) => [...new Set(findings.map((f) => f.signal))].join(" ");

describe("held-out set through the pure scanners", () => {
  test("tool definitions: recall ≥ 0.95 with ≤ 1% of benign flagged", () => {
    const cases = readCases("tool_descriptions");
    const outcomes = cases.map((c) => {
      const r = scanTools({ tools: [c.tool] })[0]!;
      return { case: c, score: r.score, signals: signalsOf(r.findings) };
    });
    const { recall, fpr, positives } = report("tool definitions", outcomes);
    expect(positives).toBeGreaterThanOrEqual(210);
    expect(cases.length - positives).toBeGreaterThanOrEqual(210);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(fpr).toBeLessThanOrEqual(0.01);
  });

  test("tool results: recall ≥ 0.85 with ≤ 3% of benign flagged", () => {
    const cases = readCases("tool_results");
    const outcomes = cases.map((c) => {
      const r = scanContent("tool_result", { content: [{ type: "text", text: c.text }] }, "result");
      return { case: c, score: r.score, signals: signalsOf(r.findings) };
    });
    const { recall, fpr, positives } = report("tool results", outcomes);
    expect(positives).toBeGreaterThanOrEqual(105);
    expect(cases.length - positives).toBeGreaterThanOrEqual(120);
    expect(recall).toBeGreaterThanOrEqual(0.85);
    expect(fpr).toBeLessThanOrEqual(0.03);
  });
});
