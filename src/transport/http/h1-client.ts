/**
 * A pooled keep-alive HTTP/1.1 client over `Bun.connect` (plain TCP), for `mcpgw proxy`'s upstream
 * requests (`transport.client`). It answers with a standard `Response` (status, headers, body as a
 * pull-based stream), so the proxy consumes it exactly as it consumes `fetch()`'s.
 *
 * Why: `fetch()` costs ~25–30 µs of CPU per upstream request; this client does the same exchange
 * in a fraction of that (docs/proxy.md has the figures).
 *
 * Framing (RFC 9112 §6): 1xx responses are skipped; HEAD, 204 and 304 have no body; otherwise
 * chunked transfer coding (trailers read and dropped), then Content-Length, then "until close".
 * A response that carries both Transfer-Encoding and Content-Length, a `Connection: close`, an
 * HTTP/1.0 answer or a body delimited by close leaves its connection unusable: it is closed, never
 * pooled. Any byte after a complete response, or while idle, also closes the connection.
 *
 * Retry of a stale keep-alive connection: the server may close an idle connection at the moment
 * we write a request on it (RFC 9112 §9.3.1). The request is sent again, once, on a new
 * connection, ONLY when (a) it was written on a reused connection and (b) not one byte of the
 * response arrived before the close. That is safe even for a POST: an HTTP/1.1 server that reads
 * and acts on a request answers it before closing (a server that decides to close sends its
 * response with `Connection: close`, RFC 9112 §9.6); a close with no byte at all on a connection
 * that already carried a complete exchange is the idle-close race, in which the server never read
 * the request. (A server that acts on a request and then dies before writing a byte cannot be
 * told apart; HTTP/1.1 gives no way to know, and that residual risk is documented in
 * docs/proxy.md.) A fresh connection that closes silently is an error (the server may have acted).
 * An abort, a timeout or a partial response is never retried.
 */
import type { Socket, SocketHandler } from "bun";

export interface H1ClientOptions {
  /** Upper bound to open a TCP connection (transport.connect_timeout). */
  readonly connectTimeoutMs: number;
  /** How long an idle connection is kept (transport.idle_conn_timeout). */
  readonly idleTimeoutMs: number;
  /** Idle connections kept per host:port (transport.max_idle_conns_per_host). */
  readonly maxIdlePerHost: number;
  /** Idle connections kept in all (transport.max_idle_conns). */
  readonly maxIdle: number;
  /** Largest response head (status line + headers), and largest trailer section. */
  readonly maxHeaderBytes?: number;
}

export interface H1RequestInit {
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | null;
  /** Aborts the exchange at any stage; the connection is closed, never pooled. */
  readonly signal?: AbortSignal | AbortHook;
}

/**
 * A cheaper stand-in for an AbortController on the proxy's hot path: the pooled client hooks
 * its one listener here directly, where an AbortSignal costs an EventTarget listener per stage
 * of every exchange. `signal` gives a standard AbortSignal (for fetch()) on first use.
 */
export class AbortHook {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | null = null;
  private controller: AbortController | null = null;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException("This operation was aborted", "AbortError");
    const l = this.listener;
    this.listener = null;
    l?.();
    this.controller?.abort(this.reason);
  }

  /** A standard signal that follows this hook. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The one listener (the stage of the exchange in progress); replaces any previous one. */
  listen(fn: () => void): void {
    this.listener = fn;
  }

  unlisten(fn: () => void): void {
    if (this.listener === fn) this.listener = null;
  }
}

type Cancel = AbortSignal | AbortHook;

function onCancel(c: Cancel, fn: () => void): void {
  if (c instanceof AbortHook) c.listen(fn);
  else c.addEventListener("abort", fn, { once: true });
}

function offCancel(c: Cancel, fn: () => void): void {
  if (c instanceof AbortHook) c.unlisten(fn);
  else c.removeEventListener("abort", fn);
}

