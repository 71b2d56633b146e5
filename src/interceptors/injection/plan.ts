/**
 * Running the rule table cheaply on long text, with exactly the matches a plain `re.exec(text)`
 * would return.
 *
 * Each rule lists `hints`: literals of which every match contains one. One pass of a single
 * alternation over all hints finds every hint occurrence (overlapping ones too) and so tells,
 * per rule, whether it can match at all and where. On long text a rule's regex then runs only on
 * windows around its hint occurrences instead of over the whole text: JavaScriptCore's regex
 * engine pays per starting position, so ~45 full passes over a 64 KiB result cost milliseconds.
 *
 * Why a window gives the same answer: every rule's regex has a bounded match length (all gaps are
 * `{0,N}`), bounded lookbehind and lookahead, computed here from the source. A match that contains
 * a hint at `h` starts in `[h − maxLen, h]`; an attempt at position p reads only the characters in
 * `[p − behind, p + maxLen + ahead]`. A slice that covers that range for every candidate start
 * therefore sees the same attempts as the whole text, and trying the candidate regions from left to
 * right finds the leftmost match, which is the one `exec` returns. Rules whose length cannot be
 * bounded run on the whole text.
 */
import type { BranchAnchors, Requirement } from "./anchors.ts";
import type { Rule } from "./rules.ts";

/** Shorter texts are scanned whole: a window would cover them anyway. */
export const WINDOW_MIN_CHARS = 2048;

interface Bounds {
  /** Longest match, in UTF-16 code units; Infinity when unbounded. */
  readonly maxLen: number;
  /** Longest lookbehind (how far before a position an attempt may read). */
  readonly behind: number;
  /** Longest lookahead. */
  readonly ahead: number;
}

/**
 * Bounds of a regex source (no `u`/`v` flags): lengths of alternatives, groups, classes and
 * quantifiers. Conservative: anything it does not understand makes the length unbounded.
 */
export function regexBounds(source: string): Bounds {
  let i = 0;
  let behind = 0;
  let ahead = 0;
  const fail = { maxLen: Number.POSITIVE_INFINITY, behind: 0, ahead: 0 };

  // Returns the max length of a disjunction up to ")" or end.
  function disjunction(): number {
    let best = sequence();
    while (source[i] === "|") {
      i++;
      best = Math.max(best, sequence());
    }
    return best;
  }

  function sequence(): number {
    let total = 0;
    while (i < source.length && source[i] !== "|" && source[i] !== ")") total += quantified(atom());
    return total;
  }

  function quantified(len: number): number {
    const c = source[i];
    let out = len;
    if (c === "*" || c === "+") {
      i++;
      out = len === 0 ? 0 : Number.POSITIVE_INFINITY;
    } else if (c === "?") {
      i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m === null) return len; // a literal "{"
      i += m[0].length;
      if (m[2] === undefined) out = len * Number(m[1]);
      else if (m[3] === "") out = len === 0 ? 0 : Number.POSITIVE_INFINITY;
      else out = len * Number(m[3]);
    } else {
      return len;
    }
    if (source[i] === "?") i++; // lazy
    return out;
  }

  function atom(): number {
    const c = source[i]!;
    if (c === "^" || c === "$") {
      i++;
      return 0;
    }
    if (c === "\\") {
      const n = source[i + 1];
      if (n === "b" || n === "B") {
        i += 2;
        return 0;
      }
      if (n === "u") {
        i += 6;
        return 1;
      }
      if (n === "x") {
        i += 4;
        return 1;
      }
      if (n === "c") {
        i += 3;
        return 1;
      }
      if (n !== undefined && /[1-9k]/.test(n)) throw new Error("backreference");
      i += 2;
      return 1;
    }
    if (c === "[") {
      i++;
      if (source[i] === "^") i++;
      if (source[i] === "]") i++;
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
      if (i >= source.length) throw new Error("unterminated class");
      i++;
      return 1;
    }
    if (c === "(") {
      i++;
      let kind: "group" | "ahead" | "behind" = "group";
      if (source[i] === "?") {
        const head = source.slice(i, i + 3);
        if (head.startsWith("?:")) i += 2;
        else if (head === "?<=" || head === "?<!") {
          i += 3;
          kind = "behind";
        } else if (head.startsWith("?=") || head.startsWith("?!")) {
          i += 2;
          kind = "ahead";
        } else if (head === "?<") {
          const close = source.indexOf(">", i);
          if (close < 0) throw new Error("bad group name");
          i = close + 1;
        } else throw new Error("unknown group");
      }
      const len = disjunction();
      if (source[i] !== ")") throw new Error("unbalanced group");
      i++;
      if (kind === "behind") {
        behind = Math.max(behind, len);
        return 0;
      }
      if (kind === "ahead") {
        ahead = Math.max(ahead, len);
        return 0;
      }
      return len;
    }
    i++;
    return 1;
  }

  try {
    const maxLen = disjunction();
    if (i !== source.length) return fail;
    // A lookaround of unbounded length means an attempt may read anywhere.
    if (!Number.isFinite(behind) || !Number.isFinite(ahead)) return fail;
    return { maxLen, behind, ahead };
  } catch {
    return fail;
  }
}

