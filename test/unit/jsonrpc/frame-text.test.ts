import { describe, expect, test } from "bun:test";
import { FRAME_TEXT_MIN_CHARS, frameTextOf, rememberFrameText } from "../../../src/jsonrpc/frame-text.ts";
import { messageText } from "../../../src/pool/index.ts";

describe("frame text", () => {
  const big = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { text: "a".repeat(FRAME_TEXT_MIN_CHARS) } }, null, 1);

  test("is found for the message parsed from it, and for no other object", () => {
    const message = JSON.parse(big);
    rememberFrameText(message, big);
    expect(frameTextOf(message)).toBe(big);
    expect(messageText(message)).toBe(big);
    // A replaced message (an interceptor's modify) is a new object: serialised, never the stale text.
    const replaced = { ...message, result: { text: "b" } };
    expect(frameTextOf(replaced)).toBeUndefined();
    expect(messageText(replaced)).toBe(JSON.stringify(replaced));
  });

  test("is not kept for small frames", () => {
    const small = '{"jsonrpc":"2.0","id":2,"result":{}}';
    const message = JSON.parse(small);
    rememberFrameText(message, small);
    expect(frameTextOf(message)).toBeUndefined();
    expect(messageText(message)).toBe(small);
  });
});
