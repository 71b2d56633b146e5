/**
 * A small keep-alive HTTP/1.1 client over Bun.connect for the bench: one request in flight per
 * connection, responses framed by Content-Length or chunked encoding. It does far less work per
 * request than fetch(), so on a 2-core box more of the CPU goes to what is being measured.
 */
import type { Socket } from "bun";

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The whole body when it was asked for, else its first {@link PEEK_BYTES} bytes. */
  readonly body: string;
}

/** Bytes of every body kept even when the body is not, so errors can be told from results. */
export const PEEK_BYTES = 256;

const CRLFCRLF = Buffer.from("\r\n\r\n");

interface Pending {
  resolve: (r: HttpResponse) => void;
  reject: (e: Error) => void;
  keep: boolean;
}

/** One keep-alive connection. */
export class HttpConnection {
  private socket: Socket | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private head: { status: number; headers: Record<string, string> } | undefined;
  private bodyMode: "length" | "chunked" = "length";
  private remaining = 0;
  private chunks: Buffer[] = [];
  private peek = 0;
  private closedError: Error | undefined;

  private constructor(
    readonly _host: string,
    readonly _port: number,
  ) {}

  static async open(host: string, port: number): Promise<HttpConnection> {
    const c = new HttpConnection(host, port);
    c.socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        data: (_s, data) => c.onData(data),
        close: () => c.fail(new Error("connection closed")),
        error: (_s, e) => c.fail(e),
      },
    });
    c.socket.setNoDelay(true);
    return c;
  }

  /** Sends one request; resolves when the whole response arrived (with the body when `keep`). */
  request(raw: string, keep = false): Promise<HttpResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.pending) return Promise.reject(new Error("request already in flight on this connection"));
    const { promise, resolve, reject } = Promise.withResolvers<HttpResponse>();
    this.pending = { resolve, reject, keep };
    this.socket!.write(raw);
    return promise;
  }

  close(): void {
    this.closedError = new Error("closed");
    this.socket?.end();
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private onData(data: Buffer): void {
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    this.parse();
  }

  private parse(): void {
    for (;;) {
      if (!this.head) {
        const end = this.buf.indexOf(CRLFCRLF);
        if (end < 0) return;
        const lines = this.buf.toString("latin1", 0, end).split("\r\n");
        const status = Number(lines[0]!.split(" ")[1]);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(":");
          if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        this.head = { status, headers };
        this.buf = this.buf.subarray(end + 4);
        this.chunks = [];
        this.peek = 0;
        if (headers["transfer-encoding"]?.includes("chunked")) {
          this.bodyMode = "chunked";
        } else {
          this.bodyMode = "length";
          this.remaining = Number(headers["content-length"] ?? 0);
        }
      }
      if (this.bodyMode === "length") {
        const take = Math.min(this.remaining, this.buf.length);
        if (take > 0) {
          this.keepBody(this.buf.subarray(0, take));
          this.buf = this.buf.subarray(take);
          this.remaining -= take;
        }
        if (this.remaining > 0) return;
        this.finish();
      } else {
        // chunked: size line, data, CRLF … a 0-size chunk and a blank line end it.
        const nl = this.buf.indexOf("\r\n");
        if (nl < 0) return;
        const size = Number.parseInt(this.buf.toString("latin1", 0, nl), 16);
        if (size === 0) {
          if (this.buf.length < nl + 4) return;
          this.buf = this.buf.subarray(nl + 4);
          this.finish();
        } else {
          if (this.buf.length < nl + 2 + size + 2) return;
          this.keepBody(this.buf.subarray(nl + 2, nl + 2 + size));
          this.buf = this.buf.subarray(nl + 2 + size + 2);
          continue;
        }
      }
      if (this.buf.length === 0) return;
    }
  }

  private keepBody(part: Buffer): void {
    if (this.pending?.keep) {
      this.chunks.push(part);
    } else if (this.peek < PEEK_BYTES) {
      const piece = part.subarray(0, PEEK_BYTES - this.peek);
      this.chunks.push(Buffer.from(piece));
      this.peek += piece.length;
    }
  }

  private finish(): void {
    const head = this.head!;
    this.head = undefined;
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    p.resolve({ ...head, body: Buffer.concat(this.chunks).toString("utf8") });
    this.chunks = [];
  }
}

/** Builds a raw POST request. */
export function postRequest(
  host: string,
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): string {
  let head = `POST ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return `${head}\r\n${body}`;
}