export interface RulePlan {
  readonly rule: Rule;
  readonly bounds: Bounds;
  /** Global copy of `rule.re` for windowed runs (lastIndex is set per window). */
  readonly global: RegExp;
}

export function planRules(rules: readonly Rule[]): RulePlan[] {
  return rules.map((rule) => ({
    rule,
    bounds: regexBounds(rule.re.source),
    global: new RegExp(rule.re.source, `${rule.re.flags.replace("g", "")}g`),
  }));
}

/**
 * The first match of `plan` in `text`, trying only windows around the hint occurrences `at`.
 * Returns what `plan.rule.re.exec(text)` returns (same index and match).
 */
export function execWindows(
  plan: RulePlan,
  text: string,
  at: readonly number[],
  hintLen: number,
): RegExpExecArray | null {
  const { maxLen, behind, ahead } = plan.bounds;
  const n = text.length;
  let k = 0;
  while (k < at.length) {
    // Candidate starts for this occurrence, merged with the next ones while their slices overlap.
    const lo = Math.max(0, at[k]! - maxLen - ahead);
    let hi = at[k]! + hintLen + behind;
    k++;
    while (k < at.length && at[k]! - maxLen - ahead <= hi + maxLen + ahead + behind + 2) {
      hi = at[k]! + hintLen + behind;
      k++;
    }
    const m = execRange(plan, text, lo, Math.min(hi, n));
    if (m !== null) return m;
  }
  return null;
}

/**
 * Many literals (hints and the anchors of anchors.ts) as one trie walked once over a text's char
 * codes; positions of every occurrence (overlapping ones too) are collected per literal.
 * Non-ASCII characters share one symbol: a literal then matches a superset of its occurrences
 * (more candidates on non-ASCII text, never fewer), and the table stays small enough for the cache.
 */
export interface LiteralIndex {
  readonly literals: readonly string[];
  readonly symbol: Uint8Array;
  readonly alphabet: number;
  readonly transitions: Uint16Array;
  readonly first: Uint16Array;
  /** Literal id ending at a state, or -1. */
  readonly literalAt: Int32Array;
  /** Other literals ending at the same state as literal id (folded non-ASCII spellings). */
  readonly aliases: readonly (readonly number[])[];
}

/** Builds the trie of `literals` (ids are their indices). */
export function indexLiterals(literals: readonly string[]): LiteralIndex {
  const symbol = new Uint8Array(65536);
  let alphabet = 2; // 1: every non-ASCII character
  for (let c = 0x80; c < 65536; c++) symbol[c] = 1;
  for (const s of literals) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (symbol[c] === 0) symbol[c] = alphabet++;
    }
  }
  const rows: number[][] = [[]];
  const ends: number[][] = [[]];
  literals.forEach((s, id) => {
    let state = 0;
    for (let i = 0; i < s.length; i++) {
      const a = symbol[s.charCodeAt(i)]!;
      let next = rows[state]![a];
      if (next === undefined) {
        next = rows.length;
        rows.push([]);
        ends.push([]);
        rows[state]![a] = next;
      }
      state = next;
    }
    ends[state]!.push(id);
  });
  if (rows.length >= 65536) throw new Error("too many literal states");
  const transitions = new Uint16Array(rows.length * alphabet);
  rows.forEach((row, state) => {
    row.forEach((next, a) => {
      transitions[state * alphabet + a] = next;
    });
  });
  const first = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) if (symbol[c] !== 0) first[c] = transitions[symbol[c]!]!;
  // Folded non-ASCII literals can share a state: the first id stands for the state, the others follow it.
  const literalAt = new Int32Array(rows.length).fill(-1);
  const alias: number[][] = literals.map(() => []);
  ends.forEach((ids, state) => {
    if (ids.length === 0) return;
    literalAt[state] = ids[0]!;
    alias[ids[0]!]!.push(...ids.slice(1));
  });
  return { literals, symbol, alphabet, transitions, first, literalAt, aliases: alias };
}

