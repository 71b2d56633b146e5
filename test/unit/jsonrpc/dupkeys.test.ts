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
  ])("%s → %p", (text, want) => {
    expect(hasConflictingDuplicateKeys(text)).toBe(want);
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
