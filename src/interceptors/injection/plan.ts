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
import { type Bounds, type BranchAnchors, type Requirement, regexBounds } from "./anchors.ts";
import type { Rule } from "./rules.ts";

/** Shorter texts are scanned whole: a window would cover them anyway. */
export const WINDOW_MIN_CHARS = 2048;

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
 * Many literals (hints and the anchors of anchors.ts) as one Aho–Corasick automaton run once over a
 * text's char codes: one table step per character, and the positions of every occurrence (overlapping
 * ones too) collected per literal. Non-ASCII characters share one symbol: a literal then matches a
 * superset of its occurrences (more candidates on non-ASCII text, never fewer), and the alphabet,
 * hence the table, stays small.
 */
export interface LiteralIndex {
  readonly literals: readonly string[];
  readonly symbol: Uint8Array;
  /** Rows of `delta` are `1 << shift` wide (the alphabet rounded up to a power of two). */
  readonly shift: number;
  /** Next state for (state, symbol) at `(state << shift) | symbol`; state 0 is the root. */
  readonly delta: Uint16Array;
  /** Longest literal. */
  readonly maxLen: number;
  /** Literal id ending at a state, or -1. */
  readonly literalAt: Int32Array;
  /** Length of the literal(s) ending at a state (its depth in the trie). */
  readonly depth: Uint16Array;
  /** The state itself when a literal ends there, else the nearest suffix state where one does (0: none). */
  readonly output: Uint16Array;
  /** The next suffix state, after an output state, where a literal ends (0: none). */
  readonly nextOutput: Uint16Array;
  /** Other literals ending at the same state as literal id (folded non-ASCII spellings). */
  readonly aliases: readonly (readonly number[])[];
}

/** Builds the automaton of `literals` (ids are their indices). */
export function indexLiterals(literals: readonly string[]): LiteralIndex {
  const symbol = new Uint8Array(65536);
  let alphabet = 2; // 0: no literal has it; 1: every non-ASCII character
  for (let c = 0x80; c < 65536; c++) symbol[c] = 1;
  for (const s of literals) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (symbol[c] === 0) symbol[c] = alphabet++;
    }
  }
  if (alphabet > 256) throw new Error("too many literal characters");
  let shift = 1;
  while (1 << shift < alphabet) shift++;
  // The trie of the literals, its transitions written straight into the table (0: no child; no
  // state has the root as a child). At most one state per literal character, plus the root.
  let bound = 1;
  for (const s of literals) bound += s.length;
  const goto = new Int32Array(bound << shift);
  const depthOf = new Uint16Array(bound);
  const endOf = new Int32Array(bound).fill(-1);
  const alias: number[][] = literals.map(() => []);
  let states = 1;
  literals.forEach((s, id) => {
    if (s.length === 0) throw new Error("empty literal");
    let state = 0;
    for (let i = 0; i < s.length; i++) {
      const slot = (state << shift) | symbol[s.charCodeAt(i)]!;
      let next = goto[slot]!;
      if (next === 0) {
        next = states++;
        depthOf[next] = i + 1;
        goto[slot] = next;
      }
      state = next;
    }
    // Folded non-ASCII literals can share a state: the first id stands for the state, the others follow it.
    if (endOf[state]! < 0) endOf[state] = id;
    else alias[endOf[state]!]!.push(id);
  });
  if (states >= 65536) throw new Error("too many literal states");
  const literalAt = endOf.slice(0, states);
  // Breadth first: each state's failure state (longest proper suffix that is a trie state) is
  // complete before the state itself, so its missing transitions are copied from there. A row
  // still holds only its trie children when its state is reached.
  const delta = new Uint16Array(states << shift);
  delta.set(goto.subarray(0, states << shift));
  const output = new Uint16Array(states);
  const nextOutput = new Uint16Array(states);
  const fail = new Uint16Array(states);
  const queue = new Uint16Array(states);
  let tail = 0;
  for (let a = 0; a < alphabet; a++) if (delta[a] !== 0) queue[tail++] = delta[a]!;
  for (let q = 0; q < tail; q++) {
    const state = queue[q]!;
    const f = fail[state]!;
    nextOutput[state] = output[f]!;
    output[state] = literalAt[state]! >= 0 ? state : output[f]!;
    const base = state << shift;
    const fbase = f << shift;
    for (let a = 0; a < alphabet; a++) {
      const next = delta[base + a]!;
      if (next === 0) {
        delta[base + a] = delta[fbase + a]!;
      } else {
        fail[next] = delta[fbase + a]!;
        queue[tail++] = next;
      }
    }
  }
  // Symbol 0 (a character no literal has) leads back to the root from every state.
  for (let state = 0; state < states; state++) delta[state << shift] = 0;
  return {
    literals,
    symbol,
    shift,
    delta,
    maxLen: Math.max(0, ...literals.map((l) => l.length)),
    literalAt,
    depth: depthOf.slice(0, states),
    output,
    nextOutput,
    aliases: alias,
  };
}