/**
 * Occurrences of an index's literals in one text, reused between texts (one scan at a time per
 * thread): what `count` and `list` return is valid until the next `find`.
 */
export class LiteralHits {
  /** Hits in text order, as (literal id, position) pairs. */
  private ids = new Int32Array(4096);
  private at = new Int32Array(4096);
  /** Positions grouped by literal: literal id's are `sorted[start[id] … start[id] + counts[id]]`. */
  private sorted = new Int32Array(4096);
  private readonly start: Int32Array;
  private readonly counts: Int32Array;
  private readonly stamp: Int32Array;
  private readonly aliases: readonly (readonly number[])[];
  private gen = 0;
  /** Literals that occur in the last text (aliases not included). */
  readonly touchedIds: number[] = [];

  constructor(private readonly index: LiteralIndex) {
    const n = index.literals.length;
    this.start = new Int32Array(n);
    this.counts = new Int32Array(n);
    this.stamp = new Int32Array(n);
    this.aliases = index.aliases;
  }

  /** Changes with every `find`. */
  get generation(): number {
    return this.gen;
  }

  /** How many times literal `id` occurs in the last text. */
  count(id: number): number {
    return this.stamp[id] === this.gen ? this.counts[id]! : 0;
  }

  /** Position of the k-th occurrence (ascending) of literal `id` in the last text. */
  position(id: number, k: number): number {
    return this.sorted[this.start[id]! + k]!;
  }

  find(text: string): void {
    const gen = ++this.gen;
    let hits = walk(this.index, text, this.ids, this.at);
    while (hits < 0) {
      this.ids = new Int32Array(this.ids.length * 4);
      this.at = new Int32Array(this.at.length * 4);
      hits = walk(this.index, text, this.ids, this.at);
    }
    const { ids, at } = this;
    // Counting sort by literal (stable, so each literal's positions stay ascending).
    const { counts, stamp, start, aliases } = this;
    const touched = this.touchedIds;
    touched.length = 0;
    for (let h = 0; h < hits; h++) {
      const id = ids[h]!;
      if (stamp[id] !== gen) {
        stamp[id] = gen;
        counts[id] = 0;
        touched.push(id);
      }
      counts[id]!++;
    }
    let offset = 0;
    for (const id of touched) {
      start[id] = offset;
      offset += counts[id]!;
      counts[id] = 0;
    }
    if (this.sorted.length < offset) this.sorted = new Int32Array(offset * 2);
    const sorted = this.sorted;
    for (let h = 0; h < hits; h++) {
      const id = ids[h]!;
      sorted[start[id]! + counts[id]!++] = at[h]!;
    }
    for (const id of touched) {
      for (const other of aliases[id]!) {
        stamp[other] = gen;
        start[other] = start[id]!;
        counts[other] = counts[id]!;
      }
    }
  }
}

/**
 * The trie walk: (literal id, start) of every occurrence, in text order, into `ids` / `at`.
 * Returns how many, or -1 when they do not fit. A plain function over typed arrays: JavaScriptCore
 * compiles it to a tight loop (a method reading fields runs about half as fast).
 */
function walk(index: LiteralIndex, text: string, ids: Int32Array, at: Int32Array): number {
  const { symbol, alphabet, transitions, first, literalAt } = index;
  const n = text.length;
  const cap = ids.length;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let state = first[text.charCodeAt(i)]!;
    if (state === 0) continue;
    let j = i + 1;
    for (;;) {
      const id = literalAt[state]!;
      if (id >= 0) {
        if (hits === cap) return -1;
        ids[hits] = id;
        at[hits++] = i;
      }
      if (j >= n) break;
      const a = symbol[text.charCodeAt(j++)]!;
      if (a === 0) break;
      state = transitions[state * alphabet + a]!;
      if (state === 0) break;
    }
  }
  return hits;
}

/** A requirement of anchors.ts with its literals as ids of the shared index. */
interface AnchoredRequirement {
  readonly ids: readonly number[];
  readonly minOff: number;
  readonly maxOff: number;
  /** Positions of all its literals in the text of hits generation `generation` (built on first use). */
  cache: { generation: number; positions: Int32Array; size: number };
}

/** A rule runnable from candidate starts: its sticky copy and, per alternative, where to look. */
export interface AnchoredPlan {
  readonly sticky: RegExp;
  readonly global: RegExp;
  readonly bounds: Bounds;
  readonly branches: readonly { anchor: AnchoredRequirement; filters: readonly AnchoredRequirement[] }[];
}

