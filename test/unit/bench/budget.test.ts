import { describe, expect, test } from "bun:test";
import { checkBudgets, parseBudgets, parseLatency } from "../../../bench/harness/budget.ts";
import { percentile, summarize } from "../../../bench/harness/stats.ts";

const added = (p50: number, p99: number) => ({ p50, p90: p50, p99, "p99.9": p99 });

describe("bench budgets", () => {
  test("parses global and per-scenario budgets with µs, ms and s units", () => {
    expect(parseBudgets("p50=100us,p99=1ms,http-1m:p50=3ms,stdio-small:p99.9=0.5s")).toEqual([
      { scenario: undefined, key: "p50", limitUs: 100 },
      { scenario: undefined, key: "p99", limitUs: 1000 },
      { scenario: "http-1m", key: "p50", limitUs: 3000 },
      { scenario: "stdio-small", key: "p99.9", limitUs: 500_000 },
    ]);
    expect(parseLatency("42µs")).toBe(42);
  });

  test("rejects an unknown percentile or a latency without a unit", () => {
    expect(() => parseBudgets("p42=1ms")).toThrow('invalid budget key "p42"');
    expect(() => parseBudgets("p50=100")).toThrow('invalid latency "100"');
    expect(() => parseBudgets("p50")).toThrow('invalid budget "p50"');
  });

  test("fails a gateway row over its budget, lets a per-scenario budget win, and ignores other rows", () => {
    const scenarios = [
      {
        name: "http-small",
        targets: [
          { target: "direct" },
          { target: "nginx", added: added(500, 500) },
          { target: "pool", added: added(90, 1200) },
        ],
      },
      { name: "http-1m", targets: [{ target: "pool", added: added(2500, 2900) }] },
    ];
    const checks = checkBudgets(scenarios, parseBudgets("p50=100us,p99=1ms,http-1m:p50=3ms,http-1m:p99=3ms"), [
      "passthrough",
      "inline",
      "pool",
    ]);
    expect(checks).toEqual([
      { scenario: "http-small", target: "pool", key: "p50", limitUs: 100, addedUs: 90, ok: true },
      { scenario: "http-small", target: "pool", key: "p99", limitUs: 1000, addedUs: 1200, ok: false },
      { scenario: "http-1m", target: "pool", key: "p50", limitUs: 3000, addedUs: 2500, ok: true },
      { scenario: "http-1m", target: "pool", key: "p99", limitUs: 3000, addedUs: 2900, ok: true },
    ]);
  });
});

describe("bench statistics", () => {
  test("uses nearest-rank percentiles and reports them in microseconds", () => {
    const ms = Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000);
    expect(percentile(Float64Array.from(ms), 50)).toBe(0.5);
    expect(summarize(ms)).toEqual({ p50: 500, p90: 900, p99: 990, "p99.9": 999 });
  });
});