function cancelReason(c: Cancel): unknown {
  return c.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/**
 * A response as the pooled client read it: status, header fields (lower-case names) and either
 * the whole body (it came with the head: no stream, no Response) or a pull-based stream.
 * Both null: a response without a body (HEAD, 204, 304).
 */
export class H1Reply {
  constructor(
    readonly status: number,
    private readonly fields: readonly [string, string][],
    readonly whole: Uint8Array | null,
    readonly stream: ReadableStream<Uint8Array> | null,
  ) {}

  /** A header's value (repeats joined with ", ", as Headers.get does); `name` lower-case. */
  header(name: string): string | null {
    let out: string | null = null;
    for (const f of this.fields) if (f[0] === name) out = out === null ? f[1] : `${out}, ${f[1]}`;
    return out;
  }

  toResponse(): Response {
    return new Response(this.whole ?? this.stream, { status: this.status, headers: this.fields as [string, string][] });
  }
}

/** The upstream broke HTTP/1.1 (bad framing, oversized head) or closed at the wrong time. */
export class UpstreamProtocolError extends Error {}

const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
/** Largest response head a connection remembers (parsed) for the next response. */
const MAX_REMEMBERED_HEAD = 2048;
const MAX_HEADERS = 256;
const MAX_INFORMATIONAL = 32;
const MAX_CHUNK_LINE = 4096;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;
const HEX = /^[0-9a-fA-F]{1,13}$/;
const DIGITS = /^[0-9]{1,15}$/;
const STATUS = /^[1-5][0-9][0-9]$/;
/** Byte needles: Buffer.indexOf with a string needle converts it on every call. */
const CRLF = Buffer.from("\r\n");
const END_OF_HEAD = Buffer.from("\r\n\r\n");
/** Request headers the client owns (framing and connection management). */
const OWN = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "proxy-connection",
  "expect",
]);

/** Close before any response byte: a candidate for the one retry (see the header). */
class Stale extends Error {}

interface Target {
  readonly key: string;
  readonly hostname: string;
  readonly port: number;
  readonly host: string;
  readonly path: string;
}

/** A parsed response head; never changed once built (a connection reuses it, see Conn.parsedHead). */
interface Head {
  readonly status: number;
  readonly headers: readonly [string, string][];
  readonly length: number | null;
  readonly chunked: boolean;
  readonly keepAlive: boolean;
}

/**
 * Header names seen before, as sent → lower-case: a known name skips the token check. Bounded:
 * cleared when full, so a peer that sends ever new names costs only the checks.
 */
const KNOWN_NAMES = new Map<string, string>();
const MAX_KNOWN_NAMES = 512;

/** `name` lower-cased when it is a valid token, else null. */
function tokenName(name: string): string | null {
  const known = KNOWN_NAMES.get(name);
  if (known !== undefined) return known;
  if (!TOKEN.test(name)) return null;
  if (KNOWN_NAMES.size >= MAX_KNOWN_NAMES) KNOWN_NAMES.clear();
  const lower = name.toLowerCase();
  KNOWN_NAMES.set(name, lower);
  return lower;
}

