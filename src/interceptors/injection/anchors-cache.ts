/**
 * The branch anchors of the rule table (anchors.ts), computed ahead of time. Deriving them parses
 * every rule's regex and combines the literals it can start with: most of the cost of building the
 * rule tables, paid by every process that scans. anchors.cache.json holds the result with a key
 * over the sources it was computed from; a table whose sources differ (a rule was edited and the
 * file not regenerated) is computed here instead, so a stale file costs time, never correctness.
 * Regenerate with `bun src/build/anchors-cache.ts` (test/unit/interceptors/injection checks it).
 */
import CACHE from "./anchors.cache.json" with { type: "json" };
import { type BranchAnchors, branchAnchors } from "./anchors.ts";
import type { RulePlan } from "./plan.ts";

export type RuleBranches = readonly (readonly BranchAnchors[] | null)[];

export interface AnchorsCache {
  readonly key: string;
  readonly branches: RuleBranches;
}

/** The sources anchors are derived from: a rule's regex source, or "" for a rule without anchors. */
function anchorSources(plans: readonly RulePlan[], firstMultilingual: number): string[] {
  // Multilingual rules keep their hint windows; so do rules of unbounded length.
  return plans.map((p, k) => (k < firstMultilingual && Number.isFinite(p.bounds.maxLen) ? p.rule.re.source : ""));
}

function keyOf(sources: readonly string[]): string {
  return `${sources.length}:${Bun.hash(sources.join("\u0000")).toString(36)}`;
}

/** Computes the anchors of every plan (null for plans that keep hint windows), and their key. */
export function computeAnchors(plans: readonly RulePlan[], firstMultilingual: number): AnchorsCache {
  const sources = anchorSources(plans, firstMultilingual);
  return { key: keyOf(sources), branches: sources.map((s) => (s === "" ? null : branchAnchors(s))) };
}

/** The anchors of every plan: from anchors.cache.json when it was made from these sources. */
export function ruleBranches(
  plans: readonly RulePlan[],
  firstMultilingual: number,
  cache: AnchorsCache = CACHE as AnchorsCache,
): RuleBranches {
  const key = keyOf(anchorSources(plans, firstMultilingual));
  if (cache.key === key && cache.branches.length === plans.length) return cache.branches;
  return computeAnchors(plans, firstMultilingual).branches;
}