/**
 * Occurrences of an index's literals in one text, reused between texts (one scan at a time per
 * thread): what `count` and `list` return is valid until the next `find`.
 */
export class LiteralHits {
  /** Hits in the order the automaton reports them (by end), as (literal id, position) pairs. */
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

  /** Every literal's positions, literal after literal (see `first`). */
  get positions(): Int32Array {
    return this.sorted;
  }

  /** Where literal `id`'s positions start in `positions`. */
  first(id: number): number {
    return this.start[id]!;
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

/** Texts at least this long are run as four interleaved quarters (see `walk`). */
const QUARTERS_MIN_CHARS = 1024;

/**
 * The automaton run: (literal id, start) of every occurrence, ordered by where it ends, into `ids` /
 * `at` (each literal's occurrences are thus in ascending order). Returns how many, or -1 when they
 * do not fit. Plain functions over typed arrays: JavaScriptCore compiles them to tight loops (a
 * method reading fields runs about half as fast).
 *
 * One run is a chain of dependent table loads, so it waits on memory latency at every character.
 * Long texts are run as four chains in one loop (the processor overlaps their loads): chain c
 * reports the occurrences that end in quarter c, and first reads the `maxLen − 1` characters
 * before its quarter without reporting, since an occurrence ending in its quarter can start there.
 * The automaton's state after that prefix knows every literal ending in the quarter as if it had
 * read the whole text: a literal is at most `maxLen` long.
 */
function walk(index: LiteralIndex, text: string, ids: Int32Array, at: Int32Array): number {
  const n = text.length;
  if (n < QUARTERS_MIN_CHARS || index.maxLen * 4 > n) return walkWhole(index, text, ids, at);
  const { symbol, shift, delta, output } = index;
  const q = n >> 2;
  const region = ids.length >> 2;
  const warm = index.maxLen - 1;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let j = q - warm; j < q; j++) {
    s1 = delta[(s1 << shift) | symbol[text.charCodeAt(j)]!]!;
    s2 = delta[(s2 << shift) | symbol[text.charCodeAt(j + q)]!]!;
    s3 = delta[(s3 << shift) | symbol[text.charCodeAt(j + 2 * q)]!]!;
  }
  let s0 = 0;
  let h0 = 0;
  let h1 = region;
  let h2 = 2 * region;
  let h3 = 3 * region;
  for (let j = 0; j < q; j++) {
    s0 = delta[(s0 << shift) | symbol[text.charCodeAt(j)]!]!;
    s1 = delta[(s1 << shift) | symbol[text.charCodeAt(j + q)]!]!;
    s2 = delta[(s2 << shift) | symbol[text.charCodeAt(j + 2 * q)]!]!;
    s3 = delta[(s3 << shift) | symbol[text.charCodeAt(j + 3 * q)]!]!;
    if ((output[s0]! | output[s1]! | output[s2]! | output[s3]!) === 0) continue;
    if (output[s0] !== 0) {
      h0 = report(index, s0, j, ids, at, h0, region);
      if (h0 < 0) return -1;
    }
    if (output[s1] !== 0) {
      h1 = report(index, s1, j + q, ids, at, h1, 2 * region);
      if (h1 < 0) return -1;
    }
    if (output[s2] !== 0) {
      h2 = report(index, s2, j + 2 * q, ids, at, h2, 3 * region);
      if (h2 < 0) return -1;
    }
    if (output[s3] !== 0) {
      h3 = report(index, s3, j + 3 * q, ids, at, h3, 4 * region);
      if (h3 < 0) return -1;
    }
  }
  // The last quarter's chain reads on to the end (n − 4q < 4 characters).
  for (let j = 4 * q; j < n; j++) {
    s3 = delta[(s3 << shift) | symbol[text.charCodeAt(j)]!]!;
    if (output[s3] !== 0) {
      h3 = report(index, s3, j, ids, at, h3, 4 * region);
      if (h3 < 0) return -1;
    }
  }
  // The quarters' hits, one after the other.
  let hits = h0;
  for (const [from, to] of [
    [region, h1],
    [2 * region, h2],
    [3 * region, h3],
  ] as const) {
    ids.copyWithin(hits, from, to);
    at.copyWithin(hits, from, to);
    hits += to - from;
  }
  return hits;
}

/** One chain over the whole text. */
function walkWhole(index: LiteralIndex, text: string, ids: Int32Array, at: Int32Array): number {
  const { symbol, shift, delta, output } = index;
  const cap = ids.length;
  let state = 0;
  let hits = 0;
  for (let j = 0; j < text.length; j++) {
    state = delta[(state << shift) | symbol[text.charCodeAt(j)]!]!;
    if (output[state] !== 0) {
      hits = report(index, state, j, ids, at, hits, cap);
      if (hits < 0) return -1;
    }
  }
  return hits;
}

/** Records the literals that end at `j` in `state`; returns the new hit count, or -1 past `cap`. */
function report(
  index: LiteralIndex,
  state: number,
  j: number,
  ids: Int32Array,
  at: Int32Array,
  h: number,
  cap: number,
): number {
  const { literalAt, depth, nextOutput } = index;
  let hits = h;
  for (let o = index.output[state]!; o !== 0; o = nextOutput[o]!) {
    if (hits === cap) return -1;
    ids[hits] = literalAt[o]!;
    at[hits++] = j + 1 - depth[o]!;
  }
  return hits;
}

/** A requirement of anchors.ts with its literals as ids of the shared index. */
interface AnchoredRequirement {
  readonly ids: readonly number[];
  readonly minOff: number;
  readonly maxOff: number;
  /** Positions of all its literals in the text of hits generation `generation` (built on first use). */
  cache: { generation: number; positions: Int32Array; from: number; size: number; own: Int32Array };
  /** How many times its literals occur in the text of hits generation `countGeneration`. */
  count: number;
  countGeneration: number;
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
    cache: { generation: -1, positions: new Int32Array(16), from: 0, size: 0, own: new Int32Array(16) },
    count: 0,
    countGeneration: -1,
  });
  return {
    sticky: new RegExp(plan.rule.re.source, `${plan.rule.re.flags.replace(/[gy]/g, "")}y`),
    global: plan.global,
    bounds: plan.bounds,
    branches: branches.map((b) => ({ anchor: req(b.anchor), filters: b.filters.map(req) })),
  };
}

