/**
 * Streaming framers: bytes in, frames out, whatever the chunk boundaries.
 *
 * - {@link LineScanner}: newline-delimited JSON (MCP stdio). LF or CRLF; blank lines ignored.
 * - {@link SseScanner}: server-sent events per https://html.spec.whatwg.org/multipage/server-sent-events.html
 *   (`data` over several lines, `id`, `event`, `retry`, comments, LF / CRLF / CR line ends, a
 *   leading BOM, UTF-8 sequences split across chunks).
 *
 * Both hop with native `indexOf` (never a per-byte JS loop) and keep a scan offset so a large
 * frame arriving in many chunks is searched once, not quadratically. A frame over `maxBytes` is
 * reported through `onError` with {@link FrameTooLargeError} and skipped up to its end; the scanner
 * then carries on with the next frame (no hang, no crash, no silent truncation).
 */

import { isAscii } from "node:buffer";

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Text of bytes known to be ASCII. */
function latin1(b: Uint8Array): string {
  return (b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString("latin1");
}

/** Bytes kept from each end of an oversized frame, so its id can still be answered. */
const EDGE_BYTES = 512;

export class FrameTooLargeError extends Error {
  readonly code = "FRAME_TOO_LARGE";
  constructor(
    readonly limit: number,
    readonly seen: number,
    /** First and last bytes of the skipped frame (at most 512 each), to find its id. */
    readonly edges: string = "",
  ) {
    super(`frame exceeds the limit of ${limit} bytes`);
    this.name = "FrameTooLargeError";
  }

  /** The JSON-RPC id of the skipped frame, when one of its ends shows it. */
  get id(): string | number | null {
    const m = /"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})/.exec(this.edges);
    if (!m) return null;
    try {
      return JSON.parse(m[1]!) as string | number;
    } catch {
      return null;
    }
  }
}

const LF = 10;
const DECODER = new TextDecoder();
const CR = 13;

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface LineSink {
  /** One complete line, without its terminator (CR stripped). Never empty. */
  onLine(line: Uint8Array): void;
  /** A line over the limit was skipped. */
  onError(err: FrameTooLargeError): void;
}

/** Newline-delimited frames from a byte stream. */
export class LineScanner {
  private parts: Uint8Array[] = [];
  private pending = 0;
  /** Skipping the rest of an oversized line. */
  private skipping = false;
  private skipped = 0;
  private head: Uint8Array = new Uint8Array(0);
  private tail: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly sink: LineSink,
    private readonly maxBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        this.hold(chunk.subarray(start));
        return;
      }
      this.complete(chunk.subarray(start, nl));
      start = nl + 1;
    }
  }

  /** End of stream: a final line without a terminator still counts. */
  end(): void {
    if (this.pending > 0 || this.skipping) this.complete(new Uint8Array(0));
  }

  private hold(part: Uint8Array): void {
    if (part.length === 0) return;
    if (this.skipping) {
      this.skipped += part.length;
      this.tail = lastBytes(this.tail, part);
      return;
    }
    if (this.pending + part.length > this.maxBytes) {
      // Keep only both ends (to find the frame's id), across however many parts they span.
      this.skipping = true;
      this.skipped = this.pending + part.length;
      this.head = firstBytes([...this.parts, part]);
      let tail: Uint8Array = new Uint8Array(0);
      for (const p of this.parts) tail = lastBytes(tail, p);
      this.tail = lastBytes(tail, part);
      this.parts = [];
      this.pending = 0;
      return;
    }
    // Copy: the caller may reuse its buffer.
    this.parts.push(part.slice());
    this.pending += part.length;
  }

  private complete(tail: Uint8Array): void {
    if (this.skipping) {
      const seen = this.skipped + tail.length;
      const end = lastBytes(this.tail, tail);
      const edges = `${DECODER.decode(this.head)}\n${DECODER.decode(end)}`;
      this.skipping = false;
      this.skipped = 0;
      this.head = new Uint8Array(0);
      this.tail = new Uint8Array(0);
      this.sink.onError(new FrameTooLargeError(this.maxBytes, seen, edges));
      return;
    }
    let line: Uint8Array;
    if (this.pending === 0) line = tail;
    else {
      if (tail.length > 0) this.parts.push(tail);
      line = concat(this.parts, this.pending + tail.length);
      this.parts = [];
      this.pending = 0;
    }
    let len = line.length;
    if (len > 0 && line[len - 1] === CR) len--;
    if (len > this.maxBytes) {
      const edges = `${DECODER.decode(line.subarray(0, EDGE_BYTES))}\n${DECODER.decode(line.subarray(Math.max(0, len - EDGE_BYTES), len))}`;
      this.sink.onError(new FrameTooLargeError(this.maxBytes, len, edges));
      return;
    }
    if (len === 0) return;
    // Whitespace-only lines are blank too.
    if (len < 8 && isBlank(line, len)) return;
    this.sink.onLine(len === line.length ? line : line.subarray(0, len));
  }
}

