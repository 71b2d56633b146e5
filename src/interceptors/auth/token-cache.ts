/**
 * A small bounded cache of verified credentials, keyed by a digest of the token (the token itself
 * is never kept). An entry never outlives the token's own expiry.
 */

export interface CacheEntry<T> {
  readonly value: T;
  /** Wall-clock milliseconds after which the entry is gone. */
  readonly expiresAt: number;
}

export class TokenCache<T> {
  private readonly map = new Map<string, CacheEntry<T>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): T | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: T, expiresAt: number): void {
    if (this.maxEntries === 0 || expiresAt <= this.now()) return;
    if (this.map.size >= this.maxEntries && !this.map.has(key)) this.evict();
    this.map.set(key, { value, expiresAt });
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }

  /** Drops the oldest inserted entry (expired ones also go lazily, on lookup). */
  private evict(): void {
    const oldest = this.map.keys().next();
    if (!oldest.done) this.map.delete(oldest.value);
  }
}

/** Cache key for a token: base64 of its SHA-256. */
export function tokenKey(token: string): string {
  return new Bun.CryptoHasher("sha256").update(token).digest("base64");
}
