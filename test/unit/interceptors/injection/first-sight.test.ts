/**
 * A tool's report does not depend on what else its tools/list holds, nor on which definition
 * strings were seen before: the definition cache (and any first-sight fast path over a whole list)
 * must give exactly what scanning the tool alone, on a cold cache, gives. Every corpus tool
 * definition (../shared/corpus, when present) and every held-out one is scanned alone; then seeded
 * random lists mixing them are scanned cold, again warm, and after a warm-up in another order, and
 * each tool's report is deep-equal to its report alone.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { learnedDefinitionCacheSize } from "../../../../src/interceptors/injection/model.ts";
import { clearDefinitionCache, scanTools, type ToolReport } from "../../../../src/interceptors/injection/scan.ts";

const ROOT = join(import.meta.dir, "../../../..");
const HELDOUT = join(ROOT, "test/fixtures/heldout");
const CORPUS = process.env.MCPGW_CORPUS_DIR ?? join(ROOT, "../shared/corpus");

function toolsOf(file: string): unknown[] {
  const out: unknown[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const c = JSON.parse(line) as { tool?: unknown };
    if (c.tool !== undefined) out.push(c.tool);
  }
  return out;
}

const files = readdirSync(HELDOUT)
  .filter((f) => f.includes("tool_descriptions") && f.endsWith(".jsonl"))
  .map((f) => join(HELDOUT, f));
if (existsSync(join(CORPUS, "tool_descriptions.jsonl"))) files.push(join(CORPUS, "tool_descriptions.jsonl"));
const TOOLS = files.flatMap(toolsOf);

/** A report without its place in the list: index dropped, `result.tools[i]` paths made relative. */
function placeless(r: ToolReport): unknown {
  const prefix = `result.tools[${r.index}]`;
  return {
    name: r.name,
    score: r.score,
    risk: r.risk,
    findings: r.findings.map((f) => ({
      ...f,
      where: f.where.startsWith(prefix) ? f.where.slice(prefix.length) : f.where,
    })),
  };
}

/** Deterministic list picks (a linear congruential generator; the seed is fixed). */
function picker(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

describe("tools/list reports do not depend on list or cache", () => {
  test("the fixtures hold tool definitions, poisoned ones among them", () => {
    expect(TOOLS.length).toBeGreaterThan(100);
  });

  const alone = TOOLS.map((t) => {
    clearDefinitionCache();
    return placeless(scanTools({ tools: [t] })[0]!);
  });

  test("some tools alone have findings (the comparison is not between empty reports)", () => {
    expect(alone.filter((r) => (r as { findings: unknown[] }).findings.length > 0).length).toBeGreaterThan(50);
  });

  test("random lists, cold, warm and warmed in another order: each tool as alone", () => {
    const next = picker(20261207);
    for (let round = 0; round < 120; round++) {
      const picks = Array.from({ length: 1 + Math.floor(next() * 60) }, () => Math.floor(next() * TOOLS.length));
      const list = { tools: picks.map((k) => TOOLS[k]) };
      const expected = picks.map((k) => alone[k]);
      clearDefinitionCache();
      expect(scanTools(list).map(placeless)).toEqual(expected);
      expect(scanTools(list).map(placeless)).toEqual(expected);
      clearDefinitionCache();
      scanTools({ tools: [...list.tools].reverse() });
      expect(scanTools(list).map(placeless)).toEqual(expected);
    }
  });
});

describe("clearDefinitionCache", () => {
  test("empties the learned scorer's definition cache too, so a first-sight scan pays for it", () => {
    scanTools({ tools: TOOLS.slice(0, 5) });
    expect(learnedDefinitionCacheSize()).toBeGreaterThan(0);
    clearDefinitionCache();
    expect(learnedDefinitionCacheSize()).toBe(0);
  });
});
