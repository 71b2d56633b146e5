#!/usr/bin/env bun
/**
 * Trains the injection detector's learned scorer (src/interceptors/injection/model.ts) and writes
 * src/interceptors/injection/model.weights.json. Deterministic: the same data and code give the
 * same file byte for byte (test/unit/interceptors/injection/model.test.ts checks the key).
 *
 *   bun src/build/train-injection-model.ts          # train on everything, write the weights
 *   bun src/build/train-injection-model.ts --cv     # k-fold cross-validation figures only
 *
 * Data: the labelled corpus (../shared/corpus/tool_descriptions.jsonl, tool_results.jsonl) and
 * test/fixtures/heldout/*.jsonl (rounds 1-5, see NOT_TRAINED for round 6, and
 * tool_descriptions_vendor.jsonl: benign vendor-style guidance, so that "this tool must be used
 * before any other…" is not read as an instruction by its style words alone). Multiple-instance
 * training: a tool definition or result is
 * a bag of units (model.ts `unitRanges`); every unit of a benign item is a negative; of a
 * malicious item, the whole definition (or a short result) is a positive, and after a first fit
 * the highest-scoring unit of each malicious item is added as one, twice over.
 *
 * The decision figure `tau` per role is chosen on out-of-fold predictions, combined with the rule
 * score as scan.ts combines them: the smallest τ whose benign flag rate stays within the target.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../chain/types.ts";
import { extractSegments, toolSegments } from "../interceptors/detect/index.ts";
import {
  contentText,
  definitionText,
  features,
  MODEL_BITS,
  MODEL_SIGNAL,
  type ModelFile,
  margin,
  modelWeight,
  sigmoid,
  unitRanges,
} from "../interceptors/injection/model.ts";
import { combine, scanContent, scanTools } from "../interceptors/injection/scan.ts";
import { DEFAULT_THRESHOLD } from "../interceptors/injection/schema.ts";

const ROOT = join(import.meta.dir, "../..");
const CORPUS = process.env.MCPGW_CORPUS_DIR ?? join(ROOT, "../shared/corpus");
const EXTRA = join(ROOT, "test/fixtures/heldout");
const OUT = join(ROOT, "src/interceptors/injection/model.weights.json");

/** Benign flag rate the chosen τ must keep on out-of-fold predictions (below the product targets). */
const FPR_TARGET = { definition: 0.005, content: 0.01 } as const;
/** Benign flag rate the model may add to the rules' own on out-of-fold predictions. */
const ADDED_FPR = { definition: 0.005, content: 0.01 } as const;
const FOLDS = 5;
const env = (k: string, d: number) => (process.argv.includes("--cv") && process.env[k] ? Number(process.env[k]) : d);
const EPOCHS = env("EPOCHS", 12);
const L2 = env("L2", 1e-4);
const LR = env("LR", 0.5);
const MIL_ROUNDS = env("MIL", 2);
/** Weights smaller than this are dropped from the file. */
const PRUNE = 1e-3;

type Role = "definition" | "content";
interface Row {
  id: string;
  label: string;
  tool?: unknown;
  text?: string;
}
interface Bag {
  id: string;
  role: Role;
  y: 0 | 1;
  /** Units' features; for definitions units[0] is the whole text. */
  units: number[][];
  /** The rules' score of the item (without the model's finding). */
  rules: number;
  /** Index of the unit that is certainly positive in a malicious bag (-1: none). */
  sure: number;
}

/**
 * Held-out rounds the scorer does not train on. Round 6 (the public-PoC concepts) moved the
 * scorer in ways its own figures do not show: trained on as written, it scored the clean carrier
 * "Add two numbers and return the sum." at p=0.83 (0.72 before) and flagged 10-15 more README
 * chunks read as definitions; with the clean carriers added as negatives it lost recall on the
 * independent set. The rules carry round 6; the scorer stays as trained on rounds 1-5.
 * Rounds 7 to 11 are held-out measurements only (see the fixtures' README) and must stay untouched.
 */
const NOT_TRAINED = [
  "_round6.jsonl",
  "_round7.jsonl",
  "_round8.jsonl",
  "_round9.jsonl",
  "_round10.jsonl",
  "_round11.jsonl",
];

/** The training files, in a fixed order. */
export function trainingFiles(): string[] {
  const extra = readdirSync(EXTRA)
    .filter((f) => f.endsWith(".jsonl") && !NOT_TRAINED.some((suffix) => f.endsWith(suffix)))
    .sort()
    .map((f) => join(EXTRA, f));
  return [join(CORPUS, "tool_descriptions.jsonl"), join(CORPUS, "tool_results.jsonl"), ...extra];
}

function readRows(file: string): Row[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
}

export function resultValue(text: unknown): unknown {
  return typeof text === "string" ? { content: [{ type: "text", text }] } : text;
}