function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const statusLine = lines[0]!;
  const v11 = statusLine.startsWith("HTTP/1.1 ");
  if (!v11 && !statusLine.startsWith("HTTP/1.0 "))
    throw new UpstreamProtocolError("upstream answered with something other than HTTP/1.x");
  const code = statusLine.slice(9, 12);
  if (!STATUS.test(code) || (statusLine.length > 12 && statusLine[12] !== " "))
    throw new UpstreamProtocolError("upstream sent a malformed status line");
  if (lines.length - 1 > MAX_HEADERS) throw new UpstreamProtocolError(`upstream sent more than ${MAX_HEADERS} headers`);
  const headers: [string, string][] = [];
  let length: number | null = null;
  let te: string | null = null;
  let close = !v11;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    const lower = colon > 0 ? tokenName(line.slice(0, colon)) : null;
    if (lower === null) throw new UpstreamProtocolError("upstream sent a malformed header line");
    const value = line.slice(colon + 1).trim();
    if (BAD_VALUE.test(value)) throw new UpstreamProtocolError("upstream sent a header value with control characters");
    if (lower === "content-length") {
      if (!DIGITS.test(value)) throw new UpstreamProtocolError("upstream sent an invalid Content-Length");
      const n = Number(value);
      if (length !== null && length !== n) throw new UpstreamProtocolError("upstream sent conflicting Content-Length");
      length = n;
    } else if (lower === "transfer-encoding") te = te === null ? value : `${te}, ${value}`;
    else if (lower === "connection") {
      for (const t of value.split(",")) {
        const tok = t.trim().toLowerCase();
        if (tok === "close") close = true;
        else if (tok === "keep-alive" && !v11) close = false;
      }
    }
    headers.push([lower, value]);
  }
  let chunked = false;
  if (te !== null) {
    if (te.trim().toLowerCase() !== "chunked")
      throw new UpstreamProtocolError(`upstream used an unsupported Transfer-Encoding: ${te.slice(0, 64)}`);
    chunked = true;
    // Both framings at once: Transfer-Encoding wins and the connection is not reused (RFC 9112 §6.3).
    if (length !== null) close = true;
  }
  return { status: Number(code), headers, length, chunked, keepAlive: !close };
}

enum Phase {
  Head,
  Body,
  Done,
}
enum Chunk {
  Size,
  Data,
  DataEnd,
  Trailers,
}

/** One request/response on one connection. */
class Exchange {
  phase = Phase.Head;
  gotByte = false;
  private headBuf: Buffer | null = null;
  private informational = 0;
  private mode: "length" | "chunked" | "close" = "close";
  private remaining = 0;
  private chunk = Chunk.Size;
  private carry: Buffer | null = null;
  private trailerBytes = 0;
  private keepAlive = false;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private paused = false;
  private readonly onAbort: (() => void) | null = null;

  constructor(
    private readonly conn: Conn,
    private readonly method: string,
    private readonly maxHeaderBytes: number,
    private readonly signal: Cancel | undefined,
    private readonly resolve: (r: H1Reply) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    if (signal) {
      this.onAbort = () => this.fail(cancelReason(signal));
      onCancel(signal, this.onAbort);
    }
  }

  feed(d: Buffer): void {
    this.gotByte = true;
    try {
      if (this.phase === Phase.Head) this.head(d);
      else if (this.phase === Phase.Body) this.body(d);
    } catch (e) {
      this.fail(e);
    }
  }

  /** The socket closed (or the server half-closed) while this exchange owned it. */
  closed(err: Error | undefined): void {
    if (this.phase === Phase.Done) return;
    if (this.phase === Phase.Head) {
      this.fail(
        this.gotByte
          ? new UpstreamProtocolError("upstream closed the connection in the middle of the response headers", {
              cause: err,
            })
          : new Stale("upstream closed the connection without answering", { cause: err }),
      );
      return;
    }
    if (this.mode === "close") {
      this.phase = Phase.Done;
      this.detach();
      this.controller!.close();
      return;
    }
    this.fail(new UpstreamProtocolError("upstream closed the connection in the middle of the response body"));
  }

  /** Ends the exchange with an error; the connection is closed. */
  fail(e: unknown): void {
    if (this.phase === Phase.Done) return;
    const wasHead = this.phase === Phase.Head;
    this.phase = Phase.Done;
    this.detach();
    this.conn.destroy();
    if (wasHead) this.reject(e);
    else this.controller!.error(e);
  }

  private detach(): void {
    if (this.onAbort) offCancel(this.signal!, this.onAbort);
    if (this.conn.ex === this) this.conn.ex = null;
  }