/** Where each literal's run of positions ends in the array occursIn fills (reused). */
const runEnds: number[] = [];
let mergeSpace = new Int32Array(1024);

/**
 * Sorts `a[0, ends[last])`, made of ascending runs ending at `ends`, by merging neighbouring runs
 * pass after pass (log2 of the run count passes; a typed-array sort costs more here).
 */
function mergeRuns(a: Int32Array, ends: readonly number[]): void {
  const total = ends[ends.length - 1]!;
  if (mergeSpace.length < total) mergeSpace = new Int32Array(total * 2);
  let src: Int32Array = a;
  let dst: Int32Array = mergeSpace;
  let bounds = ends;
  while (bounds.length > 1) {
    const next: number[] = [];
    for (let k = 0; k < bounds.length; k += 2) {
      const from = k === 0 ? 0 : bounds[k - 1]!;
      const mid = bounds[k]!;
      const to = k + 1 < bounds.length ? bounds[k + 1]! : mid;
      let i = from;
      let j = mid;
      let o = from;
      while (i < mid && j < to) dst[o++] = src[i]! <= src[j]! ? src[i++]! : src[j++]!;
      while (i < mid) dst[o++] = src[i++]!;
      while (j < to) dst[o++] = src[j++]!;
      next.push(to);
    }
    bounds = next;
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src.subarray(0, total));
}

