/** Percentiles and medians over latency samples (milliseconds in, microseconds out). */

export const PERCENTILES = [50, 90, 99, 99.9] as const;
export type Pct = (typeof PERCENTILES)[number];
export type PctSet = Record<`p${Pct}`, number>;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // The epsilon keeps float error (99.9 / 100 * 1000 = 999.0000000000001) from skipping a rank.
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50/p90/p99/p99.9 of latency samples in ms, returned in µs. */
export function summarize(samplesMs: ArrayLike<number>): PctSet {
  const sorted = Float64Array.from(samplesMs).sort();
  const out = {} as PctSet;
  for (const p of PERCENTILES) out[`p${p}`] = round(percentile(sorted, p) * 1000);
  return out;
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Per-key median of several percentile sets. */
export function medianSet(sets: readonly PctSet[]): PctSet {
  const out = {} as PctSet;
  for (const p of PERCENTILES) out[`p${p}`] = round(median(sets.map((s) => s[`p${p}`])));
  return out;
}

/** a − b, key by key. */
export function diffSet(a: PctSet, b: PctSet): PctSet {
  const out = {} as PctSet;
  for (const p of PERCENTILES) out[`p${p}`] = round(a[`p${p}`] - b[`p${p}`]);
  return out;
}

/** Formats microseconds for humans: 42 µs, 1.23 ms. */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return "n/a";
  const sign = us < 0 ? "−" : "";
  const a = Math.abs(us);
  if (a >= 1000) return `${sign}${(a / 1000).toFixed(2)} ms`;
  return `${sign}${a.toFixed(a >= 100 ? 0 : 1)} µs`;
}