  private head(d: Buffer): void {
    const buf = this.headBuf === null ? d : Buffer.concat([this.headBuf, d]);
    // Offsets into buf rather than subarrays (each costs an object).
    let off = 0;
    for (;;) {
      const end = buf.indexOf(END_OF_HEAD, off);
      if (end < 0 || end - off > this.maxHeaderBytes) {
        if (buf.length - off > this.maxHeaderBytes + 3)
          throw new UpstreamProtocolError(`upstream response headers exceed ${this.maxHeaderBytes} bytes`);
        this.headBuf = off === 0 ? buf : buf.subarray(off);
        return;
      }
      const head = this.conn.parsedHead(buf, off, end);
      off = end + 4;
      if (head.status < 200) {
        if (head.status === 101) throw new UpstreamProtocolError("upstream switched protocols");
        if (++this.informational > MAX_INFORMATIONAL)
          throw new UpstreamProtocolError("upstream sent too many informational responses");
        this.headBuf = null;
        if (off === buf.length) return;
        continue;
      }
      this.headBuf = null;
      this.start(head, buf, off);
      return;
    }
  }

  /** The head is parsed; the body's first bytes are `buf` from `off`. */
  private start(head: Head, buf: Buffer, off: number): void {
    this.keepAlive = head.keepAlive;
    const { status } = head;
    const restLength = buf.length - off;
    if (this.method === "HEAD" || status === 204 || status === 304) {
      this.resolve(new H1Reply(status, head.headers, null, null));
      this.finish(restLength);
      return;
    }
    if (head.chunked) this.mode = "chunked";
    else if (head.length !== null) {
      this.mode = "length";
      this.remaining = head.length;
      if (restLength >= head.length) {
        // The whole body came with the head (the usual small JSON answer): no stream needed.
        this.resolve(new H1Reply(status, head.headers, buf.subarray(off, off + head.length), null));
        this.finish(restLength - head.length);
        return;
      }
    } else {
      this.mode = "close";
      this.keepAlive = false;
    }
    this.phase = Phase.Body;
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.controller = c;
      },
      pull: () => {
        if (this.paused && this.phase === Phase.Body) {
          this.paused = false;
          this.conn.socket?.resume();
        }
      },
      cancel: () => {
        if (this.phase === Phase.Done) return;
        this.phase = Phase.Done;
        this.detach();
        this.conn.destroy();
      },
    });
    this.resolve(new H1Reply(status, head.headers, null, stream));
    if (restLength > 0) this.body(buf.subarray(off));
  }

  private body(d: Buffer): void {
    const c = this.controller!;
    if (this.mode === "length") {
      const take = Math.min(this.remaining, d.length);
      c.enqueue(d.subarray(0, take));
      this.remaining -= take;
      if (this.remaining === 0) {
        this.finish(d.length - take);
        c.close();
        return;
      }
    } else if (this.mode === "close") c.enqueue(d);
    else if (this.chunked(d)) return;
    if (this.phase === Phase.Body && !this.paused && (c.desiredSize ?? 1) <= 0) {
      // Backpressure: stop reading until the consumer pulls; TCP holds the rest upstream.
      this.paused = true;
      this.conn.socket?.pause();
    }
  }

  /** Feeds chunked framing; true when the body ended (the exchange is finished). */
  private chunked(d: Buffer): boolean {
    const c = this.controller!;
    const buf = this.carry === null ? d : Buffer.concat([this.carry, d]);
    this.carry = null;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.chunk) {
        case Chunk.Size: {
          const eol = buf.indexOf(CRLF, pos);
          if (eol < 0 || eol - pos > MAX_CHUNK_LINE) {
            if (buf.length - pos > MAX_CHUNK_LINE)
              throw new UpstreamProtocolError("upstream sent an oversized chunk line");
            this.carry = buf.subarray(pos);
            return false;
          }
          const line = buf.toString("latin1", pos, eol);
          pos = eol + 2;
          const semi = line.indexOf(";");
          const hex = (semi < 0 ? line : line.slice(0, semi)).trimEnd();
          if (!HEX.test(hex)) throw new UpstreamProtocolError("upstream sent an invalid chunk size");
          const n = Number.parseInt(hex, 16);
          if (n === 0) this.chunk = Chunk.Trailers;
          else {
            this.remaining = n;
            this.chunk = Chunk.Data;
          }
          break;
        }
        case Chunk.Data: {
          const take = Math.min(this.remaining, buf.length - pos);
          c.enqueue(buf.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.chunk = Chunk.DataEnd;
          break;
        }
        case Chunk.DataEnd: {
          if (buf.length - pos < 2) {
            this.carry = buf.subarray(pos);
            return false;
          }
          if (buf[pos] !== 13 || buf[pos + 1] !== 10)
            throw new UpstreamProtocolError("upstream sent a malformed chunk");
          pos += 2;
          this.chunk = Chunk.Size;
          break;
        }
        case Chunk.Trailers: {
          const eol = buf.indexOf(CRLF, pos);
          const len = (eol < 0 ? buf.length : eol + 2) - pos;
          if (this.trailerBytes + len > this.maxHeaderBytes)
            throw new UpstreamProtocolError(`upstream trailers exceed ${this.maxHeaderBytes} bytes`);
          if (eol < 0) {
            this.carry = buf.subarray(pos);
            return false;
          }
          if (eol === pos) {
            this.finish(buf.length - pos - 2);
            c.close();
            return true;
          }
          // Trailer fields are dropped, as fetch() does; their size is bounded above.
          this.trailerBytes += len;
          pos = eol + 2;
          break;
        }
      }
    }
    return false;
  }

  /** The response is complete (`extra` bytes followed it): the connection goes back to the pool when it may be reused. */
  private finish(extra: number): void {
    this.phase = Phase.Done;
    this.detach();
    const conn = this.conn;
    conn.uses++;
    if (this.paused) conn.socket?.resume();
    // A response that came before the whole request was written (an early 4xx) leaves request
    // bytes still to go out: the connection cannot carry another exchange.
    if (this.keepAlive && extra === 0 && !conn.writing) conn.pool.release(conn);
    else conn.destroy();
  }
}