/** The item's score from its rule findings alone: the scanner's `combine`, without the model's. */
function rulesScore(findings: readonly Finding[]): number {
  const rules = findings.filter((f) => f.signal !== MODEL_SIGNAL);
  return rules.length === 0 ? 0 : combine(rules.map((f) => ({ signal: f.signal ?? "", weight: f.score ?? 0 })));
}

function bagOf(row: Row): Bag {
  const y = row.label === "malicious" ? 1 : 0;
  if (row.tool !== undefined) {
    const text = definitionText(toolSegments(row.tool, "t").segments);
    const units = unitRanges(text, true).map(([s, e]) => features(text, s, e));
    const rules = rulesScore(scanTools({ tools: [row.tool] })[0]!.findings);
    return { id: row.id, role: "definition", y, units, sure: 0, rules };
  }
  const units: number[][] = [];
  let sure = -1;
  for (const seg of extractSegments("tool_result", resultValue(row.text), "result").segments) {
    const text = contentText(seg.text);
    const ranges = unitRanges(text, false);
    if (ranges.length === 1 && sure < 0) sure = units.length;
    for (const [s, e] of ranges) units.push(features(text, s, e));
  }
  const rules = rulesScore(scanContent("tool_result", resultValue(row.text), "result").findings);
  return { id: row.id, role: "content", y, units, sure: units.length === 1 ? 0 : sure, rules };
}

export function loadBags(): Bag[] {
  const bags: Bag[] = [];
  for (const f of trainingFiles()) for (const r of readRows(f)) bags.push(bagOf(r));
  return bags;
}

/** xorshift32: a fixed shuffle order. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

interface Fit {
  w: Float64Array;
  bias: number;
}

/** Logistic regression with AdaGrad and L2 on the active features, over weighted instances. */
function fitInstances(inst: { f: number[]; y: number; c: number }[], seed: number): Fit {
  const w = new Float64Array(1 << MODEL_BITS);
  const g2 = new Float64Array(1 << MODEL_BITS);
  let bias = 0;
  let gb = 0;
  const order = inst.map((_, i) => i);
  const next = rng(seed);
  for (let ep = 0; ep < EPOCHS; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const k of order) {
      const { f, y, c } = inst[k]!;
      const x = f.length ? 1 / Math.sqrt(f.length) : 0;
      const p = sigmoid(margin({ bias, w: w as unknown as Float32Array }, f));
      const g = (p - y) * c;
      for (const i of f) {
        const gi = g * x + L2 * w[i]!;
        g2[i]! += gi * gi;
        w[i]! -= (LR * gi) / Math.sqrt(g2[i]! + 1e-8);
      }
      gb += g * g;
      bias -= (LR * g) / Math.sqrt(gb + 1e-8);
    }
  }
  return { w, bias };
}

function bagScore(fit: Fit, bag: Bag): { p: number; at: number } {
  let best = { p: 0, at: -1 };
  bag.units.forEach((f, i) => {
    const p = sigmoid(margin({ bias: fit.bias, w: fit.w as unknown as Float32Array }, f));
    if (p > best.p) best = { p, at: i };
  });
  return best;
}

/** Multiple-instance training (see the header). */
export function train(bags: readonly Bag[], seed = 1): Fit {
  const negatives: { f: number[]; y: number; c: number }[] = [];
  for (const b of bags) if (b.y === 0) for (const f of b.units) negatives.push({ f, y: 0, c: 1 });
  const malicious = bags.filter((b) => b.y === 1);
  const positives = (extra: Map<Bag, number>) => {
    const out: { f: number[]; y: number; c: number }[] = [];
    for (const b of malicious) {
      const picks = new Set<number>();
      if (b.sure >= 0) picks.add(b.sure);
      const e = extra.get(b);
      if (e !== undefined && e >= 0) picks.add(e);
      if (picks.size === 0) for (let i = 0; i < b.units.length; i++) picks.add(i);
      for (const i of picks) out.push({ f: b.units[i]!, y: 1, c: 1 / picks.size });
    }
    // Classes weigh the same in total.
    const scale =
      negatives.length /
      Math.max(
        1,
        out.reduce((s, o) => s + o.c, 0),
      );
    for (const o of out) o.c *= scale;
    return out;
  };
  let fit = fitInstances([...negatives, ...positives(new Map())], seed);
  for (let r = 0; r < MIL_ROUNDS; r++) {
    const extra = new Map(malicious.map((b) => [b, bagScore(fit, b).at] as const));
    fit = fitInstances([...negatives, ...positives(extra)], seed + r + 1);
  }
  return fit;
}

/** A hash of everything the weights are a function of: the data, this script, model.ts. */
export function trainingKey(): string {
  const sources = [...trainingFiles(), import.meta.path, join(ROOT, "src/interceptors/injection/model.ts")];
  let text = "";
  for (const f of sources) text += `${f.slice(f.lastIndexOf("/") + 1)}\u0000${readFileSync(f, "utf8")}\u0000`;
  return Bun.hash(text).toString(36);
}

