/**
 * Scoring: strings → signals → one score per item (a tool, or a whole content payload).
 *
 * An item's score is 1 − Π(1 − wᵢ) over its distinct signals, each signal counted once at its
 * highest weight, so independent evidence adds up and one weak signal stays weak. Signals come
 * from three places:
 *   - content rules (rules.ts) on the normalised visible text;
 *   - the same rules on hidden or decoded text (tag characters, ANSI-concealed text, comments,
 *     base64/hex/ROT13/leetspeak); a hit there also fires `hidden_instruction`;
 *   - the carriers themselves, weighted by role: invisible tag characters have no business in a
 *     tool definition, ordinary colour codes are fine in a CI log.
 *
 * Everything here is pure (no session state) so it can run on a worker thread.
 */
import type { Finding } from "../../chain/types.ts";
import {
  type CarrierKind,
  extractSegments,
  type Normalized,
  nonAsciiOf,
  normalize,
  type PayloadKind,
  readableText,
  type Segment,
  toolSegments,
  toolsOf,
} from "../detect/index.ts";
import { redactString } from "../pii/redact.ts";
import { ruleBranches } from "./anchors-cache.ts";
import {
  contentLength,
  learnedContent,
  learnedContentOf,
  learnedContentPart,
  learnedDefinition,
  resetDefinitionCache,
  type UnitScore,
} from "./model.ts";
import {
  type AnchoredPlan,
  anchoredPlan,
  execAnchored,
  execWindows,
  indexLiterals,
  LiteralHits,
  planRules,
  WINDOW_MIN_CHARS,
} from "./plan.ts";
import { MULTILINGUAL_RULES, type Role, RULES, type Rule } from "./rules.ts";

export const DETECTOR = "injection";

/** Carrier weights as [definition, content]. */
const CARRIER_WEIGHT: Record<CarrierKind, readonly [number, number]> = {
  unicode_tags: [0.9, 0.9],
  zero_width: [0.55, 0.35],
  bidi_override: [0.55, 0.3],
  invisible_padding: [0.5, 0.2],
  ansi_escape: [0.45, 0],
  ansi_hidden: [0.6, 0.4],
  homoglyph: [0.55, 0.3],
  html_comment: [0.3, 0],
  markdown_comment: [0.45, 0.1],
  css_hidden: [0.3, 0.1],
  base64_text: [0.4, 0.1],
  hex_text: [0.45, 0.1],
  rot13_text: [0.5, 0.2],
  leetspeak: [0.3, 0.1],
  whitespace_padding: [0.3, 0],
};

/** A hit of a rule inside hidden or decoded text. */
const HIDDEN_INSTRUCTION: readonly [number, number] = [0.8, 0.7];
/** A tool or property name that reads as an instruction (long, sentence-like). */
const SENTENCE_NAME_WORDS = 7;

const EXCERPT_CHARS = 120;

export interface Signal {
  readonly signal: string;
  readonly family: string;
  readonly weight: number;
  readonly where: string;
  readonly excerpt: string;
  /** Carrier the text was hidden in, when the hit came from hidden or decoded text. */
  readonly hiddenIn?: CarrierKind;
}

function excerptOf(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 20);
  const end = Math.min(text.length, index + Math.max(length, 1) + 20);
  let e = text.slice(start, end).replace(/\s+/g, " ").trim();
  if (e.length > EXCERPT_CHARS) e = `${e.slice(0, EXCERPT_CHARS - 1)}…`;
  return e;
}

const FIRST_MULTILINGUAL = RULES.length;

/**
 * What the rules compile to: their plans (bounds, hints), the literal anchors of their
 * alternatives (precomputed in anchors.cache.json) and one automaton over every literal. Built on first
 * use or by {@link warmRules}, not at module load: every process and pool worker imports this
 * module, not all of them scan.
 */
interface RuleTables {
  /** RULES and MULTILINGUAL_RULES as one list (multilingual after), with their bounds and hint index. */
  readonly plans: ReturnType<typeof planRules>;
  readonly hits: LiteralHits;
  readonly aliases: ReturnType<typeof indexLiterals>["aliases"];
  readonly hintIds: readonly (readonly number[])[];
  readonly hintSpan: number;
  readonly anchored: readonly (AnchoredPlan | null)[];
  /** Plans (by index) each literal is a hint of. */
  readonly plansOfLiteral: readonly (readonly number[])[];
  /** Which plans had a hint in the last text (`hintGeneration` marks them). */
  readonly hintedIn: Int32Array;
  /**
   * Context a rule match at p reads: [p − before, p + after) covers every rule's attempt there
   * and its signal's (mention, excerpt). Null when a rule's reach is unbounded (no split scans).
   */
  readonly reach: { readonly before: number; readonly after: number } | null;
}

let tables: RuleTables | undefined;

