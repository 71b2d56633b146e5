import { describe, expect, test } from "bun:test";
import { hasConflictingDuplicateKeys, mayCarryArguments } from "../../../src/jsonrpc/dupkeys.ts";

describe("hasConflictingDuplicateKeys", () => {
  test.each([
    ['{"a":1,"a":2}', true],
    ['{"a":1,"a":1}', false],
    ['{"p":{"arguments":{"command":"ls","command":"rm -rf /"}}}', true],
    ['{"p":{"arguments":{"path":"README.md","path":"README.md"}}}', false],
    ['{"\\u0063ommand":"a","command":"b"}', true],
    ['{"a":{"x":1},"b":{"x":2}}', false],
    ['{"a":[{"x":1},{"x":2}]}', false],
    ['{"s":"a \\" , \\"s\\": \\"b","t":1}', false],
    ['{"a":{"k":[1,2]},"a":{"k":[1,3]}}', true],
    ["[1,2,3]", false],
    ['{"u":"http://a:b@c:80/","u":"http://a:b@c:80/"}', false],
    ['{"u":"http://x:1/","u":"http://y:1/"}', true],
    ['{"t":"12:30","a":1,"a":2}', true],
    ['{"a":{},"a":{}}', false],
    ['{"__proto__":1,"__proto__":2}', true],
  ])("%s → %p", (text, want) => {
    expect(hasConflictingDuplicateKeys(text)).toBe(want);
    // With the parsed value the answer is the same, whether or not the colon count decides it.
    expect(hasConflictingDuplicateKeys(text, JSON.parse(text))).toBe(want);
  });

  test("a long frame is scanned in one pass without stack growth", () => {
    const deep = `${"[".repeat(5000)}1${"]".repeat(5000)}`;
    expect(hasConflictingDuplicateKeys(`{"a":${deep},"b":"${"x".repeat(200_000)}"}`)).toBe(false);
  });

  test("only frames that may carry tool or prompt arguments are scanned", () => {
    expect(mayCarryArguments('{"method":"tools/call"}')).toBe(true);
    expect(mayCarryArguments('{"method":"ping"}')).toBe(false);
  });
});
