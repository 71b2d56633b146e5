/**
 * A reference hint finder for the injection plan tests: every rule hint in one trie, walked once
 * over a text's char codes. The scanner itself finds hints through its literal index
 * (src/interceptors/injection/plan.ts, indexLiterals); this simpler one is what the tests compare
 * windowed rule runs and hint completeness against.
 */
import type { RulePlan } from "../../src/interceptors/injection/plan.ts";

/**
 * Every hint of every rule as a trie walked over char codes: one pass over the text, a few
 * array lookups per position (a regex alternation of ~350 literals costs several times more in
 * JavaScriptCore, which tries the alternatives one by one at each position).
 */
export interface HintIndex {
  /** Char code → symbol (1…alphabet-1); 0 for characters no hint contains. */
  readonly symbol: Uint8Array;
  readonly alphabet: number;
  /** transitions[state * alphabet + symbol] → next state; 0 = none (state 0 is the root). */
  readonly transitions: Int32Array;
  /** Char code → state after the root (most positions stop here). */
  readonly first: Int32Array;
  /** Plans (by index) whose hint ends at this state. */
  readonly plansAt: readonly (readonly number[] | undefined)[];
  /** Longest hint, in characters. */
  readonly longest: number;
}

export function indexHints(plans: readonly RulePlan[]): HintIndex {
  const symbol = new Uint8Array(65536);
  let alphabet = 1;
  const hintsOf = new Map<string, number[]>();
  plans.forEach((p, k) => {
    for (const h of p.rule.hints ?? []) {
      const ids = hintsOf.get(h) ?? [];
      if (!ids.includes(k)) ids.push(k);
      hintsOf.set(h, ids);
      for (let i = 0; i < h.length; i++) {
        const c = h.charCodeAt(i);
        if (symbol[c] === 0) {
          if (alphabet === 255) throw new Error("too many distinct hint characters");
          symbol[c] = alphabet++;
        }
      }
    }
  });
  const rows: number[][] = [[]];
  const plansAt: (number[] | undefined)[] = [undefined];
  let longest = 0;
  for (const [h, ids] of hintsOf) {
    longest = Math.max(longest, h.length);
    let state = 0;
    for (let i = 0; i < h.length; i++) {
      const a = symbol[h.charCodeAt(i)]!;
      let next = rows[state]![a];
      if (next === undefined) {
        next = rows.length;
        rows.push([]);
        plansAt.push(undefined);
        rows[state]![a] = next;
      }
      state = next;
    }
    plansAt[state] = [...(plansAt[state] ?? []), ...ids];
  }
  const transitions = new Int32Array(rows.length * alphabet);
  rows.forEach((row, state) => {
    row.forEach((next, a) => {
      transitions[state * alphabet + a] = next;
    });
  });
  const first = new Int32Array(65536);
  for (let c = 0; c < 65536; c++) if (symbol[c] !== 0) first[c] = transitions[symbol[c]!]!;
  return { symbol, alphabet, transitions, first, plansAt, longest };
}

/**
 * Hint occurrences per plan: `hits[k]` lists start positions (ascending) of hints of plan k in
 * `text`, or is undefined when none occurs. Positions are collected only when `positions` is set.
 */
export function findHints(
  index: HintIndex,
  text: string,
  planCount: number,
  positions: boolean,
): (number[] | undefined)[] {
  const hits: (number[] | undefined)[] = new Array(planCount);
  const { symbol, alphabet, transitions, first, plansAt } = index;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let state = first[text.charCodeAt(i)]!;
    if (state === 0) continue;
    let j = i + 1;
    for (;;) {
      const ids = plansAt[state];
      if (ids !== undefined) {
        for (const k of ids) {
          const list = hits[k];
          if (list === undefined) hits[k] = positions ? [i] : [];
          else if (positions && list[list.length - 1] !== i) list.push(i);
        }
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

/** The longest hint literal: a hint occurrence spans at most this many characters. */
export function longestHint(index: HintIndex): number {
  return index.longest;
}
