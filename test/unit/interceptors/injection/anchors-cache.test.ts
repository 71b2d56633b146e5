import { describe, expect, test } from "bun:test";
import CACHE from "../../../../src/interceptors/injection/anchors.cache.json" with { type: "json" };
import {
  type AnchorsCache,
  computeAnchors,
  ruleBranches,
} from "../../../../src/interceptors/injection/anchors-cache.ts";
import { planRules } from "../../../../src/interceptors/injection/plan.ts";
import { MULTILINGUAL_RULES, RULES } from "../../../../src/interceptors/injection/rules.ts";

const PLANS = planRules([...RULES, ...MULTILINGUAL_RULES]);

describe("anchors.cache.json", () => {
  test("holds exactly the anchors computed from the current rules (else: bun src/build/anchors-cache.ts)", () => {
    const fresh = computeAnchors(PLANS, RULES.length);
    expect(CACHE as AnchorsCache).toEqual(fresh);
    expect(ruleBranches(PLANS, RULES.length)).toBe((CACHE as AnchorsCache).branches);
  });

  test("a cache made from other sources is not used: the anchors are computed", () => {
    const fresh = computeAnchors(PLANS, RULES.length);
    const stale: AnchorsCache = { key: "53:stale", branches: fresh.branches.map(() => null) };
    expect(ruleBranches(PLANS, RULES.length, stale)).toEqual(fresh.branches);
    // One rule edited: the key changes with its source.
    const edited = planRules([{ ...RULES[0]!, re: /\bignore (?:all )?previous instructions\b/i }, ...RULES.slice(1)]);
    expect(computeAnchors(edited, RULES.length).key).not.toBe(fresh.key);
  });
});
