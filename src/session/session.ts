/**
 * Per-session state: identity, negotiated protocol revision, the requests in flight in each
 * direction (so a response's interceptors know what it answers), and interceptor slots.
 */
import type { Direction, Identity, PendingRequest, SessionState } from "../chain/types.ts";
import type { JsonRpcId } from "../jsonrpc/message.ts";

/** Most requests remembered per direction; the oldest is forgotten past this. */
export const DEFAULT_MAX_PENDING = 10_000;

export class Session implements SessionState {
  readonly slots = new Map<string, unknown>();
  protocolVersion: string | undefined;
  /**
   * Requests sent by the client, awaiting the server's response. Keyed by the id itself: a Map
   * tells the number 1 from the string "1" (SameValueZero), as JSON-RPC does.
   */
  private readonly c2s = new Map<JsonRpcId, PendingRequest>();
  /** Requests sent by the server (sampling, elicitation, roots), awaiting the client's response. */
  private readonly s2c = new Map<JsonRpcId, PendingRequest>();
  lastSeen: number;

  constructor(
    readonly id: string,
    readonly identity: Identity | null,
    readonly upstream: string,
    private readonly maxPending = DEFAULT_MAX_PENDING,
  ) {
    this.lastSeen = performance.now();
  }

  /** Remembers a request travelling in `req.direction`. */
  track(req: PendingRequest): void {
    const m = req.direction === "c2s" ? this.c2s : this.s2c;
    if (m.size >= this.maxPending) {
      const oldest = m.keys().next();
      if (!oldest.done) m.delete(oldest.value);
    }
    m.set(req.id, req);
  }

  /**
   * The request a response travelling in `direction` answers, removed from the table.
   * A response going s2c answers a c2s request, and vice versa.
   */
  settle(direction: Direction, id: JsonRpcId): PendingRequest | undefined {
    const m = direction === "s2c" ? this.c2s : this.s2c;
    const req = m.get(id);
    if (req) m.delete(id);
    return req;
  }

  /** Looks without removing. */
  peek(direction: Direction, id: JsonRpcId): PendingRequest | undefined {
    return (direction === "s2c" ? this.c2s : this.s2c).get(id);
  }

  /** Requests still waiting for the server (used when the server goes away). */
  pendingFromClient(): PendingRequest[] {
    return [...this.c2s.values()];
  }

  clearPending(): void {
    this.c2s.clear();
    this.s2c.clear();
  }
}