function buildTables(): RuleTables {
  const plans = planRules([...RULES, ...MULTILINGUAL_RULES]);
  // Literal anchors of the (Latin-script) rules; multilingual ones keep their hint windows.
  const branches = ruleBranches(plans, FIRST_MULTILINGUAL);
  // Every hint and anchor literal, in one automaton run once per text.
  const all = new Set<string>();
  for (const p of plans) for (const h of p.rule.hints ?? []) all.add(h);
  for (const b of branches)
    for (const { anchor, filters } of b ?? [])
      for (const r of [anchor, ...filters]) for (const l of r.literals) all.add(l);
  const literals = [...all];
  const literalId = new Map(literals.map((l, id) => [l, id]));
  const index = indexLiterals(literals);
  const hintIds = plans.map((p) => (p.rule.hints ?? []).map((h) => literalId.get(h)!));
  const plansOfLiteral: number[][] = literals.map(() => []);
  hintIds.forEach((ids, k) => {
    for (const id of ids) plansOfLiteral[id]!.push(k);
  });
  return {
    plans,
    hits: new LiteralHits(index),
    aliases: index.aliases,
    hintIds,
    hintSpan: Math.max(...literals.map((l) => l.length)),
    anchored: plans.map((p, k) => {
      const b = branches[k];
      return b ? anchoredPlan(p, b, (l) => literalId.get(l)!) : null;
    }),
    plansOfLiteral,
    hintedIn: new Int32Array(plans.length),
    reach: reachOf(plans),
  };
}

/** Characters a rule's signal reads around its match: 30 before (mention, quoted example), 20 after (excerpt). */
const SIGNAL_BEFORE = 30;
const SIGNAL_AFTER = 20;

function reachOf(plans: ReturnType<typeof planRules>): RuleTables["reach"] {
  let before = 0;
  let after = 0;
  for (const { bounds } of plans) {
    const { behind, maxLen, ahead } = bounds;
    if (!Number.isFinite(behind) || !Number.isFinite(maxLen) || !Number.isFinite(ahead)) return null;
    before = Math.max(before, behind);
    after = Math.max(after, maxLen + ahead);
  }
  // (+8: a word boundary or line anchor reads one character past the bounds; a margin to spare.)
  return { before: Math.max(before, SIGNAL_BEFORE) + 8, after: after + SIGNAL_AFTER + 8 };
}

/**
 * Builds the rule tables now if they are not built yet. A process calls it once it knows it will
 * scan (the interceptor's creation, a pool worker preparing an injection task), so the first
 * message does not pay for it.
 */
export function warmRules(): void {
  tables ??= buildTables();
}

let warmQueued = false;

/**
 * Builds the rule tables on the next turn of the event loop: a process that is starting (config
 * compiled, upstream being spawned) gets them off its start-up path and before its first message
 * in practice; a message that comes sooner builds them itself.
 */
export function warmRulesSoon(): void {
  if (tables !== undefined || warmQueued) return;
  warmQueued = true;
  setTimeout(warmRules, 0).unref();
}

let hintGeneration = 0;

/** Start positions (ascending, distinct) of plan k's hints in the text last given to `t.hits`. */
function hintPositions(t: RuleTables, k: number): number[] {
  const out: number[] = [];
  for (const id of t.hintIds[k]!) {
    for (let c = t.hits.count(id) - 1; c >= 0; c--) out.push(t.hits.position(id, c));
  }
  out.sort((a, b) => a - b);
  let w = 0;
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[w - 1]) out[w++] = out[i]!;
  out.length = w;
  return out;
}

/** Marks the plans with a hint in the text `t.hits` last read (one pass over the literals found). */
function markHints(t: RuleTables): void {
  hintGeneration = t.hits.generation;
  const touched = t.hits.touchedIds;
  for (let i = 0; i < touched.length; i++) {
    const id = touched[i]!;
    // A folded non-ASCII literal stands for the others at its automaton state.
    for (const k of t.plansOfLiteral[id]!) t.hintedIn[k] = hintGeneration;
    for (const other of t.aliases[id]!) for (const k of t.plansOfLiteral[other]!) t.hintedIn[k] = hintGeneration;
  }
}

/**
 * Per multilingual rule (in order), a class of the non-ASCII characters it spells out, or null
 * when it spells none. Text without any of a rule's own characters can only match its
 * Latin-script alternatives, which its hints cover (as in plain ASCII text). Per rule, not one
 * class for all of them: an em dash (one rule's) must not send every other rule over the whole text.
 */
const MULTILINGUAL_CHARS: readonly (RegExp | null)[] = MULTILINGUAL_RULES.map(({ re }) => ownNonAscii(re));

/**
 * A class of the non-ASCII characters `re` spells out (ranges kept whole), null when it spells
 * none, or any non-ASCII character when its source names characters some other way (a property
 * escape, `\x` or `\u{…}`): a gate that is too wide costs a regex run, one too narrow a miss.
 */
