import { describe, expect, test } from "bun:test";
import { type FrameTooLargeError, formatSseEvent, LineScanner, SseScanner } from "../../../src/jsonrpc/scanner.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

type Out = { frames: string[]; errors: { id: string | number | null; limit: number }[] };

function scanLines(chunks: Uint8Array[], max?: number): Out {
  const out: Out = { frames: [], errors: [] };
  const s = new LineScanner(
    {
      onLine: (l) => out.frames.push(dec.decode(l)),
      onError: (e) => out.errors.push({ id: e.id, limit: e.limit }),
    },
    max,
  );
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

function scanSse(chunks: Uint8Array[], max?: number): Out & { comments: string[] } {
  const out = { frames: [] as string[], errors: [] as Out["errors"], comments: [] as string[] };
  const s = new SseScanner(
    {
      onEvent: (ev) => out.frames.push(JSON.stringify(ev)),
      onComment: (c) => out.comments.push(c),
      onError: (e) => out.errors.push({ id: e.id, limit: e.limit }),
    },
    max,
  );
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

/** The same bytes cut at one position, with the buffer reused to catch scanners that keep references. */
function splitAt(bytes: Uint8Array, i: number): Uint8Array[] {
  return [bytes.slice(0, i), bytes.slice(i)];
}

/** Deterministic pseudo-random cuts (mulberry32), so a failure can be replayed from its seed. */
function randomSplit(bytes: Uint8Array, seed: number): Uint8Array[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(rnd() * 12);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Every split of the input must give exactly the frames of the unsplit input. */
function expectSplitInvariant<T>(bytes: Uint8Array, scan: (chunks: Uint8Array[]) => T): T {
  const whole = scan([bytes]);
  for (let i = 0; i <= bytes.length; i++)
    expect({ at: i, out: scan(splitAt(bytes, i)) }).toEqual({ at: i, out: whole });
  for (let seed = 1; seed <= 200; seed++)
    expect({ seed, out: scan(randomSplit(bytes, seed)) }).toEqual({ seed, out: whole });
  // One byte at a time.
  expect(scan(Array.from(bytes, (b) => new Uint8Array([b])))).toEqual(whole);
  return whole;
}

describe("LineScanner (NDJSON)", () => {
  const input = enc.encode(
    [
      '{"jsonrpc":"2.0","id":1,"method":"ping"}\n',
      '{"jsonrpc":"2.0","id":2,"method":"echo","params":{"text":"héllo ✓ 𝄞 日本"}}\r\n',
      "\n",
      "   \n",
      "\r\n",
      '{"jsonrpc":"2.0","method":"notifications/initialized"}\n',
      '{"last":"no terminator"}',
    ].join(""),
  );

  test("frames are the same whatever the chunk boundaries (every byte position, random cuts, byte by byte)", () => {
    const out = expectSplitInvariant(input, (c) => scanLines(c));
    expect(out.frames).toEqual([
      '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":2,"method":"echo","params":{"text":"héllo ✓ 𝄞 日本"}}',
      '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      '{"last":"no terminator"}',
    ]);
    expect(out.errors).toEqual([]);
  });

  test("LF and CRLF both end a line and the CR is not part of the frame", () => {
    expect(scanLines([enc.encode("a\r\nb\nc\r\n")]).frames).toEqual(["a", "b", "c"]);
  });

  test("a frame over the limit is a FrameTooLargeError with its id, and scanning continues", () => {
    const big = `{"jsonrpc":"2.0","id":"req-7","method":"tools/call","params":{"x":"${"y".repeat(300)}"}}`;
    const bytes = enc.encode(`{"id":1}\n${big}\n{"id":2}\n`);
    const out = expectSplitInvariant(bytes, (c) => scanLines(c, 128));
    expect(out.frames).toEqual(['{"id":1}', '{"id":2}']);
    expect(out.errors).toEqual([{ id: "req-7", limit: 128 }]);
  });

  test("an oversized frame whose id is only at its end is still identified", () => {
    const big = `{"jsonrpc":"2.0","result":{"t":"${"z".repeat(5000)}"},"id":42}`;
    const out = expectSplitInvariant(enc.encode(`${big}\n{"ok":1}\n`), (c) => scanLines(c, 1000));
    expect(out.errors).toEqual([{ id: 42, limit: 1000 }]);
    expect(out.frames).toEqual(['{"ok":1}']);
  });

  test("an unterminated oversized frame at end of stream is reported, not dropped silently", () => {
    const out = scanLines([enc.encode(`{"id":3,"x":"${"q".repeat(200)}`)], 64);
    expect(out.errors).toEqual([{ id: 3, limit: 64 }]);
  });

  test("memory stays bounded while skipping an oversized frame", () => {
    const frames: string[] = [];
    const errors: FrameTooLargeError[] = [];
    const s = new LineScanner({ onLine: (l) => frames.push(dec.decode(l)), onError: (e) => errors.push(e) }, 1024);
    const chunk = enc.encode("x".repeat(64 * 1024));
    for (let i = 0; i < 64; i++) s.push(chunk); // 4 MiB of one line
    expect((s as unknown as { pending: number }).pending).toBe(0);
    s.push(enc.encode("\nnext\n"));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.seen).toBe(4 * 1024 * 1024);
    expect(frames).toEqual(["next"]);
  });
});

describe("SseScanner", () => {
  const input = enc.encode(
    "\uFEFF" +
      ": keep-alive\n" +
      "event: message\r\n" +
      "id: 17\r\n" +
      "retry: 2500\r\n" +
      'data: {"jsonrpc":"2.0",\r\n' +
      'data: "id":1}\r\n' +
      "\r\n" +
      "data:no space 𝄞 héllo\r" +
      "\r" +
      "data: one\n" +
      "data\n" +
      "data: three\n" +
      "ignored-field: x\n" +
      "retry: not-a-number\n" +
      "\n" +
      "id\n" +
      "\n" +
      "data: unterminated event is dropped at end of stream\n",
  );

  test("events are the same whatever the chunk boundaries (every byte position, random cuts, byte by byte)", () => {
    const out = expectSplitInvariant(input, (c) => scanSse(c));
    expect(out.frames.map((f) => JSON.parse(f))).toEqual([
      { data: '{"jsonrpc":"2.0",\n"id":1}', event: "message", id: "17", retry: 2500 },
      { data: "no space 𝄞 héllo" },
      { data: "one\n\nthree" },
      { data: "", id: "" },
    ]);
    expect(out.comments).toEqual(["keep-alive"]);
    expect(out.errors).toEqual([]);
  });

  test("ASCII chunks before the first UTF-8 sequence, and a sequence split across chunks, decode the same", () => {
    const bytes = enc.encode('data: {"a":1}\n\ndata: caf\u00e9 \u{1D11E} ok\r\ndata: \u00fcber\n\ndata: plain\n\n');
    const out = expectSplitInvariant(bytes, (c) => scanSse(c));
    expect(out.frames.map((f) => JSON.parse(f).data)).toEqual([
      '{"a":1}',
      "caf\u00e9 \u{1D11E} ok\n\u00fcber",
      "plain",
    ]);
    // A lone byte that is not UTF-8 after ASCII chunks is replaced, as before.
    const bad = scanSse([enc.encode("data: x"), new Uint8Array([0xff]), enc.encode("\n\n")]);
    expect(bad.frames.map((f) => JSON.parse(f).data)).toEqual(["x\uFFFD"]);
  });

  test("an event over the limit is a FrameTooLargeError and the next event still arrives", () => {
    const bytes = enc.encode(`data: small\n\ndata: ${"w".repeat(300)}\ndata: more\n\ndata: after\n\n`);
    const out = expectSplitInvariant(bytes, (c) => scanSse(c, 100));
    expect(out.frames.map((f) => JSON.parse(f).data)).toEqual(["small", "after"]);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]!.limit).toBe(100);
  });

  test("an oversized event's id is found at either end of its data, whatever the chunk boundaries", () => {
    const atStart = `data: {"jsonrpc":"2.0","id":"s-1","result":{"t":"${"a".repeat(400)}"}}`;
    const atEnd = `data: {"result":{"t":"${"b".repeat(300)}",\ndata: "u":"${"c".repeat(300)}"},"jsonrpc":"2.0","id":77}`;
    const bytes = enc.encode(`${atStart}\n\n${atEnd}\n\ndata: ok\n\n`);
    const out = expectSplitInvariant(bytes, (c) => scanSse(c, 200));
    expect(out.errors).toEqual([
      { id: "s-1", limit: 200 },
      { id: 77, limit: 200 },
    ]);
    expect(out.frames.map((f) => JSON.parse(f).data)).toEqual(["ok"]);
  });

  test("formatSseEvent output scans back to the same event", () => {
    const ev = { data: "line1\nline2\r\nline3", event: "message", id: "9", retry: 10 };
    const out = scanSse([enc.encode(formatSseEvent(ev))]);
    expect(JSON.parse(out.frames[0]!)).toEqual({ data: "line1\nline2\nline3", event: "message", id: "9", retry: 10 });
  });
});