/** How many times the literals of `req` occur in the text `hits` last read. */
function occurrences(hits: LiteralHits, req: AnchoredRequirement): number {
  if (req.countGeneration !== hits.generation) {
    let total = 0;
    for (const id of req.ids) total += hits.count(id);
    req.count = total;
    req.countGeneration = hits.generation;
  }
  return req.count;
}

/** Whether some literal of `req` starts in [lo, hi] (in the text `hits` last read). */
function occursIn(hits: LiteralHits, req: AnchoredRequirement, lo: number, hi: number): boolean {
  const { cache } = req;
  if (cache.generation !== hits.generation) {
    let total = 0;
    let present = 0;
    let only = -1;
    for (const id of req.ids) {
      const c = hits.count(id);
      if (c > 0) {
        total += c;
        present++;
        only = id;
      }
    }
    req.count = total;
    req.countGeneration = hits.generation;
    if (present === 1) {
      // One literal: its positions, in order, where `hits` keeps them.
      cache.positions = hits.positions;
      cache.from = hits.first(only);
    } else {
      if (cache.own.length < total) cache.own = new Int32Array(total * 2);
      const all = cache.own;
      let w = 0;
      runEnds.length = 0;
      for (const id of req.ids) {
        const n = hits.count(id);
        if (n === 0) continue;
        for (let c = 0; c < n; c++) all[w++] = hits.position(id, c);
        runEnds.push(w);
      }
      // One literal's positions are already in order: merge the literals' runs.
      if (present > 1) mergeRuns(all, runEnds);
      cache.positions = all;
      cache.from = 0;
    }
    cache.size = total;
    cache.generation = hits.generation;
  }
  const at = cache.positions;
  const from = cache.from;
  const end = from + cache.size;
  if (end === from || at[end - 1]! < lo) return false;
  // First position ≥ lo.
  let a = from;
  let b = end - 1;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (at[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return at[a]! <= hi;
}

/** Filters of the branch being tried, in the order they are checked (reused). */
const filterOrder: AnchoredRequirement[] = [];

/** Candidate ranges wider than this run as one windowed exec instead of one sticky exec per start. */
const STICKY_SPAN = 12;

/**
 * The first match of an anchored rule in `text` (what `re.exec(text)` returns), trying only the
 * candidate starts its requirements allow. `hits` holds the literal occurrences of `text`.
 */
export function execAnchored(plan: AnchoredPlan, text: string, hits: LiteralHits): RegExpExecArray | null {
  const lows: number[] = [];
  const highs: number[] = [];
  for (const { anchor, filters: declared } of plan.branches) {
    let filters = declared;
    let ordered = declared.length < 2;
    for (const id of anchor.ids) {
      const count = hits.count(id);
      if (count === 0) continue;
      if (!ordered) {
        // The filter whose literals are rarest in this text first: a candidate it rules out never
        // makes the commoner filters collect and merge their (many) positions.
        ordered = true;
        filters = filterOrder;
        filterOrder.length = 0;
        for (const f of declared) filterOrder.push(f);
        filterOrder.sort((x, y) => occurrences(hits, x) - occurrences(hits, y));
      }
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