/** The first EDGE_BYTES of the concatenation of `parts`. */
function firstBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(
    Math.min(
      EDGE_BYTES,
      parts.reduce((n, p) => n + p.length, 0),
    ),
  );
  let o = 0;
  for (const p of parts) {
    if (o >= out.length) break;
    const n = Math.min(p.length, out.length - o);
    out.set(p.subarray(0, n), o);
    o += n;
  }
  return out;
}

/** The last EDGE_BYTES of `a` followed by `b` (a copy). */
function lastBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length >= EDGE_BYTES) return b.slice(b.length - EDGE_BYTES);
  const keep = Math.min(a.length, EDGE_BYTES - b.length);
  const out = new Uint8Array(keep + b.length);
  out.set(a.subarray(a.length - keep), 0);
  out.set(b, keep);
  return out;
}

function isBlank(b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== CR) return false;
  }
  return true;
}

/** One dispatched server-sent event. */
export interface SseEvent {
  /** `data` lines joined with "\n". */
  readonly data: string;
  /** `event` field; undefined means the default type "message". */
  readonly event: string | undefined;
  /** `id` field of this event, when it had one. */
  readonly id: string | undefined;
  /** `retry` field (milliseconds), when valid. */
  readonly retry: number | undefined;
}

export interface SseSink {
  onEvent(ev: SseEvent): void;
  /** A comment line (": keep-alive"), without the colon; relays may pass them on as heartbeats. */
  onComment?(text: string): void;
  onError(err: FrameTooLargeError): void;
}

/** Server-sent events from a byte stream. */
export class SseScanner {
  /** Made for the first chunk that is not all ASCII; used for every chunk from then on. */
  private decoder: TextDecoder | null = null;
  private buf = "";
  /** Offset in `buf` already searched for a line end. */
  private scanned = 0;
  private sawBom = false;
  /** The previous chunk ended in CR: a leading LF of the next one belongs to it. */
  private crPending = false;

  private data: string[] = [];
  private dataBytes = 0;
  private event: string | undefined;
  private id: string | undefined;
  private retry: number | undefined;
  private hasFields = false;
  private skipping = false;
  /** The start of the current line was thrown away (over the limit): drop the rest of it too. */
  private discardLine = false;
  /** While skipping an oversized event: the first and last EDGE_BYTES of its data, to find its id. */
  private skipHead = "";
  private skipTail = "";

