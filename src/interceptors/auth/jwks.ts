/**
 * A remote JWKS with a cache we control, because the failure modes matter more than the happy path:
 *
 * 1. The first verification fetches the set; later ones use the cached set.
 * 2. A set older than `cacheTtlMs` is refreshed in the background; the cached keys keep working
 *    meanwhile, and keep working if the refresh fails (the endpoint is down or answers garbage).
 * 3. A token whose `kid` is not in the set triggers a refetch (key rotation), but never more than
 *    one fetch per `refetchIntervalMs`, and concurrent callers share one fetch: a caller spraying
 *    forged `kid`s costs the JWKS server at most one request per interval.
 * 4. A fetch is bounded in time and size; a failed fetch never replaces a good set.
 */
import { createLocalJWKSet, errors, type FlattenedJWSInput, type JWSHeaderParameters } from "jose";
import type { Logger } from "../../log/index.ts";
import { FetchJsonError, fetchJson } from "./fetch-json.ts";

export interface RemoteJwksOptions {
  /** The JWKS URL, or how to find it (issuer discovery); a found URL is kept. */
  readonly url: string | (() => Promise<string>);
  readonly cacheTtlMs: number;
  readonly refetchIntervalMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Wall clock in milliseconds; injected by tests. */
  readonly now?: () => number;
}

export interface JwksStats {
  readonly fetches: number;
  readonly failures: number;
  readonly keys: number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

export class JwksUnavailableError extends errors.JOSEError {
  static override code = "ERR_MCPGW_JWKS_UNAVAILABLE";
  override code = "ERR_MCPGW_JWKS_UNAVAILABLE";
}

export class RemoteJwks {
  private set: LocalSet | null = null;
  private keyCount = 0;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<boolean> | null = null;
  private fetches = 0;
  private failures = 0;
  private readonly now: () => number;
  private url: string | undefined;

  constructor(private readonly opts: RemoteJwksOptions) {
    this.now = opts.now ?? Date.now;
    if (typeof opts.url === "string") this.url = opts.url;
  }

  /** jose key resolver: `jwtVerify(token, jwks.getKey, …)`. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    if (this.set === null) {
      await this.refresh();
      if (this.set === null) throw new JwksUnavailableError("signing keys unavailable");
    } else if (this.now() - this.fetchedAt >= this.opts.cacheTtlMs) {
      void this.refresh();
    }
    const set: LocalSet = this.set;
    try {
      return (await set(header, token)) as CryptoKey;
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
      // Unknown kid: maybe the keys rotated. Refetch, within the rate limit.
      if (!(await this.refresh()) || this.set === set) throw e;
      return (await this.set(header, token)) as CryptoKey;
    }
  };

  stats(): JwksStats {
    return { fetches: this.fetches, failures: this.failures, keys: this.keyCount };
  }

  /**
   * Fetches the set unless one was fetched (or tried) less than `refetchIntervalMs` ago.
   * Resolves true when a new set is installed. Concurrent callers share one fetch.
   */
  refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    if (this.now() - this.attemptedAt < this.opts.refetchIntervalMs) return Promise.resolve(false);
    this.attemptedAt = this.now();
    this.inflight = this.fetchOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchOnce(): Promise<boolean> {
    this.fetches++;
    try {
      if (this.url === undefined && typeof this.opts.url === "function") this.url = await this.opts.url();
      const doc = await fetchJson(this.url as string, {
        timeoutMs: this.opts.timeoutMs,
        headers: { accept: "application/jwk-set+json, application/json" },
      });
      const keys = doc.keys;
      if (!Array.isArray(keys)) throw new FetchJsonError("no `keys` array");
      let set: LocalSet;
      try {
        set = createLocalJWKSet(doc as unknown as Parameters<typeof createLocalJWKSet>[0]);
      } catch {
        throw new FetchJsonError("malformed JSON Web Key Set");
      }
      this.set = set;
      this.keyCount = keys.length;
      this.fetchedAt = this.now();
      return true;
    } catch (e) {
      this.failures++;
      this.opts.logger.warn(
        this.set ? "JWKS refresh failed; keeping the cached keys" : "JWKS fetch failed; tokens cannot be verified",
        { jwks_url: this.url ?? "(discovery)", error: e instanceof FetchJsonError ? e.message : "fetch failed" },
      );
      return false;
    }
  }
}