/** Fold of a bag: a fixed function of its id, stratified by role and label through sorting. */
function folds(bags: readonly Bag[]): number[] {
  const fold = new Array<number>(bags.length);
  for (const role of ["definition", "content"] as const)
    for (const y of [0, 1]) {
      const idx = bags
        .map((b, i) => [b, i] as const)
        .filter(([b]) => b.role === role && b.y === y)
        .sort(
          ([a], [b]) => Number(Bun.hash(a.id) % 1000003n) - Number(Bun.hash(b.id) % 1000003n) || (a.id < b.id ? -1 : 1),
        );
      idx.forEach(([, i], k) => {
        fold[i] = k % FOLDS;
      });
    }
  return fold;
}

/** Out-of-fold bag probabilities. */
export function crossValidate(bags: readonly Bag[]): number[] {
  const fold = folds(bags);
  const p = new Array<number>(bags.length).fill(0);
  for (let k = 0; k < FOLDS; k++) {
    const fit = train(
      bags.filter((_, i) => fold[i] !== k),
      1,
    );
    bags.forEach((b, i) => {
      if (fold[i] === k) p[i] = bagScore(fit, b).p;
    });
  }
  return p;
}

/** Trains on everything, picks τ by cross-validation; returns the weights file's text. */
export function buildModelFile(log: (line: string) => void = () => {}): string {
  const bags = loadBags();
  const fit = train(bags);
  const weights: [number, number][] = [];
  for (let i = 0; i < fit.w.length; i++) {
    const v = Math.round(fit.w[i]! * 1e4) / 1e4;
    if (Math.abs(v) >= PRUNE) weights.push([i, v]);
  }
  const tau = { definition: 0.5, content: 0.5 };
  {
    const p = crossValidate(bags);
    for (const role of ["definition", "content"] as const) {
      const idx = bags.map((_, i) => i).filter((i) => bags[i]!.role === role);
      const neg = idx
        .filter((i) => bags[i]!.y === 0)
        .map((i) => p[i]!)
        .sort((a, b) => b - a);
      const pos = idx.filter((i) => bags[i]!.y === 1).map((i) => p[i]!);
      for (const cap of [0.01, 0.03]) {
        const t = neg[Math.floor(cap * neg.length)]! + 1e-9;
        log(
          `${role} model alone, recall at FPR<=${cap}: ${(pos.filter((x) => x >= t).length / pos.length).toFixed(3)} (t=${t.toFixed(3)})`,
        );
      }
      const rate = (t: number) => {
        let tp = 0;
        let fp = 0;
        let rtp = 0;
        let rfp = 0;
        for (const i of idx) {
          const b = bags[i]!;
          const w = modelWeight(p[i]!, role, { tau: { definition: t, content: t } });
          const flagged = 1 - (1 - b.rules) * (1 - w) >= DEFAULT_THRESHOLD;
          const rflag = b.rules >= DEFAULT_THRESHOLD;
          if (b.y === 1) {
            tp += +flagged;
            rtp += +rflag;
          } else {
            fp += +flagged;
            rfp += +rflag;
          }
        }
        return { recall: tp / pos.length, fpr: fp / neg.length, rr: rtp / pos.length, rfpr: rfp / neg.length };
      };
      let chosen = 0.999;
      for (let t = 0.999; t >= 0.3; t -= 0.005)
        if (rate(t).fpr <= Math.max(FPR_TARGET[role], rate(t).rfpr + ADDED_FPR[role])) chosen = t;
      if (process.env.VERBOSE)
        for (const t of [0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98])
          log(`  tau=${t}: R=${rate(t).recall.toFixed(3)} FPR=${rate(t).fpr.toFixed(3)}`);
      const r = rate(chosen);
      tau[role] = Math.round(chosen * 1000) / 1000;
      log(
        `${role} CV (${pos.length}+${neg.length}): rules R=${r.rr.toFixed(3)} FPR=${r.rfpr.toFixed(3)}; rules+model tau=${tau[role]} R=${r.recall.toFixed(3)} FPR=${r.fpr.toFixed(3)}`,
      );
      if (!process.env.VERBOSE) continue;
      for (const t of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) {
        let tp = 0;
        let fn = 0;
        let fp = 0;
        let tn = 0;
        for (const i of idx) {
          const f = p[i]! >= t;
          if (bags[i]!.y === 1) f ? tp++ : fn++;
          else f ? fp++ : tn++;
        }
        log(`${role} model-only t=${t}: R=${(tp / (tp + fn)).toFixed(3)} FPR=${(fp / (fp + tn)).toFixed(3)}`);
      }
    }
  }
  const file: ModelFile = {
    key: trainingKey(),
    bits: MODEL_BITS,
    bias: Math.round(fit.bias * 1e4) / 1e4,
    tau,
    weights,
  };
  log(`${weights.length} weights`);
  return `${JSON.stringify(file)}\n`;
}

if (import.meta.main) {
  const text = buildModelFile(console.log);
  if (!process.argv.includes("--cv")) {
    await Bun.write(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
