/**
 * 2025-era sessions of the proxy. mcpgw mints the `Mcp-Session-Id` the client sees (random,
 * 192 bits, base64url) and keeps the upstream's own id server-side: the client never learns the
 * upstream's id and the upstream never sees the client's. Each entry holds the {@link Session}
 * that correlates its requests, the identity that created it and the upstream that owns it.
 * Bounded (least recently used goes first) and forgotten after `ttl` idle; a dropped entry is
 * handed to `onDrop` so the upstream sessions behind it can be ended too.
 */
import type { Identity } from "../../chain/types.ts";
import { Session } from "../../session/index.ts";

export interface ProxySession {
  readonly session: Session;
  /** The Mcp-Session-Id mcpgw minted (what the client presents). */
  readonly id: string;
  /** The upstream's own Mcp-Session-Id, or null when it minted none. Never shown to the client. */
  readonly upstreamId: string | null;
  /** Subject of the identity that created it; another subject presenting the id gets a 404. */
  readonly subject: string;
  /** Name of the upstream that owns the session. */
  readonly upstream: string;
  /** Sessions opened on other upstreams for routed tools/call: upstream name → its session id (null: none minted). */
  readonly routed: Map<string, string | null>;
  /** The client's initialize params, replayed to open routed sessions. */
  initParams: unknown;
  lastUsed: number;
}

export type Lookup =
  | { readonly kind: "found"; readonly entry: ProxySession }
  | { readonly kind: "unknown" }
  | { readonly kind: "foreign" };

/** Bytes of randomness in a minted session id (192 bits → 32 base64url characters). */
const ID_BYTES = 24;

/** A cryptographically random, URL-safe session id (visible ASCII, as the spec requires). */
export function mintSessionId(): string {
  const b = new Uint8Array(ID_BYTES);
  crypto.getRandomValues(b);
  return Buffer.from(b).toString("base64url");
}

export class SessionTable {
  private readonly map = new Map<string, ProxySession>();

  constructor(
    private ttlMs: number,
    private max: number,
    private readonly now: () => number = () => performance.now(),
    /** Called for entries dropped by expiry or eviction (not for {@link delete}). */
    private readonly onDrop: (entry: ProxySession) => void = () => {},
  ) {}

  configure(ttlMs: number, max: number): void {
    this.ttlMs = ttlMs;
    this.max = max;
  }

  get size(): number {
    return this.map.size;
  }

  /** The session for the client's `id`, if `identity` created it. Touches it (LRU order, TTL). */
  lookup(id: string, identity: Identity): Lookup {
    const e = this.map.get(id);
    if (!e) return { kind: "unknown" };
    const t = this.now();
    if (t - e.lastUsed > this.ttlMs) {
      this.map.delete(id);
      this.onDrop(e);
      return { kind: "unknown" };
    }
    // Presented by someone else: answer as if it did not exist (no oracle for valid ids).
    if (e.subject !== identity.subject) return { kind: "foreign" };
    e.lastUsed = t;
    this.map.delete(id);
    this.map.set(id, e);
    return { kind: "found", entry: e };
  }

  /**
   * Opens a session: mints the client's id, binds it to `identity` and maps it to the upstream's
   * id. `make` builds the correlating Session under the minted id.
   */
  open(
    identity: Identity,
    upstream: string,
    upstreamId: string | null,
    initParams: unknown,
    make: (id: string) => Session,
  ): ProxySession {
    // An identity's labels may be found lazily, from its request (see the Authenticator): the
    // session keeps the identity past that request, so they are read now, while it is in flight.
    void identity.labels;
    let id = mintSessionId();
    while (this.map.has(id)) id = mintSessionId();
    const entry: ProxySession = {
      session: make(id),
      id,
      upstreamId,
      subject: identity.subject,
      upstream,
      routed: new Map(),
      initParams,
      lastUsed: this.now(),
    };
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
      if (t - e.lastUsed > this.ttlMs) {
        this.map.delete(id);
        this.onDrop(e);
      } else break; // insertion order is LRU order: the rest are newer
    }
    while (this.map.size > this.max) {
      const oldest = this.map.entries().next();
      if (oldest.done) break;
      this.map.delete(oldest.value[0]);
      this.onDrop(oldest.value[1]);
    }
  }

  newSession(id: string, identity: Identity, upstream: string): Session {
    return new Session(id, identity, upstream);
  }
}
