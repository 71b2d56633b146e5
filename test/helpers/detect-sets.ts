/**
 * Labelled detector sets in the corpus's JSONL shape, run through the pure scanners
 * (scanTools / scanContent at the default threshold), with precision, recall and the share of
 * benign cases flagged printed per kind, and the missed and falsely flagged ids listed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_THRESHOLD, scanContent, scanTools } from "../../src/interceptors/injection/index.ts";

export interface Case {
  id: string;
  label: "malicious" | "benign";
  tool?: unknown;
  text?: string;
  tags?: string[];
}

export interface SetFigures {
  readonly recall: number;
  readonly fpr: number;
  readonly positives: number;
  readonly negatives: number;
}

export function readCases(dir: string, files: readonly string[]): Case[] {
  return files.flatMap((file) =>
    readFileSync(join(dir, file), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Case),
  );
}

const signalsOf = (findings: readonly { signal: string }[]) => [...new Set(findings.map((f) => f.signal))].join(" ");

/** Scores every case (definitions with scanTools, results with scanContent) and prints the figures. */
export function measure(title: string, kind: "definitions" | "results", cases: readonly Case[]): SetFigures {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  for (const c of cases) {
    const r =
      kind === "definitions"
        ? scanTools({ tools: [c.tool] })[0]!
        : scanContent("tool_result", { content: [{ type: "text", text: c.text }] }, "result");
    const flagged = r.score >= DEFAULT_THRESHOLD;
    const line = `${c.id} ${r.score.toFixed(2)} [${signalsOf(r.findings)}] (${(c.tags ?? []).join(",")})`;
    if (c.label === "malicious") {
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
    `${title} ${kind}: P=${precision.toFixed(3)} R=${recall.toFixed(3)} FPR=${fpr.toFixed(3)} ` +
      `(tp ${tp}, fp ${fp}, fn ${fn}, tn ${tn})` +
      (missed.length ? `\n  missed:\n    ${missed.join("\n    ")}` : "") +
      (falseAlarms.length ? `\n  false alarms:\n    ${falseAlarms.join("\n    ")}` : ""),
  );
  return { recall, fpr, positives: tp + fn, negatives: fp + tn };
}