/** One TCP connection to one host:port. */
class Conn {
  socket: Socket<Conn> | null = null;
  ex: Exchange | null = null;
  uses = 0;
  idleSince = 0;
  pooled = false;
  dead = false;
  private pending: Uint8Array | null = null;
  /** The last response head read here, as bytes (a copy) and parsed. */
  private lastHeadBytes: Buffer | null = null;
  private lastHead: Head | null = null;

  /**
   * The parsed head of `bytes`. An upstream answers a connection's requests with the same head
   * but for its Date (once a second) and length: a head equal to the last one, byte for byte, is
   * not decoded and parsed again (parseHead is a pure function of the bytes; a Head is never
   * changed after parsing). The head is `buf` from `start` to `end`. Throws
   * {@link UpstreamProtocolError} as parseHead does.
   */
  parsedHead(buf: Buffer, start: number, end: number): Head {
    const last = this.lastHeadBytes;
    if (last !== null && last.length === end - start && last.compare(buf, start, end) === 0) return this.lastHead!;
    const bytes = buf.subarray(start, end);
    const head = parseHead(bytes.toString("latin1"));
    if (bytes.length <= MAX_REMEMBERED_HEAD) {
      this.lastHeadBytes = Buffer.from(bytes);
      this.lastHead = head;
    }
    return head;
  }

  /** Request bytes are still waiting for the socket to drain. */
  get writing(): boolean {
    return this.pending !== null;
  }

  constructor(
    readonly key: string,
    readonly pool: H1Client,
  ) {}

  write(bytes: Uint8Array): void {
    if (this.pending !== null) {
      this.pending = Buffer.concat([this.pending, bytes]);
      return;
    }
    const n = this.socket!.write(bytes);
    if (n < bytes.length) this.pending = bytes.subarray(Math.max(0, n));
  }

  onDrain(): void {
    const p = this.pending;
    if (p === null || this.dead) return;
    this.pending = null;
    this.write(p);
  }