  constructor(
    private readonly sink: SseSink,
    private readonly maxBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  push(chunk: Uint8Array): void {
    // ASCII bytes are their own text and never end inside a UTF-8 sequence: until a chunk is not
    // ASCII there is no decoder state to keep, and Latin-1 copying is the whole decoding.
    let text: string;
    if (this.decoder === null && isAscii(chunk)) text = latin1(chunk);
    else {
      this.decoder ??= new TextDecoder("utf-8");
      text = this.decoder.decode(chunk, { stream: true });
    }
    if (!this.sawBom && text.length > 0) {
      this.sawBom = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.crPending && text.length > 0) {
      this.crPending = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    this.feed(text);
  }

  end(): void {
    const rest = this.decoder?.decode();
    if (rest) this.feed(rest);
    // A final line without a terminator is processed; an unterminated event is discarded (spec).
    if (this.buf.length > 0 && !this.discardLine) {
      this.line(this.buf);
      this.buf = "";
      this.scanned = 0;
    }
  }

  private feed(text: string): void {
    if (text.length === 0) return;
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    let start = 0;
    let from = this.scanned;
    const buf = this.buf;
    for (;;) {
      const lf = buf.indexOf("\n", from);
      const cr = buf.indexOf("\r", from);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < buf.length) next = buf.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          this.crPending = true;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else break;
      if (this.discardLine) {
        this.discardLine = false;
        this.keepTail(buf.slice(start, end));
      } else this.line(buf.slice(start, end));
      start = next;
      from = next;
    }
    this.buf = start === 0 ? buf : buf.slice(start);
    this.scanned = this.buf.length;
    // An unterminated line already over the limit: start skipping so memory stays bounded.
    if (this.buf.length > this.maxBytes) {
      if (this.skipping) this.keepTail(`\n${stripDataField(this.buf)}`);
      else this.startSkipping(stripDataField(this.buf));
      this.skipping = true;
      this.discardLine = true;
      this.buf = "";
      this.scanned = 0;
      this.data = [];
      this.dataBytes = this.maxBytes + 1;
    }
  }

  private line(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (this.skipping) {
      if (line.startsWith("data")) this.keepTail(`\n${stripDataField(line)}`);
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) {
      this.sink.onComment?.(line.slice(1).replace(/^ /, ""));
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case "data":
        this.hasFields = true;
        this.dataBytes += value.length + 1;
        if (this.dataBytes > this.maxBytes) {
          this.startSkipping(value);
          this.skipping = true;
          this.data = [];
          return;
        }
        this.data.push(value);
        return;
      case "event":
        this.hasFields = true;
        this.event = value;
        return;
      case "id":
        if (!value.includes("\0")) {
          this.hasFields = true;
          this.id = value;
        }
        return;
      case "retry":
        if (/^\d+$/.test(value)) {
          this.hasFields = true;
          this.retry = Number(value);
        }
        return;
      default:
        return; // unknown fields are ignored (spec)
    }
  }

  private dispatch(): void {
    if (this.skipping) {
      const seen = this.dataBytes;
      const edges = `${this.skipHead}\n${this.skipTail}`;
      this.reset();
      this.skipping = false;
      this.skipHead = "";
      this.skipTail = "";
      this.sink.onError(new FrameTooLargeError(this.maxBytes, seen, edges));
      return;
    }
    if (!this.hasFields) return;
    const ev: SseEvent = { data: this.data.join("\n"), event: this.event, id: this.id, retry: this.retry };
    this.reset();
    this.sink.onEvent(ev);
  }

  /** Begins skipping the current event: keeps both ends of its data so far plus `value`. */
  private startSkipping(value: string): void {
    const before = this.data.join("\n");
    const all = before.length > 0 ? `${before}\n${value}` : value;
    this.skipHead = all.slice(0, EDGE_BYTES);
    this.skipTail = all.slice(-EDGE_BYTES);
  }

  private keepTail(more: string): void {
    this.skipTail = more.length >= EDGE_BYTES ? more.slice(-EDGE_BYTES) : (this.skipTail + more).slice(-EDGE_BYTES);
  }

  private reset(): void {
    this.data = [];
    this.dataBytes = 0;
    this.event = undefined;
    this.id = undefined;
    this.retry = undefined;
    this.hasFields = false;
  }
}

/** The value of a `data:` line (the line itself when it is not one). */
function stripDataField(line: string): string {
  if (!line.startsWith("data")) return line;
  if (line.length === 4) return "";
  if (line.charCodeAt(4) !== 58 /* : */) return line;
  return line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
}

/** Serialises one event (data split on line ends so it round-trips). */
export function formatSseEvent(ev: { data: string; event?: string; id?: string; retry?: number }): string {
  let out = "";
  if (ev.event !== undefined) out += `event: ${ev.event}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  if (ev.retry !== undefined) out += `retry: ${ev.retry}\n`;
  if (ev.data.includes("\n") || ev.data.includes("\r")) {
    for (const l of ev.data.split(/\r\n|\r|\n/)) out += `data: ${l}\n`;
  } else out += `data: ${ev.data}\n`;
  return out + "\n";
}
