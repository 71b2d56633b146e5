import { describe, expect, test } from "bun:test";
import { findSecrets, redactDeep, redactString } from "../../../../src/interceptors/pii/redact.ts";
import { scanDeep } from "../../../../src/interceptors/pii/scan.ts";

const GH = "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";
const CARD = "6011-0510-5287-6320";

describe("findSecrets", () => {
  test("reports the category and exact span of each value", () => {
    const text = `token ${GH} and card ${CARD}.`;
    const found = findSecrets(text);
    expect(found.map((m) => [m.category, text.slice(m.start, m.end)])).toEqual([
      ["github_token", GH],
      ["credit_card", CARD],
    ]);
  });

  test("returns nothing for identifiers, hashes and versions", () => {
    for (const text of [
      "request_id=9d68a34f-1904-47e4-9612-b3140022bfc5",
      "git checkout d37c500dba480c2222f4b4de619510ed5ef3a375",
      "node v7.2.5-beta.3 detected",
      "ts=1731937370",
    ])
      expect(findSecrets(text)).toEqual([]);
  });
});

describe("redactString", () => {
  test("replaces each value with a marker naming its category", () => {
    expect(redactString(`x ${GH} y`)).toEqual({ text: "x [REDACTED:github_token] y", count: 1 });
  });
});

describe("redactDeep", () => {
  test("redacts inside nested string values and keeps the structure", () => {
    const input = { a: [1, true, null, { b: `mail me at jane.doe@example.org` }], [GH]: "key stays", n: 3 };
    const { value, count } = redactDeep(input);
    expect(count).toBe(1);
    expect(value).toEqual({ a: [1, true, null, { b: "mail me at [REDACTED:email]" }], [GH]: "key stays", n: 3 });
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  });

  test("never mutates its input", () => {
    const input = { list: [`card ${CARD}`, "plain"], deep: { s: GH } };
    const before = JSON.stringify(input);
    redactDeep(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  test("returns the input itself when nothing is found", () => {
    const input = { a: ["plain", { b: "text" }] };
    expect(redactDeep(input)).toEqual({ value: input, count: 0 });
    expect(redactDeep(input).value).toBe(input);
  });

  test("keeps __proto__ as an own key of the copy", () => {
    const input = JSON.parse(`{"__proto__": {"x": 1}, "s": "${GH}"}`) as Record<string, unknown>;
    const { value } = redactDeep(input);
    expect(Object.keys(value as object)).toEqual(["__proto__", "s"]);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"x":1},"s":"[REDACTED:github_token]"}');
  });
});

describe("scanDeep paths", () => {
  test("a hit's path names every key and index on the way, quoted where it is not an identifier", () => {
    const value = {
      first: { deep: [{ nested: ["plain"] }], other: "nothing here" },
      "a b": [{ "x-y": `card ${CARD}` }, "plain", [`token ${GH}`]],
      nextCursor: `token ${GH}`,
      last: GH,
    };
    const r = scanDeep(value, { path: "params.arguments", skipKeys: new Set(["nextCursor"]) });
    expect(r.hits.map((h) => [h.category, h.path])).toEqual([
      ["credit_card", 'params.arguments["a b"][0]["x-y"]'],
      ["github_token", 'params.arguments["a b"][2][0]'],
      ["github_token", "params.arguments.last"],
    ]);
    expect(scanDeep([GH], {}).hits.map((h) => h.path)).toEqual(["[0]"]);
    expect(scanDeep({ k: GH }, {}).hits.map((h) => h.path)).toEqual(["k"]);
  });
});