  onData(d: Buffer): void {
    if (this.ex !== null) this.ex.feed(d);
    else this.destroy(); // bytes nobody asked for: the connection's framing can no longer be trusted
  }

  onClose(err?: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    this.socket?.terminate();
    this.ex?.closed(err);
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    this.ex = null;
    this.socket?.terminate();
  }
}

const HANDLERS: SocketHandler<Conn> = {
  data(s, d) {
    s.data.onData(d as Buffer);
  },
  drain(s) {
    s.data.onDrain();
  },
  end(s) {
    s.data.onClose();
  },
  close(s, err) {
    s.data.onClose(err);
  },
  error(s, err) {
    s.data.onClose(err);
  },
};

export class H1Client {
  private readonly idle = new Map<string, Conn[]>();
  private idleTotal = 0;
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private readonly targets = new Map<string, Target>();
  private readonly maxHeaderBytes: number;
  private closed = false;

  constructor(private readonly opts: H1ClientOptions) {
    this.maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  }

  /** Idle connections kept for `url`'s host:port (for tests and metrics). */
  idleCount(url: string): number {
    return this.idle.get(this.target(url).key)?.length ?? 0;
  }

  /**
   * Sends one request; resolves with the response once its head arrived (the body streams).
   * Rejects as fetch() does: a TypeError for a bad request, the signal's reason on abort, an
   * Error when the upstream cannot be reached or breaks the protocol.
   */
  async request(url: string, init: H1RequestInit): Promise<Response> {
    return (await this.send(url, init)).toResponse();
  }