export function anchoredPlan(
  plan: RulePlan,
  branches: readonly BranchAnchors[],
  idOf: (literal: string) => number,
): AnchoredPlan {
  const req = (r: Requirement): AnchoredRequirement => ({
    ids: r.literals.map(idOf),
    minOff: r.minOff,
    maxOff: r.maxOff,
    cache: { generation: -1, positions: new Int32Array(16), size: 0 },
  });
  return {
    sticky: new RegExp(plan.rule.re.source, `${plan.rule.re.flags.replace(/[gy]/g, "")}y`),
    global: plan.global,
    bounds: plan.bounds,
    branches: branches.map((b) => ({ anchor: req(b.anchor), filters: b.filters.map(req) })),
  };
}

/** Whether some literal of `req` starts in [lo, hi] (in the text `hits` last read). */
function occursIn(hits: LiteralHits, req: AnchoredRequirement, lo: number, hi: number): boolean {
  const { cache } = req;
  if (cache.generation !== hits.generation) {
    let total = 0;
    let present = 0;
    for (const id of req.ids) {
      const c = hits.count(id);
      total += c;
      if (c > 0) present++;
    }
    const all = cache.positions.length >= total ? cache.positions : new Int32Array(total * 2);
    let w = 0;
    for (const id of req.ids) for (let c = 0, n = hits.count(id); c < n; c++) all[w++] = hits.position(id, c);
    // One literal's positions are already in order.
    if (present > 1) all.subarray(0, total).sort();
    cache.positions = all;
    cache.size = total;
    cache.generation = hits.generation;
  }
  const at = cache.positions;
  const size = cache.size;
  if (size === 0 || at[size - 1]! < lo) return false;
  // First position ≥ lo.
  let a = 0;
  let b = size - 1;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (at[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return at[a]! <= hi;
}

/** Candidate ranges wider than this run as one windowed exec instead of one sticky exec per start. */
const STICKY_SPAN = 12;

/**
 * The first match of an anchored rule in `text` (what `re.exec(text)` returns), trying only the
 * candidate starts its requirements allow. `hits` holds the literal occurrences of `text`.
 */
export function execAnchored(plan: AnchoredPlan, text: string, hits: LiteralHits): RegExpExecArray | null {
  const lows: number[] = [];
  const highs: number[] = [];
  for (const { anchor, filters } of plan.branches) {
    for (const id of anchor.ids) {
      const count = hits.count(id);
      next: for (let c = 0; c < count; c++) {
        const x = hits.position(id, c);
        const lo = Math.max(0, x - anchor.maxOff);
        const hi = x - anchor.minOff;
        if (hi < 0) continue;
        for (const f of filters) if (!occursIn(hits, f, lo + f.minOff, hi + f.maxOff)) continue next;
        lows.push(lo);
        highs.push(hi);
      }
    }
  }
  if (lows.length === 0) return null;
  const order = lows.map((_, k) => k);
  if (order.length > 1) order.sort((a, b) => lows[a]! - lows[b]! || highs[a]! - highs[b]!);
  let k = 0;
  while (k < order.length) {
    const lo = lows[order[k]!]!;
    let hi = highs[order[k]!]!;
    k++;
    while (k < order.length && lows[order[k]!]! <= hi + 1) {
      hi = Math.max(hi, highs[order[k]!]!);
      k++;
    }
    const m = hi - lo <= STICKY_SPAN ? execSticky(plan.sticky, text, lo, hi) : execRange(plan, text, lo, hi);
    if (m !== null) return m;
  }
  return null;
}

function execSticky(re: RegExp, text: string, lo: number, hi: number): RegExpExecArray | null {
  for (let p = lo; p <= hi && p <= text.length; p++) {
    re.lastIndex = p;
    const m = re.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/** The first match starting in [lo, hi], from a slice that sees everything such attempts read. */
function execRange(
  plan: Pick<RulePlan, "bounds" | "global">,
  text: string,
  lo: number,
  hi: number,
): RegExpExecArray | null {
  const { maxLen, behind, ahead } = plan.bounds;
  const n = text.length;
  const sliceStart = Math.max(0, lo - behind - 1);
  const sliceEnd = Math.min(n, hi + maxLen + ahead + 1);
  const re = plan.global;
  re.lastIndex = lo - sliceStart;
  const m = re.exec(text.slice(sliceStart, sliceEnd));
  if (m !== null && m.index + sliceStart <= hi) {
    m.index += sliceStart;
    m.input = text;
    return m;
  }
  return null;
}
