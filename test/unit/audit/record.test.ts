/** The canonical encoding and chain, checked against vectors computed independently (Python's json/hashlib/hmac). */

import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import {
  type AuditRecord,
  canonicalJson,
  canonicalRecord,
  chainHash,
  GENESIS_HASH,
  recordSig,
} from "../../../src/audit/record.ts";

const REC = {
  seq: 1,
  timestamp: "2026-01-01T00:00:00.000Z",
  direction: "c2s",
  kind: "request",
  method: "tools/call",
  size: 42,
  tool_name: "read_file",
  tool_args: { path: "/tmp/é", b: [1, 2.5, true, null], a: { z: 1, y: "\u2028" } },
  action: "pass",
  subject: "alice",
  labels: { team: "red" },
  key_id: "k1",
  prev_hash: GENESIS_HASH,
  hash: "",
} as AuditRecord;

// python3: json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False), sha256, hmac
const CANONICAL =
  '{"action":"pass","direction":"c2s","key_id":"k1","kind":"request","labels":{"team":"red"},"method":"tools/call","seq":1,"size":42,"subject":"alice","timestamp":"2026-01-01T00:00:00.000Z","tool_args":{"a":{"y":"\u2028","z":1},"b":[1,2.5,true,null],"path":"/tmp/é"},"tool_name":"read_file"}';
/** The reference encoding: every string through JSON.stringify, members sorted one by one. */
const reference = (v: unknown): string => {
  if (v === null || typeof v !== "object") {
    if (typeof v === "number" && !Number.isFinite(v)) return "null";
    return JSON.stringify(v) ?? "null";
  }
  if (Array.isArray(v))
    return `[${v.map((x) => (x === undefined || typeof x === "function" ? "null" : reference(x))).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined && typeof o[k] !== "function");
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(",")}}`;
};
const HASH = "9517135d83fb148e3b0b06ee7d22025b3e89408ac6500f8b6e5310ccb29320ee";
const SIG = "7ce72a5c73c1f18077678e6e35aa881349f8ef83269f8529a3307bc269037bbf";

