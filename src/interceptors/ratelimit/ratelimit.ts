/**
 * The `ratelimit` interceptor: token buckets on client requests, checked first in the c2s chain.
 *
 * 1. Per caller (`rate_limit.requests_per_second` / `burst`): keyed by the identity's subject; an
 *    anonymous caller is keyed by its client address.
 * 2. Per caller and tool (`tool_rate_limit.requests_per_minute` / `burst`) for `tools/call`.
 * 3. Per upstream (`rate_limit.upstreams.<name>` or `"*"`): one bucket shared by all callers.
 *
 * Every applicable bucket is checked before any token is taken, so a request refused by one
 * bucket costs nothing in the others. A refusal is a block with ErrorCode.RATE_LIMITED whose
 * reason ends in "retry after N s" (the HTTP proxy turns it into 429 + Retry-After).
 */
import type { Identity, Interceptor, MessageContext, Verdict } from "../../chain/types.ts";
import { ErrorCode } from "../../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../../jsonrpc/message.ts";
import { BucketSet, type BucketSpec } from "./buckets.ts";
import type { RateLimitConfig, ToolRateLimitConfig } from "./schema.ts";

export const RATELIMIT_NAME = "ratelimit";
const CLIENT_ADDRESS_LABEL = "client_address";

export interface RateLimitOptions {
  readonly rateLimit: RateLimitConfig | undefined;
  readonly toolRateLimit: ToolRateLimitConfig | undefined;
  /** Monotonic clock in ms; injected by tests. */
  readonly now?: () => number;
  /** Where bucket state lives across rebuilds (reloads); a private one when absent. */
  readonly store?: BucketStore;
}

export interface RateLimitInterceptor extends Interceptor {
  /** Synchronous: accounting never waits. */
  inspect(msg: JsonRpcMessage, ctx: MessageContext): Verdict;
  /** Number of live buckets, per kind (for tests and metrics). */
  sizes(): { caller: number; tool: number; upstream: number };
  /** Runs the idle collection now (it also runs by itself, lazily). */
  sweep(): void;
}

/** The bucket key of a caller: its subject, or its address when anonymous. */
export function callerKey(identity: Identity | null): string {
  if (identity === null) return "anonymous";
  if (identity.method === "anonymous") return `addr:${identity.labels[CLIENT_ADDRESS_LABEL] ?? ""}`;
  return `sub:${identity.subject}`;
}

function spec(perSecond: number, burst: number | undefined): BucketSpec {
  return { perMs: perSecond / 1000, burst: burst ?? Math.max(1, Math.floor(perSecond)) };
}

export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

function refused(rule: string, what: string, waitMs: number): Verdict {
  return {
    kind: "block",
    code: ErrorCode.RATE_LIMITED,
    reason: `Rate limit exceeded${what}; retry after ${retryAfterSeconds(waitMs)} s`,
    rule,
  };
}

/**
 * Bucket sets that outlive one compiled chain, so a configuration reload does not hand every
 * caller a fresh burst: a rebuilt interceptor takes over the sets whose limits did not change.
 */
export class BucketStore {
  private sets = new Map<string, BucketSet>();
  private building: Map<string, BucketSet> | null = null;

  /** Starts a build: sets taken until {@link commit} are the ones kept. */
  begin(): void {
    this.building = new Map();
  }

  take(id: string, s: BucketSpec, max: number, now: number): BucketSet {
    const key = `${id}|${s.perMs}|${s.burst}|${max}`;
    const set = this.sets.get(key) ?? new BucketSet(s, max, now);
    this.building?.set(key, set);
    return set;
  }

  /** Ends a build: sets the new chain does not use are dropped. */
  commit(): void {
    if (this.building) this.sets = this.building;
    this.building = null;
  }
}

/** Null when neither section sets a limit. */
export function createRateLimitInterceptor(o: RateLimitOptions): RateLimitInterceptor | null {
  const now = o.now ?? (() => performance.now());
  const rl = o.rateLimit;
  const tl = o.toolRateLimit;
  const t0 = now();
  const max = rl?.max_buckets ?? 100_000;
  const store = o.store ?? new BucketStore();
  store.begin();
  const callers =
    rl && rl.requests_per_second > 0 ? store.take("caller", spec(rl.requests_per_second, rl.burst), max, t0) : null;
  const tools = tl ? store.take("tool", spec(tl.requests_per_minute / 60, tl.burst), max, t0) : null;
  const upstreamSets = new Map<string, BucketSet>();
  for (const [name, u] of Object.entries(rl?.upstreams ?? {})) {
    upstreamSets.set(name, store.take(`upstream:${name}`, spec(u.requests_per_second, u.burst), 1024, t0));
  }
  store.commit();
  const anyUpstream = upstreamSets.get("*");
  if (!callers && !tools && upstreamSets.size === 0) return null;

  return {
    name: RATELIMIT_NAME,
    applies: (ctx) => ctx.direction === "c2s" && ctx.kind === "request",
    inspect(_msg, ctx: MessageContext): Verdict {
      const t = now();
      const caller = callerKey(ctx.identity);
      const toolKey =
        tools && ctx.method === "tools/call" && ctx.target !== undefined ? `${caller}\u0000${ctx.target}` : null;
      const up = upstreamSets.get(ctx.upstream) ?? anyUpstream;
      const wc = callers ? callers.waitMs(caller, t) : 0;
      if (wc > 0) return refused("rate_limit", "", wc);
      const wt = toolKey !== null && tools ? tools.waitMs(toolKey, t) : 0;
      if (wt > 0) return refused("tool_rate_limit", ` for tool ${ctx.target?.slice(0, 64)}`, wt);
      const wu = up ? up.waitMs(ctx.upstream, t) : 0;
      if (wu > 0) return refused("upstream_rate_limit", ` for upstream ${ctx.upstream}`, wu);
      callers?.take(caller, t);
      if (toolKey !== null) tools?.take(toolKey, t);
      up?.take(ctx.upstream, t);
      return { kind: "pass" };
    },
    sizes() {
      let upstream = 0;
      for (const s of upstreamSets.values()) upstream += s.size;
      return { caller: callers?.size ?? 0, tool: tools?.size ?? 0, upstream };
    },
    sweep() {
      const t = now();
      callers?.sweep(t, false);
      tools?.sweep(t, false);
      for (const s of upstreamSets.values()) s.sweep(t, false);
    },
  };
}

/** The process's bucket state, used by the registry so reloads keep the counts. */
export const SHARED_BUCKETS = new BucketStore();
