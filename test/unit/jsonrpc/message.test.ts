import { describe, expect, test } from "bun:test";
import { classify, depthExceeds, parseFrame, peekRawId, toolNameOf } from "../../../src/jsonrpc/message.ts";

const single = { allowBatch: false };

describe("classify checks the JSON-RPC 2.0 envelope", () => {
  const cases: [string, unknown, string][] = [
    ["a request", { jsonrpc: "2.0", id: 1, method: "ping" }, "request"],
    ["a request with a string id and object params", { jsonrpc: "2.0", id: "a", method: "m", params: {} }, "request"],
    ["a request with array params", { jsonrpc: "2.0", id: 2, method: "m", params: [1] }, "request"],
    ["a notification", { jsonrpc: "2.0", method: "notifications/initialized" }, "notification"],
    ["a result", { jsonrpc: "2.0", id: 1, result: {} }, "response"],
    ["a null result", { jsonrpc: "2.0", id: 1, result: null }, "response"],
    ["an error", { jsonrpc: "2.0", id: 1, error: { code: -1, message: "x" } }, "error"],
    ["an error with id null", { jsonrpc: "2.0", id: null, error: { code: -32700, message: "x" } }, "error"],
  ];
  for (const [what, v, kind] of cases) {
    test(`${what} is a ${kind}`, () => {
      const c = classify(v);
      expect(c.kind).toBe("single");
      if (c.kind === "single") expect(c.messageKind).toBe(kind as never);
    });
  }

  const invalid: [string, unknown, string, string | number | null][] = [
    ["a string", "hello", "message is not a JSON object", null],
    ["an array element that is null", null, "message is not a JSON object", null],
    ["a missing jsonrpc", { id: 1, method: "m" }, 'jsonrpc must be "2.0"', 1],
    ["jsonrpc 1.0", { jsonrpc: "1.0", id: 5, method: "m" }, 'jsonrpc must be "2.0"', 5],
    ["a numeric method", { jsonrpc: "2.0", id: 1, method: 3 }, "method must be a string", 1],
    ["scalar params", { jsonrpc: "2.0", id: 1, method: "m", params: "x" }, "params must be an object or an array", 1],
    ["null params", { jsonrpc: "2.0", id: 1, method: "m", params: null }, "params must be an object or an array", 1],
    ["an object id", { jsonrpc: "2.0", id: {}, method: "m" }, "id must be a string or a number", null],
    ["a null request id", { jsonrpc: "2.0", id: null, method: "m" }, "id must be a string or a number", null],
    ["a boolean id on a result", { jsonrpc: "2.0", id: true, result: 1 }, "id must be a string or a number", null],
    ["both result and error", { jsonrpc: "2.0", id: 1, result: 1, error: {} }, "a response needs exactly one", 1],
    ["neither result nor error", { jsonrpc: "2.0", id: 1 }, "a response needs exactly one", 1],
    ["an error without code", { jsonrpc: "2.0", id: 1, error: { message: "x" } }, "error must have a numeric code", 1],
    ["a NaN-like id", { jsonrpc: "2.0", id: Number.POSITIVE_INFINITY, method: "m" }, "id must be", null],
  ];
  for (const [what, v, reason, id] of invalid) {
    test(`${what} is invalid and says why`, () => {
      const c = classify(v);
      expect(c.kind).toBe("invalid");
      if (c.kind === "invalid") {
        expect(c.code).toBe(-32600);
        expect(c.reason).toContain(reason);
        expect(c.id).toBe(id);
      }
    });
  }
});

