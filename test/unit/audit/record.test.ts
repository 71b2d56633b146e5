/** The canonical encoding and chain, checked against vectors computed independently (Python's json/hashlib/hmac). */
import { describe, expect, test } from "bun:test";
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

  test("omits undefined members and writes non-finite numbers as null", () => {
    expect(canonicalJson({ b: undefined, a: [undefined, Number.NaN, -0, 1e21] })).toBe('{"a":[null,null,0,1e+21]}');
  });

  test("does not depend on member order or on unknown extra members' position", () => {
    const shuffled = Object.fromEntries(Object.entries(REC).reverse()) as unknown as AuditRecord;
    expect(canonicalRecord(shuffled)).toBe(CANONICAL);
    const extra = { ...REC, zzz_extension: 1 } as unknown as AuditRecord;
    expect(canonicalRecord(extra)).toBe(CANONICAL.replace(/}$/, ',"zzz_extension":1}'));
  });
});