describe("the canonical record", () => {
  test("sorts members at every depth and leaves out the chain fields", () => {
    expect(canonicalRecord(REC)).toBe(CANONICAL);
  });

  test("hashes prev_hash bytes then the canonical text, and signs the hash bytes", () => {
    expect(chainHash(GENESIS_HASH, CANONICAL)).toBe(HASH);
    expect(recordSig("test-signing-key-0123456789", HASH)).toBe(SIG);
  });

  test("signs with the key of each call when keys alternate (the keyed state is cached)", () => {
    const hmac = (key: string | Uint8Array, hex: string) =>
      createHmac("sha256", key)
        .update(Buffer.from(/^[0-9a-f]{64}$/.test(hex) ? hex : "", "hex"))
        .digest("hex");
    const other = "another-signing-key-9876543210";
    for (const key of ["test-signing-key-0123456789", other, "test-signing-key-0123456789", other]) {
      expect(recordSig(key, HASH)).toBe(hmac(key, HASH));
      expect(recordSig(key, GENESIS_HASH)).toBe(hmac(key, GENESIS_HASH));
    }
    const bytes = new TextEncoder().encode(other);
    expect(recordSig(bytes, HASH)).toBe(hmac(other, HASH));
    bytes[0] = 0x41;
    expect(recordSig(bytes, HASH)).toBe(hmac(bytes, HASH));
    // Not a hash: the MAC of no bytes, as before.
    expect(recordSig(other, "not-hex")).toBe(hmac(other, ""));
    expect(recordSig("test-signing-key-0123456789", HASH)).toBe(SIG);
  });

  test("omits undefined members and writes non-finite numbers as null", () => {
    expect(canonicalJson({ b: undefined, a: [undefined, Number.NaN, -0, 1e21] })).toBe('{"a":[null,null,0,1e+21]}');
  });

  test("does not depend on member order or on unknown extra members' position", () => {
    const shuffled = Object.fromEntries(Object.entries(REC).reverse()) as unknown as AuditRecord;
    expect(canonicalRecord(shuffled)).toBe(CANONICAL);
    const extra = { ...REC, zzz_extension: 1 } as unknown as AuditRecord;
    expect(canonicalRecord(extra)).toBe(CANONICAL.replace(/}$/, ',"zzz_extension":1}'));
  });

  test("agrees with a plain JSON.stringify-based encoding and hasher on awkward strings, numbers and sizes", () => {
    const strings = [
      "",
      "plain",
      'quote " inside',
      "back\\slash",
      "tab\tnew\nline\u0001\u001f",
      "\u007f del and \u2028 \u2029 separators",
      "lone \ud800 high",
      "lone \udfff low",
      "pair 😀 emoji",
      "é ü ß",
      "x".repeat(40_000),
      "ü".repeat(20_000),
    ];
    const numbers = [0, -0, 1, -1.5, 1e21, 1e-7, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY];
    for (const str of strings) {
      const value = { [str]: str, nested: [str, { [`k${str.slice(0, 3)}`]: str }], n: numbers, u: undefined };
      expect(canonicalJson(value)).toBe(reference(value));
      const rec = { ...REC, reason: str, tool_args: value, chain_ms: 0.125 } as unknown as AuditRecord;
      const text = canonicalRecord(rec);
      const { prev_hash: _p, hash: _h, sig: _s, ...rest } = rec as unknown as Record<string, unknown>;
      expect(text).toBe(reference(rest));
      for (const prev of [GENESIS_HASH, "ab".repeat(32), "not hex"]) {
        const h = new Bun.CryptoHasher("sha256");
        if (/^[0-9a-f]{64}$/.test(prev)) h.update(Buffer.from(prev, "hex"));
        h.update(text);
        expect(chainHash(prev, text)).toBe(h.digest("hex"));
      }
    }
  });
  test("writes the reference encoding for values JSON.stringify would order or write differently", () => {
    const body = (rec: Record<string, unknown>) => {
      const { prev_hash: _p, hash: _h, sig: _s, ...rest } = rec;
      return reference(rest);
    };
    const awkward: unknown[] = [
      JSON.parse('{"b":1,"10":2,"9":3,"a":{"2":"x","1":"y"},"-1":4,"1a":5}'),
      JSON.parse('{"__proto__":{"polluted":true},"z":[1,{"__proto__":2}]}'),
      { toJSON: "not a function", n: [undefined, () => 1, Number.NaN, -0], d: new Date(0) },
      { f: () => 1, s: Symbol("s"), keep: "yes" },
      [[[]], {}, [{ "": "" }], { "\ud800": "\udfff", é: "e", E: "E", _: "_" }],
      { deep: { deeper: { deepest: [{ z: 1, a: 2 }] } } },
    ];
    for (const tool_args of awkward) {
      expect(canonicalJson(tool_args)).toBe(reference(tool_args));
      const rec = { ...REC, tool_args, findings: [{ where: "w", detector: "d", signal: "s", score: 1.5 }] };
      expect(canonicalRecord(rec as unknown as AuditRecord)).toBe(body(rec as unknown as Record<string, unknown>));
    }
    // Top-level: a non-finite number, a boolean-valued and an array-valued field.
    const odd = { ...REC, threat_score: Number.POSITIVE_INFINITY, roles: ["b", "a"], labels: { "0": "zero", a: "b" } };
    expect(canonicalRecord(odd as unknown as AuditRecord)).toBe(body(odd as unknown as Record<string, unknown>));
    expect(canonicalRecord(odd as unknown as AuditRecord)).toContain('"labels":{"0":"zero","a":"b"}');
    expect(canonicalRecord(odd as unknown as AuditRecord)).toContain('"threat_score":null');
  });
});