describe("parseFrame", () => {
  test("invalid JSON is a parse error that does not quote the input, with the id when it can be read", () => {
    const r = parseFrame('{"jsonrpc":"2.0","id":"secret-9","method":"tools/call","params":{"token":"abc', single);
    expect(r).toEqual({ kind: "invalid", code: -32700, reason: "Parse error: invalid JSON", id: "secret-9" });
    expect(parseFrame("not json", single)).toMatchObject({ kind: "invalid", code: -32700, id: null });
  });

  test("peekRawId reads numbers and strings and ignores what is not an id", () => {
    expect(peekRawId('{"id": 12, "x"')).toBe(12);
    expect(peekRawId('{"id":"a\\"b",')).toBe('a"b');
    expect(peekRawId('{"id":1.5,')).toBeNull();
    expect(peekRawId('{"id":{"x":1}')).toBeNull();
    expect(peekRawId(`{"x":"${'"id"'.repeat(10_000)}`)).toBeNull();
  });

  test("batches are accepted only when allowed (2025-03-26) and each element is classified", () => {
    const text = JSON.stringify([
      { jsonrpc: "2.0", id: 1, method: "a" },
      { jsonrpc: "1.0", id: 2, method: "b" },
      { jsonrpc: "2.0", method: "n" },
    ]);
    const r = parseFrame(text, { allowBatch: true });
    expect(r.kind).toBe("batch");
    if (r.kind === "batch") expect(r.items.map((i) => i.kind)).toEqual(["single", "invalid", "single"]);
    const refused = parseFrame(text, single);
    expect(refused).toEqual({
      kind: "invalid",
      code: -32600,
      reason: "batches are not allowed in this protocol revision",
      id: null,
      batchIds: [1, 2],
    });
  });

  test("an empty batch and a batch over the limit are invalid", () => {
    expect(parseFrame("[]", { allowBatch: true })).toMatchObject({ kind: "invalid", reason: "empty batch" });
    const many = JSON.stringify(Array.from({ length: 3 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "m" })));
    expect(parseFrame(many, { allowBatch: true, maxBatch: 2 })).toMatchObject({
      kind: "invalid",
      reason: "batch of 3 exceeds the limit of 2",
      batchIds: [0, 1, 2],
    });
  });

  test("toolNameOf reads the tool of a tools/call only", () => {
    expect(toolNameOf({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } })).toBe("echo");
    expect(toolNameOf({ jsonrpc: "2.0", id: 1, method: "prompts/get", params: { name: "echo" } })).toBeUndefined();
    expect(toolNameOf({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: 3 } })).toBeUndefined();
  });
});

describe("nesting depth (limits.max_depth)", () => {
  const nested = (n: number): unknown => (n === 0 ? 1 : { a: nested(n - 1) });

  test("depthExceeds counts containers, the top level being 1", () => {
    expect(depthExceeds({ a: 1 }, 1)).toBe(false);
    expect(depthExceeds({ a: {} }, 1)).toBe(true);
    expect(depthExceeds([[[]]], 3)).toBe(false);
    expect(depthExceeds([[[]]], 2)).toBe(true);
    expect(depthExceeds("x".repeat(1000), 1)).toBe(false);
    expect(depthExceeds(nested(5000), 4999)).toBe(true);
  });

  test("a message deeper than maxDepth is MESSAGE_TOO_LARGE and keeps its id", () => {
    const msg = JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/call", params: nested(20) });
    expect(parseFrame(msg, { allowBatch: false, maxDepth: 10 })).toEqual({
      kind: "invalid",
      code: -32014,
      reason: "message nested deeper than 10 levels",
      id: 4,
    });
    expect(parseFrame(msg, { allowBatch: false, maxDepth: 30 }).kind).toBe("single");
  });

  test("the depth is checked at the exact limit, brackets of both kinds counted", () => {
    // Depth 4 from two objects and two arrays: exactly as many brackets as levels.
    const four = '{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":[[1]]}}';
    expect(parseFrame(four, { allowBatch: false, maxDepth: 4 }).kind).toBe("single");
    const refused = parseFrame(four, { allowBatch: false, maxDepth: 3 });
    expect(refused.kind).toBe("invalid");
    expect(refused.kind === "invalid" && refused.reason).toBe("message nested deeper than 3 levels");
  });

  test("brackets inside strings do not make a shallow message too deep", () => {
    const msg = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "m", params: { t: "{[".repeat(50) } });
    expect(parseFrame(msg, { allowBatch: false, maxDepth: 2 }).kind).toBe("single");
    expect(parseFrame(msg, { allowBatch: false, maxDepth: 1 }).kind).toBe("invalid");
  });
});
