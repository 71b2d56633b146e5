/**
 * Token buckets keyed by string, with lazy refill and lossless idle collection: a bucket that has
 * refilled to its burst is indistinguishable from a new one, so it can be dropped. A hard cap on
 * the number of buckets bounds memory under a flood of distinct callers.
 */

interface Bucket {
  tokens: number;
  /** Clock reading (ms) of the last refill. */
  last: number;
}

export interface BucketSpec {
  /** Tokens per millisecond. */
  readonly perMs: number;
  readonly burst: number;
}

/** Milliseconds between two idle sweeps. */
export const SWEEP_INTERVAL_MS = 60_000;

export class BucketSet {
  private readonly map = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    readonly spec: BucketSpec,
    private readonly maxBuckets: number,
    now: number,
  ) {
    this.lastSweep = now;
  }

  /**
   * Tokens the bucket holds at `now` after refill (creating nothing). Returns the wait in ms until
   * one token is available: 0 when a request may go now.
   */
  waitMs(key: string, now: number): number {
    const b = this.map.get(key);
    if (b === undefined) return 0;
    const tokens = this.refill(b, now);
    return tokens >= 1 ? 0 : (1 - tokens) / this.spec.perMs;
  }

  /** Takes one token (call only after {@link waitMs} said 0). */
  take(key: string, now: number): void {
    let b = this.map.get(key);
    if (b === undefined) {
      if (this.map.size >= this.maxBuckets) this.sweep(now, true);
      b = { tokens: this.spec.burst, last: now };
      this.map.set(key, b);
    } else {
      this.refill(b, now);
    }
    b.tokens -= 1;
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now, false);
  }

  get size(): number {
    return this.map.size;
  }

  private refill(b: Bucket, now: number): number {
    const elapsed = now - b.last;
    if (elapsed > 0) {
      const t = b.tokens + elapsed * this.spec.perMs;
      b.tokens = Math.min(t, this.spec.burst);
      b.last = now;
    }
    return b.tokens;
  }

  /** Drops full buckets; when `force` and none was full, the oldest one. */
  sweep(now: number, force: boolean): void {
    this.lastSweep = now;
    const before = this.map.size;
    for (const [k, b] of this.map) {
      if (this.refill(b, now) >= this.spec.burst) this.map.delete(k);
    }
    if (force && this.map.size === before) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }
}
