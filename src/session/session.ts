/**
 * Per-session state: identity, negotiated protocol revision, the requests in flight in each
 * direction (so a response's interceptors know what it answers), and interceptor slots.
 */
import type { Direction, Identity, PendingRequest, SessionState } from "../chain/types.ts";
import type { JsonRpcId } from "../jsonrpc/message.ts";

/** Most requests remembered per direction; the oldest is forgotten past this. */
export const DEFAULT_MAX_PENDING = 10_000;

function key(id: JsonRpcId): string {
  return typeof id === "number" ? `n:${id}` : `s:${id}`;
}

export class Session implements SessionState {
  readonly slots = new Map<string, unknown>();
  protocolVersion: string | undefined;
  /** Requests sent by the client, awaiting the server's response. */
  private readonly c2s = new Map<string, PendingRequest>();
  /** Requests sent by the server (sampling, elicitation, roots), awaiting the client's response. */
  private readonly s2c = new Map<string, PendingRequest>();
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
    m.set(key(req.id), req);
  }

  /**
   * The request a response travelling in `direction` answers, removed from the table.
   * A response going s2c answers a c2s request, and vice versa.
   */
  settle(direction: Direction, id: JsonRpcId): PendingRequest | undefined {
    const m = direction === "s2c" ? this.c2s : this.s2c;
    const k = key(id);
    const req = m.get(k);
    if (req) m.delete(k);
    return req;
  }

  /** Looks without removing. */
  peek(direction: Direction, id: JsonRpcId): PendingRequest | undefined {
    return (direction === "s2c" ? this.c2s : this.s2c).get(key(id));
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