export function ownNonAscii(re: RegExp): RegExp | null {
  const ANY = /[^\x00-\x7f]/;
  // JavaScriptCore writes non-ASCII characters in `source` as \uXXXX escapes.
  const src = re.source;
  const parts = new Set<string>();
  const unitAt = (i: number): [number, number] | undefined => {
    if (src[i] === "\\" && src[i + 1] === "u" && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
      return [Number.parseInt(src.slice(i + 2, i + 6), 16), i + 6];
    }
    const c = src.charCodeAt(i);
    return c > 0x7f ? [c, i + 1] : undefined;
  };
  const hex = (u: number) => `\\u${u.toString(16).padStart(4, "0")}`;
  for (let i = 0; i < src.length; ) {
    const at = unitAt(i);
    if (at === undefined) {
      if (src[i] === "\\") {
        const next = src[i + 1];
        if (next === "p" || next === "P" || next === "x" || next === "u") return ANY;
        i += 2;
      } else i++;
      continue;
    }
    const [lo, after] = at;
    const hi = src[after] === "-" ? unitAt(after + 1) : undefined;
    if (hi !== undefined) {
      if (lo < 0x80) return ANY; // a range from ASCII into non-ASCII: not worth splitting
      parts.add(`${hex(lo)}-${hex(hi[0])}`);
      i = hi[1];
    } else {
      if (lo < 0x80) throw new Error("multilingual rules: an ASCII character among their own");
      parts.add(hex(lo));
      i = after;
    }
  }
  return parts.size === 0 ? null : new RegExp(`[${[...parts].join("")}]`, re.flags.includes("i") ? "i" : "");
}