  /** {@link request}, answered with an {@link H1Reply} (no Response built: the proxy's hot path). */
  async send(url: string, init: H1RequestInit): Promise<H1Reply> {
    const t = this.target(url);
    const bytes = encodeRequest(t, init);
    const signal = init.signal;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw cancelReason(signal);
      const pooled = attempt === 0 ? this.take(t.key) : undefined;
      const conn = pooled ?? (await this.connect(t, signal));
      try {
        return await this.exchange(conn, init.method, bytes, signal);
      } catch (e) {
        if (!(e instanceof Stale)) throw e;
        if (pooled === undefined || attempt > 0 || signal?.aborted) throw new Error(e.message, { cause: e.cause });
      }
    }
  }

  /** Closes every idle connection; in-flight exchanges finish, then their connections close. */
  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const c of [...list]) c.destroy();
    this.idle.clear();
    this.idleTotal = 0;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Returns a connection whose exchange completed cleanly. */
  release(conn: Conn): void {
    if (conn.dead) return;
    let list = this.idle.get(conn.key);
    if (
      this.closed ||
      this.idleTotal >= this.opts.maxIdle ||
      (list?.length ?? 0) >= this.opts.maxIdlePerHost ||
      this.opts.idleTimeoutMs <= 0
    ) {
      conn.destroy();
      return;
    }
    if (list === undefined) {
      list = [];
      this.idle.set(conn.key, list);
    }
    conn.idleSince = performance.now();
    conn.pooled = true;
    list.push(conn);
    this.idleTotal++;
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(this.opts.idleTimeoutMs / 2, 5_000)));
      this.sweeper.unref?.();
    }
  }

  /** A connection that died leaves the pool. */
  forget(conn: Conn): void {
    if (!conn.pooled) return;
    conn.pooled = false;
    const list = this.idle.get(conn.key);
    const i = list?.indexOf(conn) ?? -1;
    if (i >= 0) {
      list!.splice(i, 1);
      this.idleTotal--;
    }
  }

  private sweep(): void {
    const cutoff = performance.now() - this.opts.idleTimeoutMs;
    for (const list of this.idle.values()) for (const c of [...list]) if (c.idleSince <= cutoff) c.destroy();
    if (this.idleTotal === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private take(key: string): Conn | undefined {
    const list = this.idle.get(key);
    if (list === undefined) return undefined;
    const cutoff = performance.now() - this.opts.idleTimeoutMs;
    for (;;) {
      const c = list.pop();
      if (c === undefined) return undefined;
      this.idleTotal--;
      c.pooled = false;
      if (c.dead) continue;
      if (c.idleSince <= cutoff) {
        c.destroy();
        continue;
      }
      return c;
    }
  }

  private target(url: string): Target {
    let t = this.targets.get(url);
    if (t !== undefined) return t;
    const u = new URL(url);
    if (u.protocol !== "http:")
      throw new TypeError(`the pooled HTTP/1.1 client speaks plain http only, not ${u.protocol}`);
    const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
    const port = u.port === "" ? 80 : Number(u.port);
    t = { key: `${hostname}:${port}`, hostname, port, host: u.host, path: `${u.pathname}${u.search}` || "/" };
    if (this.targets.size > 1024) this.targets.clear();
    this.targets.set(url, t);
    return t;
  }

  private connect(t: Target, signal: Cancel | undefined): Promise<Conn> {
    const conn = new Conn(t.key, this);
    return new Promise<Conn>((resolve, reject) => {
      let settled = false;
      const done = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (signal) offCancel(signal, onAbort);
        if (err === undefined) resolve(conn);
        else {
          conn.destroy();
          reject(err);
        }
      };
      const onAbort = () => done(cancelReason(signal!));
      const timer = setTimeout(
        () => done(new Error(`connect to ${t.key} timed out after ${this.opts.connectTimeoutMs} ms`)),
        this.opts.connectTimeoutMs,
      );
      if (signal) onCancel(signal, onAbort);
      Bun.connect<Conn>({ hostname: t.hostname, port: t.port, data: conn, socket: HANDLERS }).then(
        (s) => {
          conn.socket = s;
          if (settled || conn.dead) {
            conn.dead = true;
            s.terminate();
            return;
          }
          s.setNoDelay(true);
          done();
        },
        (e) => done(e instanceof Error ? e : new Error(`connect to ${t.key} failed`, { cause: e })),
      );
    });
  }

  private exchange(conn: Conn, method: string, bytes: Uint8Array, signal: Cancel | undefined): Promise<H1Reply> {
    return new Promise<H1Reply>((resolve, reject) => {
      const ex = new Exchange(conn, method, this.maxHeaderBytes, signal, resolve, reject);
      conn.ex = ex;
      if (signal?.aborted) {
        ex.fail(cancelReason(signal));
        return;
      }
      conn.write(bytes);
    });
  }
}

/** The request head and body as one buffer (one write, one TCP segment for small requests). */
function encodeRequest(t: Target, init: H1RequestInit): Uint8Array {
  const method = init.method.toUpperCase();
  if (!TOKEN.test(method)) throw new TypeError(`invalid HTTP method: ${init.method.slice(0, 32)}`);
  let head = `${method} ${t.path} HTTP/1.1\r\nhost: ${t.host}\r\n`;
  const h = init.headers;
  if (h)
    for (const name in h) {
      const value = h[name]!;
      const lower = tokenName(name);
      if (lower === null || BAD_VALUE.test(value)) throw new TypeError(`invalid request header: ${name.slice(0, 64)}`);
      if (OWN.has(lower)) continue;
      head += `${name}: ${value}\r\n`;
    }
  const body = init.body;
  if (body === undefined || body === null) {
    if (method === "POST" || method === "PUT" || method === "PATCH") head += "content-length: 0\r\n";
    head += "\r\n";
    return Buffer.from(head, "latin1");
  }
  const bodyLen = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  head += `content-length: ${bodyLen}\r\n\r\n`;
  const headLen = head.length;
  const out = Buffer.allocUnsafe(headLen + bodyLen);
  out.write(head, 0, headLen, "latin1");
  if (typeof body === "string") out.write(body, headLen, bodyLen, "utf8");
  else out.set(body, headLen);
  return out;
}
