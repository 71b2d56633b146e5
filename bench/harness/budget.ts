/**
 * `--budget p50=100us,p99=1ms,http-1m:p50=3ms`: limits on the latency mcpgw adds. A bare key
 * applies to every scenario; `scenario:key` to one (and wins over the bare key there). Keys are
 * p50, p90, p99, p99.9; values take us/µs, ms or s.
 */
import { type PctSet, PERCENTILES } from "./stats.ts";

export interface Budget {
  readonly scenario: string | undefined;
  readonly key: keyof PctSet;
  /** Limit in µs. */
  readonly limitUs: number;
}

const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000 };

export function parseLatency(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`invalid latency "${text}" (use e.g. 100us, 1ms, 0.5s)`);
  return Number(m[1]) * UNIT_US[m[2]!]!;
}

export function parseBudgets(spec: string | undefined): Budget[] {
  if (!spec) return [];
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const eq = item.indexOf("=");
      if (eq < 0) throw new Error(`invalid budget "${item}" (use e.g. p50=100us or http-small:p99=1ms)`);
      const left = item.slice(0, eq);
      const colon = left.lastIndexOf(":");
      const scenario = colon >= 0 ? left.slice(0, colon) : undefined;
      const key = (colon >= 0 ? left.slice(colon + 1) : left) as keyof PctSet;
      if (!PERCENTILES.some((p) => `p${p}` === key)) {
        throw new Error(`invalid budget key "${key}" (use ${PERCENTILES.map((p) => `p${p}`).join(", ")})`);
      }
      return { scenario, key, limitUs: parseLatency(item.slice(eq + 1)) };
    });
}

export interface BudgetCheck {
  readonly scenario: string;
  readonly target: string;
  readonly key: string;
  readonly limitUs: number;
  readonly addedUs: number;
  readonly ok: boolean;
}

/** The budgets that apply to one scenario: per-scenario entries replace bare ones for the same key. */
export function budgetsFor(budgets: readonly Budget[], scenario: string): Budget[] {
  const out = new Map<string, Budget>();
  for (const b of budgets) if (b.scenario === undefined) out.set(b.key, b);
  for (const b of budgets) if (b.scenario === scenario) out.set(b.key, b);
  return [...out.values()];
}

/** Checks every budget against every gateway row (rows named in `gateways`) of every scenario. */
export function checkBudgets(
  scenarios: readonly { name: string; targets: readonly { target: string; added?: PctSet }[] }[],
  budgets: readonly Budget[],
  gateways: readonly string[],
): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  for (const s of scenarios) {
    for (const b of budgetsFor(budgets, s.name)) {
      for (const t of s.targets) {
        if (!t.added || !gateways.includes(t.target)) continue;
        const addedUs = t.added[b.key];
        checks.push({
          scenario: s.name,
          target: t.target,
          key: b.key,
          limitUs: b.limitUs,
          addedUs,
          ok: addedUs <= b.limitUs,
        });
      }
    }
  }
  return checks;
}