/** A quoted or cited phrase ("phrases such as 'ignore previous instructions'") is talked about, not given. */
const MENTION_BEFORE =
  /(?:["'`\u201c\u2018\u00ab][ \t]{0,3}|(?:such as|like|e\.g\.,?|for example|phrases?|the string|the words?|known as|called|quot(?:e|ing)s?)\s{0,3})$/;
const MENTION_FACTOR = 0.35;
/** In content (documents, web pages), quoted commands, paths and delimiters are usually examples. */
const MENTIONABLE_IN_CONTENT = new Set(["command_exec", "file_exfil", "fake_delimiter"]);
/** Signals that read code, where string literals are how the thing is written, not a quotation. */
const READS_CODE = new Set(["harmful_code"]);

function isMention(text: string, index: number): boolean {
  return MENTION_BEFORE.test(text.slice(Math.max(0, index - 24), index));
}

/** "run `…`", "execute `…`": a quoted command after a directive verb is an instruction, not an example. */
const DIRECTIVE_BEFORE = /\b(?:run|execute|exec|invoke|type|paste|enter|call)\b[^\n`]{0,20}`?[^\n`]{0,4}$/;

/** A command, path or delimiter in `inline code` that no directive verb introduces. */
function quotedExample(rule: Rule, text: string, m: RegExpExecArray): boolean {
  if (rule.family === "override") return false;
  const tick = m[0].indexOf("`");
  const before = text.slice(Math.max(0, m.index - 30), m.index + Math.max(0, tick));
  const inside = tick >= 0 || text[m.index - 1] === "`";
  return inside && !DIRECTIVE_BEFORE.test(before);
}

/**
 * The signal of rule match `m` in `text`. Reads at most 30 characters before the match and 20
 * after it (mention, quoted example, excerpt).
 */
function ruleSignal(
  rule: Rule,
  w: number,
  col: 0 | 1,
  text: string,
  m: RegExpExecArray,
  where: string,
  hiddenIn: CarrierKind | undefined,
): Signal {
  const mentionable =
    !READS_CODE.has(rule.signal) &&
    (rule.family === "override" || (col === 1 && MENTIONABLE_IN_CONTENT.has(rule.family)));
  const mention = mentionable && (isMention(text, m.index) || (col === 1 && quotedExample(rule, text, m)));
  const weight = mention ? w * MENTION_FACTOR : w;
  const excerpt = excerptOf(text, m.index, m[0].length);
  return { signal: rule.signal, family: rule.family, weight, where, excerpt, hiddenIn };
}

/**
 * Runs every rule on one normalised text. With `at`, also records each signal's rule index and
 * match position there, as pairs.
 */
function runRules(
  text: string,
  role: Role,
  where: string,
  out: Signal[],
  hiddenIn?: CarrierKind,
  at?: number[],
): number {
  const col = role === "definition" ? 0 : 1;
  let hits = 0;
  const emit = (k: number, rule: Rule, w: number, m: RegExpExecArray) => {
    hits++;
    out.push(ruleSignal(rule, w, col, text, m, where, hiddenIn));
    at?.push(k, m.index);
  };
  // One pass finds every hint and anchor literal; a rule none of whose hints occurs cannot match.
  const long = text.length >= WINDOW_MIN_CHARS;
  tables ??= buildTables();
  const t = tables;
  const { plans, hits: found, hintedIn } = t;
  found.find(text);
  markHints(t);
  // Only the Latin-script alternatives of a multilingual rule can match text without its
  // characters (the text's non-ASCII characters found once, only when a multilingual rule needs them).
  let probe: string | undefined;
  for (let k = 0; k < plans.length; k++) {
    const plan = plans[k]!;
    const rule = plan.rule;
    const w = rule.weight[col]!;
    if (w === 0 && k < FIRST_MULTILINGUAL) continue;
    const hinted = rule.hints === undefined || hintedIn[k] === hintGeneration;
    let gated = rule.hints !== undefined;
    if (k >= FIRST_MULTILINGUAL && (!hinted || long)) {
      // The class reads only non-ASCII characters: tested on those alone ("" for ASCII text).
      probe ??= nonAsciiOf(text);
      const chars = MULTILINGUAL_CHARS[k - FIRST_MULTILINGUAL] ?? null;
      gated &&= probe === "" || chars === null || !chars.test(probe);
    }
    if (gated && !hinted) continue;
    const anchored = t.anchored[k];
    const m =
      anchored !== null && anchored !== undefined
        ? execAnchored(anchored, text, found)
        : gated && long && Number.isFinite(plan.bounds.maxLen)
          ? execWindows(plan, text, hintPositions(t, k), t.hintSpan)
          : rule.re.exec(text);
    if (m !== null) emit(k, rule, w, m);
  }
  return hits;
}

/** Scans one string in its slot; appends signals to `out`. */
/**
 * Short plain tokens ("path", "max_results", "UTC", "File Path") cannot carry an instruction or a
 * carrier. Two words at most: three already make one ("Ignore prior rules.", "Reply in reverse.").
 */
const PLAIN_TOKEN = /^(?=.{0,24}$)[A-Za-z0-9_.,:/()-]*(?: [A-Za-z0-9_.,:/()-]*)?$/;

/**
 * Results for definition strings seen before. Servers send the same tool descriptions in every
 * `tools/list` (and every session): scanning is a pure function of (role, name or not, text), so a
 * repeated string costs a map lookup. Bounded by total characters; least recently used go first.
 */
const DEFINITION_CACHE_CHARS = 4 * 1024 * 1024;
const DEFINITION_CACHE_MAX_TEXT = 16 * 1024;
type CachedSignal = Omit<Signal, "where">;
/**
 * Names and other text are scanned differently, so they are cached apart. Keyed by the string
 * itself (not a concatenated key): the engine hashes a string once, a new key string each time.
 */
const definitionCache = {
  name: new Map<string, readonly CachedSignal[]>(),
  text: new Map<string, readonly CachedSignal[]>(),
};
let definitionCacheChars = 0;

/**
 * Empties the definition caches, the rules' and the learned scorer's (benchmarks measure
 * first-sight cost with it).
 */
export function clearDefinitionCache(): void {
  definitionCache.name.clear();
  definitionCache.text.clear();
  definitionCacheChars = 0;
  resetDefinitionCache();
}

/**
 * Runs the rules on one string. Returns the string's normalisation when this call computed it (not
 * for a skipped token or a cache hit), so the learned scorer does not normalise it again.
 */
export function scanString(seg: Segment, role: Role, out: Signal[]): Normalized | undefined {
  if (PLAIN_TOKEN.test(seg.text) && (seg.slot !== "name" || seg.text.length < 12)) return undefined;
  // Signals depend on earlier ones only through the same path (see `visible`): cache the usual case.
  if (role !== "definition" || seg.text.length > DEFINITION_CACHE_MAX_TEXT || out.some((o) => o.where === seg.path))
    return scanStringUncached(seg, role, out);
  const cache = seg.slot === "name" ? definitionCache.name : definitionCache.text;
  const key = seg.text;
  let cached = cache.get(key);
  let n: Normalized | undefined;
  if (cached !== undefined) {
    cache.delete(key); // most recently used last
    cache.set(key, cached);
  } else {
    const own: Signal[] = [];
    n = scanStringUncached(seg, role, own);
    // Plain property copies: object rest and spread are several times slower in JavaScriptCore.
    cached = own.map((o) => ({
      signal: o.signal,
      family: o.family,
      weight: o.weight,
      excerpt: o.excerpt,
      hiddenIn: o.hiddenIn,
    }));
    cache.set(key, cached);
    definitionCacheChars += key.length;
    // Least recently used first: this kind's, then the other's.
    if (definitionCacheChars > DEFINITION_CACHE_CHARS)
      for (const m of [cache, cache === definitionCache.name ? definitionCache.text : definitionCache.name]) {
        for (const [k] of m) {
          if (definitionCacheChars <= DEFINITION_CACHE_CHARS) break;
          m.delete(k);
          definitionCacheChars -= k.length;
        }
      }
  }
  for (const c of cached)
    out.push({
      signal: c.signal,
      family: c.family,
      weight: c.weight,
      where: seg.path,
      excerpt: c.excerpt,
      hiddenIn: c.hiddenIn,
    });
  return n;
}

function scanStringUncached(seg: Segment, role: Role, out: Signal[], split?: SplitString): Normalized {
  const col = role === "definition" ? 0 : 1;
  const n = split?.n ?? normalize(readableText(seg));
  if (split !== undefined) {
    for (const s of split.visible) out.push(s);
  } else if (seg.slot === "name") {
    // Only whole-name rules apply to names; a name that is a sentence is itself suspicious.
    for (const rule of RULES) {
      if (rule.signal !== "conversation_field") continue;
      const w = rule.weight[col]!;
      const m = w > 0 ? rule.re.exec(n.text) : null;
      if (m)
        out.push({
          signal: rule.signal,
          family: rule.family,
          weight: w,
          where: seg.path,
          excerpt: excerptOf(n.text, m.index, m[0].length),
        });
    }
    if (n.text.split(" ").length >= SENTENCE_NAME_WORDS) runRules(n.text, role, seg.path, out);
  } else {
    runRules(n.text, role, seg.path, out);
  }
  const visible = new Set<string>();
  for (const o of out) if (o.where === seg.path) visible.add(o.signal);
  for (const h of n.hidden) {
    const before = out.length;
    const hits = runRules(h.text, role, seg.path, out, h.carrier);
    // Hidden text only adds evidence when it says something the visible text does not.
    let fresh = false;
    // (Whole-text folds only: comments and CSS-hidden text are in the visible text but not rendered.)
    const wholeTextFold = h.carrier === "leetspeak" || h.carrier === "rot13_text";
    for (let k = before; k < out.length; k++) if (!wholeTextFold || !visible.has(out[k]!.signal)) fresh = true;
    if (hits > 0 && fresh) {
      out.push({
        signal: "hidden_instruction",
        family: "hidden",
        weight: HIDDEN_INSTRUCTION[col]!,
        where: seg.path,
        excerpt: out[before]!.excerpt,
        hiddenIn: h.carrier,
      });
    }
  }
  for (const [carrier, count] of n.carriers) {
    let w = CARRIER_WEIGHT[carrier][col]!;
    if (w === 0) continue;
    // One stray zero-width or bidi character is a typo; interleaving is a technique.
    if ((carrier === "zero_width" || carrier === "homoglyph") && count < 3) w /= 2;
    out.push({
      signal: `carrier_${carrier}`,
      family: "obfuscation",
      weight: w,
      where: seg.path,
      excerpt: `${count} occurrence${count === 1 ? "" : "s"}`,
    });
  }
  return n;
}

/** Combines signals into one score: each signal once, at its highest weight. */
export function combine(signals: readonly Pick<Signal, "signal" | "weight">[]): number {
  const best = new Map<string, number>();
  for (const s of signals) if ((best.get(s.signal) ?? 0) < s.weight) best.set(s.signal, s.weight);
  let keep = 1;
  for (const w of best.values()) keep *= 1 - w;
  return Math.min(0.99, 1 - keep);
}

export type RiskLevel = "none" | "low" | "medium" | "high" | "critical";

export function riskLevel(score: number): RiskLevel {
  if (score >= 0.9) return "critical";
  if (score >= 0.7) return "high";
  if (score >= 0.4) return "medium";
  if (score > 0) return "low";
  return "none";
}

function severityOf(score: number): Finding["severity"] {
  const r = riskLevel(score);
  return r === "none" ? "low" : r;
}

/**
 * Excerpts come from lower-cased text, where case-sensitive secret detectors no longer see keys:
 * long runs mixing letters and digits (tokens, keys, hashes) are masked as well.
 */
const TOKEN_RUN = /[a-z0-9_+/=-]{8,}/g;
function safeExcerpt(text: string): string {
  return redactString(text).text.replace(TOKEN_RUN, (run) =>
    /\d/.test(run) && /[a-z]/.test(run) ? "[REDACTED]" : run,
  );
}

/** Findings for one item: one per signal, best-weighted occurrence, with the item's score on top. */
function toFindings(signals: readonly Signal[]): Finding[] {
  // The usual case (nothing found) without the map, copy, sort and map below.
  if (signals.length === 0) return [];
  const best = new Map<string, Signal>();
  for (const s of signals) {
    const b = best.get(s.signal);
    if (b === undefined || b.weight < s.weight) best.set(s.signal, s);
  }
  return [...best.values()]
    .sort((a, b) => b.weight - a.weight)
    .map((s) => ({
      detector: DETECTOR,
      signal: s.hiddenIn ? `${s.signal}` : s.signal,
      where: s.where,
      // Findings reach audit, logs and `mcpgw scan` output: secrets in an excerpt are redacted here.
      excerpt: safeExcerpt(s.hiddenIn ? `[${s.hiddenIn}] ${s.excerpt}` : s.excerpt),
      score: s.weight,
      severity: severityOf(s.weight),
    }));
}

export interface ToolReport {
  readonly index: number;
  readonly name: string;
  readonly score: number;
  readonly risk: RiskLevel;
  readonly findings: readonly Finding[];
}

/**
 * Where the learned scorer (model.ts) runs: tool definitions and server instructions only, also
 * content (tool results, resources, prompts, server requests, arguments; the default), or nowhere.
 */
export type LearnedModel = "definitions" | "all" | "off";
export const DEFAULT_LEARNED_MODEL: LearnedModel = "all";

export interface ScanOptions {
  /** Tool names other servers of this session advertised: naming them is cross-server shadowing. */
  readonly foreignTools?: ReadonlySet<string>;
  /** Where the learned scorer runs (default `all`). */
  readonly learnedModel?: LearnedModel;
}

function modelOn(options: ScanOptions, role: Role): boolean {
  const m = options.learnedModel ?? DEFAULT_LEARNED_MODEL;
  return m === "all" || (m === "definitions" && role === "definition");
}

const SHADOW_WEIGHT = 0.55;

/** Mentions of other servers' tools inside this tool's text. */
function shadowSignals(segments: readonly Segment[], own: string, foreign: ReadonlySet<string>, out: Signal[]): void {
  if (foreign.size === 0) return;
  for (const seg of segments) {
    if (seg.slot === "name") continue;
    const lower = seg.text.toLowerCase();
    for (const name of foreign) {
      if (name === own || name.length < 4) continue;
      const i = lower.indexOf(name.toLowerCase());
      if (i < 0) continue;
      const before = i === 0 ? " " : lower[i - 1]!;
      const after = lower[i + name.length] ?? " ";
      if (/[a-z0-9_]/.test(before) || /[a-z0-9_]/.test(after)) continue;
      out.push({
        signal: "cross_server_reference",
        family: "shadowing",
        weight: SHADOW_WEIGHT,
        where: seg.path,
        excerpt: excerptOf(lower, i, name.length),
      });
      return;
    }
  }
}

/** A snake_case tool name in normalised text (the form the rule's named-tool branches match). */
const TOOL_NAME_TOKEN = /[a-z][a-z0-9]*(?:_[a-z0-9]+)+/g;
let modifyOtherTools: RegExp | undefined;

/**
 * `modify_other_tools` names a tool whose every call must change; when every match in a string
 * names the definition's own tool and no other ("each edit_block call should change only what is
 * needed"), the text documents the tool itself, not another one. Hidden text keeps the signal.
 */
function dropSelfReference(
  signals: Signal[],
  segments: readonly Segment[],
  normalized: readonly (Normalized | undefined)[],
  own: string,
): void {
  const self = own.toLowerCase();
  if (!self.includes("_")) return;
  for (let k = signals.length - 1; k >= 0; k--) {
    const s = signals[k]!;
    if (s.signal !== "modify_other_tools" || s.hiddenIn) continue;
    const at = segments.findIndex((g) => g.path === s.where);
    if (at < 0) continue;
    modifyOtherTools ??= new RegExp(RULES.find((r) => r.signal === "modify_other_tools")!.re.source, "g");
    // The scan's own normalisation, unless the string's signals came from the definition cache.
    const text = (normalized[at] ?? normalize(readableText(segments[at]!))).text;
    let onlySelf = true;
    for (const m of text.matchAll(modifyOtherTools)) {
      const named = m[0].match(TOOL_NAME_TOKEN) ?? [];
      if (named.length === 0 || named.some((t) => t !== self)) onlySelf = false;
    }
    if (onlySelf) signals.splice(k, 1);
  }
}

/** Scores every tool of a tools/list result. */
export function scanTools(result: unknown, options: ScanOptions = {}, base = "result"): ToolReport[] {
  const tools = toolsOf(result);
  const reports: ToolReport[] = [];
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i] as { name?: unknown } | null;
    const name = typeof t?.name === "string" ? t.name : `#${i}`;
    const { segments, truncated } = toolSegments(t, `${base}.tools[${i}]`);
    const signals: Signal[] = [];
    const normalized = segments.map((seg) => scanString(seg, "definition", signals));
    dropSelfReference(signals, segments, normalized, name);
    if (options.foreignTools) shadowSignals(segments, name, options.foreignTools, signals);
    // The learned scorer (model.ts) on the whole definition and each of its sentences.
    if (modelOn(options, "definition")) {
      const learned = learnedDefinition(segments, `${base}.tools[${i}]`, normalized);
      if (learned) signals.push(learned);
    }
    if (truncated)
      signals.push({
        signal: "schema_too_large",
        family: "obfuscation",
        weight: 0.9,
        where: `${base}.tools[${i}]`,
        excerpt: "nesting or size beyond inspection limits",
      });
    const score = signals.length === 0 ? 0 : combine(signals);
    reports.push({ index: i, name, score, risk: riskLevel(score), findings: toFindings(signals) });
  }
  return reports;
}

export interface ContentReport {
  readonly score: number;
  readonly risk: RiskLevel;
  readonly findings: readonly Finding[];
  /** Paths of the strings whose own signals reach `score`'s threshold (for replacement). */
  readonly paths: readonly { path: string; score: number }[];
}

/** Scores content flowing to the model (tool results, resources, prompts, server requests, arguments). */
export function scanContent(
  kind: Exclude<PayloadKind, "tools_list">,
  value: unknown,
  base: string,
  options: ScanOptions = {},
): ContentReport {
  return contentReport(extractSegments(kind, value, base), base, options);
}

function contentReport(
  { segments, truncated }: ReturnType<typeof extractSegments>,
  base: string,
  options: ScanOptions,
  split?: ReadonlyMap<Segment, SplitString>,
): ContentReport {
  const model = modelOn(options, "content");
  const signals: Signal[] = [];
  const perPath: { path: string; score: number }[] = [];
  for (const seg of segments) {
    const own: Signal[] = [];
    const parts = split?.get(seg);
    const n =
      parts !== undefined
        ? scanStringUncached(seg, "content", own, parts)
        : scanString(seg, seg.slot === "content" ? "content" : "definition", own);
    // The learned scorer (model.ts) on content, window by window.
    if (model && seg.slot === "content" && !PLAIN_TOKEN.test(seg.text)) {
      const learned =
        parts === undefined
          ? learnedContent(seg.text, seg.path, n)
          : parts.best && learnedContentOf(parts.n, parts.best, seg.path);
      if (learned) own.push(learned);
    }
    if (own.length > 0) {
      perPath.push({ path: seg.path, score: combine(own) });
      for (const s of own) signals.push(s);
    }
  }
  if (truncated)
    signals.push({
      signal: "content_too_large",
      family: "obfuscation",
      weight: 0.9,
      where: base,
      excerpt: "nesting or size beyond inspection limits",
    });
  const score = signals.length === 0 ? 0 : combine(signals);
  return { score, risk: riskLevel(score), findings: toFindings(signals), paths: perPath };
}

/** Scores one free-standing text (e.g. a server's `instructions`) in the given role. */
export function scanText(text: string, role: Role, where: string, options: ScanOptions = {}): ContentReport {
  const signals: Signal[] = [];
  const seg: Segment = { path: where, text, slot: role === "definition" ? "text" : "content" };
  const n = scanString(seg, role, signals);
  if (modelOn(options, role)) {
    const learned = role === "definition" ? learnedDefinition([seg], where, [n]) : learnedContent(text, where, n);
    if (learned) signals.push(learned);
  }
  const score = signals.length === 0 ? 0 : combine(signals);
  return {
    score,
    risk: riskLevel(score),
    findings: toFindings(signals),
    paths: signals.length ? [{ path: where, score }] : [],
  };
}

/**
 * The pure entry point for off-thread use: one payload's JSON text in, findings out.
 * `jsonText` is the JSON-RPC `result` (for tools_list, tool_result, resource, prompt) or
 * `params` (server_request, tool_arguments). Each finding carries the item score in `score`;
 * for tools_list, `where` names the tool.
 */
export function scanPayload(kind: PayloadKind, jsonText: string): Finding[] {
  const value: unknown = JSON.parse(jsonText);
  if (kind === "tools_list") {
    const out: Finding[] = [];
    for (const r of scanTools(value)) for (const f of r.findings) out.push(f);
    return out;
  }
  const base = kind === "server_request" || kind === "tool_arguments" ? "params" : "result";
  return [...scanContent(kind, value, base).findings];
}

/*
 * Split scans: one long content string judged in parts on several threads, with the report of the
 * whole-string scan. Each thread normalises the whole string (the same pure function, the same
 * result) and then does only its part of the two costly steps:
 *   - the rules on the visible text: each rule's first match is wanted, and a match is decided by
 *     the characters around it (every rule's reach is bounded, `RuleTables.reach`), so a part
 *     reports each rule's first match that STARTS in its range, found in a slice that covers the
 *     range and that reach; the whole string's first match is then the earliest part's;
 *   - the learned scorer: every part finds the same windows and scores those that start in its
 *     range; the whole string's best window is the best of the parts' (the earliest on a tie).
 * Hidden and decoded text, carriers and the rest run once, on the thread that assembles the report.
 */

/** What one part of a split string scan found. JSON-serialisable: it comes back from a pool worker. */
export interface PartReport {
  /** Each rule's first visible-text match that starts in the part: the rule's index and its signal. */
  readonly rules: readonly (readonly [k: number, signal: Signal])[];
  /** The learned scorer's best window that starts in the part; null when it does not run. */
  readonly best: UnitScore | null;
}

/** A split string's normalisation and merged parts: what scanStringUncached and the learned scorer use. */
interface SplitString {
  readonly n: Normalized;
  readonly visible: readonly Signal[];
  readonly best: UnitScore | null;
}

/** How far before and after its start a rule match reads (null: unbounded, no splits). For tests. */
export function splitReach(): RuleTables["reach"] {
  tables ??= buildTables();
  return tables.reach;
}

/**
 * Content strings at least this long are split by default. Below it the copy to a worker, its own
 * normalisation and the round trip cost about what half the scan saves (64 KiB: a split judged
 * ~0.1 ms slower than whole through the gateway, bench of 2026-12-07T23-47Z).
 */
export const SPLIT_MIN_CHARS = 128 * 1024;

/**
 * Part [from, to) of a content string's scan, the bounds given as fractions of its lengths (the
 * visible text's for the rules, the learned scorer's text's for it): both threads compute the same
 * positions from them. `n` is `normalize(raw)`.
 */
export function scanContentPart(n: Normalized, from: number, to: number, learned: boolean, where: string): PartReport {
  const rules = rulesPart(n.text, Math.floor(n.text.length * from), Math.floor(n.text.length * to), where);
  if (!learned) return { rules, best: null };
  const len = contentLength(n);
  return { rules, best: learnedContentPart(n, Math.floor(len * from), Math.floor(len * to)) };
}

/** Each rule's first match in `text` that starts in [from, to), with its signal, in rule order. */
function rulesPart(text: string, from: number, to: number, where: string): [number, Signal][] {
  tables ??= buildTables();
  const t = tables;
  if (t.reach === null) throw new Error("injection: a rule's reach is unbounded; strings cannot be split");
  const lo = Math.max(0, from - t.reach.before);
  const hi = Math.min(text.length, to + t.reach.after);
  const slice = lo === 0 && hi === text.length ? text : text.slice(lo, hi);
  const signals: Signal[] = [];
  const at: number[] = [];
  runRules(slice, "content", where, signals, undefined, at);
  const out: [number, Signal][] = [];
  for (let j = 0; j < signals.length; j++) {
    const k = at[2 * j]!;
    const p = at[2 * j + 1]! + lo;
    if (p >= to) continue; // a later part's (or none of this part's: an earlier one would have come first)
    if (p >= from) {
      out.push([k, signals[j]!]);
      continue;
    }
    // The first match is in the slice's left margin, before the part: the rule's next one, from
    // `from` on, in the same slice (which covers the reach of every start in the part).
    const plan = t.plans[k]!;
    const g = plan.global;
    g.lastIndex = from - lo;
    const m = g.exec(slice);
    if (m !== null && m.index + lo < to)
      out.push([k, ruleSignal(plan.rule, plan.rule.weight[1]!, 1, slice, m, where, undefined)]);
  }
  return out;
}

/** Runs part [from, to) of a string's scan elsewhere: {@link scanContentPart} on `normalize(raw)`. */
export type PartRunner = (
  raw: string,
  from: number,
  to: number,
  learned: boolean,
  where: string,
) => Promise<PartReport>;

/**
 * {@link scanContent}, with each content string of at least `minChars` scanned in two
 * parts: [0, share) here, [share, 1) by `runPart` at the same time. Synchronous (the whole scan
 * here) when no string is split; rejects when a part fails. The report is the whole scan's.
 */
export function scanContentSplit(
  kind: Exclude<PayloadKind, "tools_list">,
  value: unknown,
  base: string,
  options: ScanOptions,
  runPart: PartRunner,
  share: number,
  minChars = SPLIT_MIN_CHARS,
): ContentReport | Promise<ContentReport> {
  const extracted = extractSegments(kind, value, base);
  tables ??= buildTables();
  const long: Segment[] = [];
  if (tables.reach !== null)
    // (A lone surrogate would not survive the trip to a worker as UTF-8.)
    for (const seg of extracted.segments)
      if (seg.slot === "content" && seg.text.length >= minChars && seg.text.isWellFormed()) long.push(seg);
  if (long.length === 0) return contentReport(extracted, base, options);
  const learned = modelOn(options, "content");
  const remote = Promise.all(long.map((seg) => runPart(seg.text, share, 1, learned, seg.path)));
  remote.catch(() => undefined); // (handled below; this only keeps a failure here from going unhandled)
  const local = long.map((seg) => {
    const n = normalize(readableText(seg));
    return { n, part: scanContentPart(n, 0, share, learned, seg.path) };
  });
  return remote.then((parts) => {
    const split = new Map<Segment, SplitString>();
    for (let i = 0; i < long.length; i++) split.set(long[i]!, mergeParts(local[i]!.n, [local[i]!.part, parts[i]!]));
    return contentReport(extracted, base, options, split);
  });
}

/** The whole string's rule signals and best window from its parts' (in order). */
function mergeParts(n: Normalized, parts: readonly PartReport[]): SplitString {
  const first = new Map<number, Signal>();
  let best: UnitScore | null = null;
  for (const part of parts) {
    for (const [k, signal] of part.rules) if (!first.has(k)) first.set(k, signal);
    if (part.best !== null && (best === null || part.best.p > best.p)) best = part.best;
  }
  const visible = [...first.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  return { n, visible, best };
}
