/**
 * Rule hints per plan, found with the scanner's own literal index (indexLiterals + LiteralHits,
 * as src/interceptors/injection/scan.ts uses it): what the plan tests feed to execWindows and
 * compare against looking for each hint with `includes`.
 */
import { indexLiterals, LiteralHits, type RulePlan } from "../../src/interceptors/injection/plan.ts";

export interface HintIndex {
  readonly hits: LiteralHits;
  /** Literal ids of each plan's hints. */
  readonly hintIds: readonly (readonly number[])[];
  /** Longest hint, in characters. */
  readonly longest: number;
}

export function indexHints(plans: readonly RulePlan[]): HintIndex {
  const literals = [...new Set(plans.flatMap((p) => p.rule.hints ?? []))];
  const idOf = new Map(literals.map((l, id) => [l, id]));
  return {
    hits: new LiteralHits(indexLiterals(literals)),
    hintIds: plans.map((p) => (p.rule.hints ?? []).map((h) => idOf.get(h)!)),
    longest: Math.max(...literals.map((l) => l.length)),
  };
}

/**
 * Hint occurrences per plan: `hits[k]` lists the distinct start positions (ascending) of plan k's
 * hints in `text`, or is undefined when none occurs. Non-ASCII literals fold to one symbol, so
 * their occurrences are a superset.
 */
export function findHints(index: HintIndex, text: string): (number[] | undefined)[] {
  index.hits.find(text);
  return index.hintIds.map((ids) => {
    const at = new Set<number>();
    for (const id of ids) for (let c = 0; c < index.hits.count(id); c++) at.add(index.hits.position(id, c));
    return at.size === 0 ? undefined : [...at].sort((a, b) => a - b);
  });
}

/** The longest hint literal: a hint occurrence spans at most this many characters. */
export function longestHint(index: HintIndex): number {
  return index.longest;
}
