/**
 * 2025-era sessions of the proxy: `Mcp-Session-Id` (minted by the upstream and passed through)
 * → the {@link Session} that correlates its requests, the identity that created it and the
 * upstream that owns it. Bounded (least recently used goes first) and forgotten after `ttl` idle.
 */
import type { Identity } from "../../chain/types.ts";
import { Session } from "../../session/index.ts";

export interface ProxySession {
  readonly session: Session;
  /** The Mcp-Session-Id the upstream minted (what the client presents). */
  readonly id: string;
  /** Subject of the identity that created it; another subject presenting the id gets a 404. */
  readonly subject: string;
  /** Name of the upstream that owns the session. */
  readonly upstream: string;
  /** Sessions opened on other upstreams for routed tools/call, by upstream name. */
  readonly routed: Map<string, string>;
  /** The client's initialize params, replayed to open routed sessions. */
  initParams: unknown;
  lastUsed: number;
}

export type Lookup =
  | { readonly kind: "found"; readonly entry: ProxySession }
  | { readonly kind: "unknown" }
  | { readonly kind: "foreign" };

export class SessionTable {
  private readonly map = new Map<string, ProxySession>();

  constructor(
    private ttlMs: number,
    private max: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  configure(ttlMs: number, max: number): void {
    this.ttlMs = ttlMs;
    this.max = max;
  }

  get size(): number {
    return this.map.size;
  }

  /** The session for `id`, if `identity` created it. Touches it (LRU order, TTL). */
  lookup(id: string, identity: Identity): Lookup {
    const e = this.map.get(id);
    if (!e) return { kind: "unknown" };
    const t = this.now();
    if (t - e.lastUsed > this.ttlMs) {
      this.map.delete(id);
      return { kind: "unknown" };
    }
    // Presented by someone else: answer as if it did not exist (no oracle for valid ids).
    if (e.subject !== identity.subject) return { kind: "foreign" };
    e.lastUsed = t;
    this.map.delete(id);
    this.map.set(id, e);
    return { kind: "found", entry: e };
  }

  add(id: string, identity: Identity, upstream: string, session: Session, initParams: unknown): ProxySession {
    const entry: ProxySession = {
      session,
      id,
      subject: identity.subject,
      upstream,
      routed: new Map(),
      initParams,
      lastUsed: this.now(),
    };
    this.map.delete(id);
    this.map.set(id, entry);
    this.sweep();
    return entry;
  }

  delete(id: string): void {
    this.map.delete(id);
  }

  /** Drops expired sessions, then the least recently used beyond the cap. */
  sweep(): void {
    const t = this.now();
    for (const [id, e] of this.map) {
      if (t - e.lastUsed > this.ttlMs) this.map.delete(id);
      else break; // insertion order is LRU order: the rest are newer
    }
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  newSession(id: string, identity: Identity, upstream: string): Session {
    return new Session(id, identity, upstream);
  }
}
