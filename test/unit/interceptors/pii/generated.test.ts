/**
 * Generalisation beyond the development corpus: fresh values of every category, generated in the
 * documented formats (valid checksums) and placed in varied contexts, must all be found; fresh
 * hard negatives (identifiers, hashes, numbers that fail Luhn, mod-97 or the SSA rules) must not.
 * A seeded generator keeps every run identical.
 */
import { describe, expect, test } from "bun:test";
import { crc32, ibanChecksumOk, luhnOk } from "../../../../src/interceptors/pii/checks.ts";
import { findSecrets } from "../../../../src/interceptors/pii/redact.ts";

/** mulberry32: a small deterministic PRNG. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(20261124);
const rnd = (n: number) => Math.floor(random() * n);
const pick = (s: string, n: number) => Array.from({ length: n }, () => s[rnd(s.length)]).join("");
const DIG = "0123456789";
const UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const HEX = "0123456789abcdef";
const B62 = DIG + UP + "abcdefghijklmnopqrstuvwxyz";
const b64 = B62 + "+/";
const uuid = () =>
  `${pick(HEX, 8)}-${pick(HEX, 4)}-4${pick(HEX, 3)}-${pick("89ab", 1)}${pick(HEX, 3)}-${pick(HEX, 12)}`;

function luhnComplete(prefix: string, len: number) {
  const body = prefix + pick(DIG, len - prefix.length - 1);
  for (let c = 0; c < 10; c++) {
    const d = body + c;
    let sum = 0,
      dbl = false;
    for (let i = d.length - 1; i >= 0; i--) {
      let x = +d[i]!;
      if (dbl) {
        x *= 2;
        if (x > 9) x -= 9;
      }
      sum += x;
      dbl = !dbl;
    }
    if (sum % 10 === 0) return d;
  }
  throw 0;
}
function group(d: string, sizes: number[], sep: string) {
  const out = [];
  let i = 0;
  for (const s of sizes) {
    out.push(d.slice(i, i + s));
    i += s;
  }
  return out.join(sep);
}
function iban(cc: string, bban: string) {
  const r = bban + cc + "00";
  let rem = 0;
  for (const ch of r) {
    const c = ch.charCodeAt(0);
    rem = c >= 65 ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
  }
  const chk = String(98 - rem).padStart(2, "0");
  return cc + chk + bban;
}
function b62(n: number) {
  let s = "";
  while (n > 0) {
    s = B62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(6, "0");
}
const POSITIVE_GENERATORS: [string, () => string][] = [
  ["credit_card", () => group(luhnComplete("4" + pick(DIG, 3), 16), [4, 4, 4, 4], [" ", "-", ""][rnd(3)]!)],
  ["credit_card", () => group(luhnComplete(String(51 + rnd(5)), 16), [4, 4, 4, 4], [" ", "-", ""][rnd(3)]!)],
  ["credit_card", () => group(luhnComplete(String(2221 + rnd(500)), 16), [4, 4, 4, 4], [" ", "-", ""][rnd(3)]!)],
  ["credit_card", () => group(luhnComplete(["34", "37"][rnd(2)]!, 15), [4, 6, 5], [" ", "-", ""][rnd(3)]!)],
  [
    "credit_card",
    () => group(luhnComplete(["6011", "65" + pick(DIG, 2)][rnd(2)]!, 16), [4, 4, 4, 4], [" ", "-", ""][rnd(3)]!),
  ],
  [
    "iban",
    () => {
      const v = iban("DE", pick(DIG, 18));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "iban",
    () => {
      const v = iban("GB", pick(UP, 4) + pick(DIG, 14));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "iban",
    () => {
      const v = iban("FR", pick(DIG, 10) + pick(UP + DIG, 11) + pick(DIG, 2));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "iban",
    () => {
      const v = iban("NL", pick(UP, 4) + pick(DIG, 10));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "iban",
    () => {
      const v = iban("ES", pick(DIG, 20));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "iban",
    () => {
      const v = iban("IT", pick(UP, 1) + pick(DIG, 10) + pick(UP + DIG, 12));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "iban",
    () => {
      const v = iban("BE", pick(DIG, 12));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "iban",
    () => {
      const v = iban("CH", pick(DIG, 5) + pick(UP + DIG, 12));
      return rnd(2) ? v : v.match(/.{1,4}/g)!.join(" ");
    },
  ],
  [
    "ssn",
    () => {
      let a: string;
      do a = String(1 + rnd(899)).padStart(3, "0");
      while (a === "666");
      return `${a}-${String(1 + rnd(98)).padStart(2, "0")}-${String(1 + rnd(9998)).padStart(4, "0")}`;
    },
  ],
  [
    "github_token",
    () => {
      const body = pick(B62, 30);
      return `gh${"pousr"[rnd(5)]}_${body}${b62(crc32(body))}`;
    },
  ],
  ["aws_access_key_id", () => "AKIA" + pick(UP + "234567", 16)],
  ["google_api_key", () => "AIza" + pick(B62 + "-_", 35)],
  ["stripe_secret_key", () => ["sk_live_", "rk_live_"][rnd(2)] + pick(B62, 24 + rnd(80))],
  ["slack_token", () => `xoxb-${pick(DIG, 12)}-${pick(DIG, 13)}-${pick(B62, 24)}`],
  ["openai_api_key", () => `sk-${pick(B62, 20)}T3BlbkFJ${pick(B62, 20)}`],
  ["openai_api_key", () => `sk-proj-${pick(B62 + "-_", 74)}T3BlbkFJ${pick(B62 + "-_", 74)}`],
  ["anthropic_api_key", () => `sk-ant-api03-${pick(B62 + "-_", 93)}AA`],
  ["npm_token", () => `npm_${pick(B62, 36)}`],
  ["huggingface_token", () => `hf_${pick(UP + "abcdefghijklmnopqrstuvwxyz", 34)}`],
  ["twilio_api_key", () => `SK${pick("0123456789abcdef", 32)}`],
  ["sendgrid_api_key", () => `SG.${pick(B62 + "-_", 22)}.${pick(B62 + "-_", 43)}`],
  ["gitlab_token", () => `glpat-${pick(B62 + "-_", 20)}`],
  ["github_fine_grained_pat", () => `github_pat_${pick(B62, 22)}_${pick(B62, 59)}`],
  [
    "slack_webhook",
    () => `https://hooks.slack.com/services/T${pick(UP + DIG, 8)}/B${pick(UP + DIG, 10)}/${pick(B62, 24)}`,
  ],
  [
    "db_connection_string",
    () =>
      `${["postgres", "mysql", "mongodb", "redis", "postgresql", "mongodb+srv"][rnd(6)]}://${pick("abcdefgh", 5)}:${pick(B62 + "%!", 16)}@db-${pick("abcdefgh", 4)}.internal:5432/prod`,
  ],
  [
    "email",
    () =>
      `${pick("abcdefghij", 5)}${["", ".", "_", "+"][rnd(4)]}${pick("abcdefghij", 4)}@${pick("abcdefghij", 6)}.${["com", "co.uk", "io", "de", "co.jp"][rnd(5)]}`,
  ],
];
const CONTEXTS = [
  "Here it is: %s.",
  'value="%s"',
  "%s",
  "Please use %s for the deposit",
  '{"field": "%s"}',
  "- %s\n- next",
  "Kontakt: %s (Vertrieb)",
];
function nonLuhn(prefix: string, len: number) {
  for (;;) {
    const d = prefix + pick(DIG, len - prefix.length);
    if (!luhnOk(d)) return d;
  }
}
const NEGATIVE_GENERATORS: [string, () => string][] = [
  ["uuid", () => uuid()],
  ["UUID", () => uuid().toUpperCase()],
  ["{uuid}", () => `{${uuid().toUpperCase()}}`],
  ["sha1", () => pick(HEX, 40)],
  ["sha256", () => "sha256:" + pick(HEX, 64)],
  ["integrity", () => "sha512-" + pick(b64, 86) + "=="],
  ["objectid", () => `ObjectId("${pick(HEX, 24)}")`],
  ["docker", () => pick(HEX, 64)],
  ["etag", () => `ETag: "${pick(HEX, 32)}"`],
  [
    "card-nonluhn",
    () => {
      const d = nonLuhn(["4", "51", "55", "6011", "2221"][rnd(5)]!, 16);
      return rnd(2) ? d : d.match(/.{4}/g)!.join(" ");
    },
  ],
  [
    "amex-nonluhn",
    () => {
      const d = nonLuhn(["34", "37"][rnd(2)]!, 15);
      return `${d.slice(0, 4)} ${d.slice(4, 10)} ${d.slice(10)}`;
    },
  ],
  ["16-noncard", () => String(7 + rnd(3)) + pick(DIG, 15)],
  [
    "ssn-bad",
    () =>
      [
        `000-${pick(DIG, 2)}-${pick(DIG, 4)}`,
        `666-${pick(DIG, 2)}-${pick(DIG, 4)}`,
        `9${pick(DIG, 2)}-${pick(DIG, 2)}-${pick(DIG, 4)}`,
        `${pick("12345678", 3)}-00-${pick(DIG, 4)}`,
        `${pick("12345678", 3)}-${pick("123456789", 2)}-0000`,
      ][rnd(5)]!,
  ],
  [
    "iban-bad",
    () => {
      for (;;) {
        const v = "DE" + pick(DIG, 20);
        if (!ibanChecksumOk(v)) return v.match(/.{1,4}/g)!.join(" ");
      }
    },
  ],
  ["epoch", () => String(1600000000 + rnd(200000000))],
  ["epoch-ms", () => String(1600000000000 + rnd(200000000000))],
  ["iso", () => new Date(1600000000000 + rnd(2e11)).toISOString()],
  ["version", () => `v${rnd(20)}.${rnd(30)}.${rnd(100)}-beta.${rnd(9)}`],
  ["order", () => `Order ORD-${2020 + rnd(6)}-${pick(DIG, 6)} shipped`],
  ["invoice", () => `Invoice INV-${pick(DIG, 8)}`],
  ["ticket", () => `Ticket #${pick(DIG, 7)} resolved`],
  ["isbn13", () => `ISBN 978-${rnd(10)}-${pick(DIG, 3)}-${pick(DIG, 5)}-${rnd(10)}`],
  ["ean", () => pick(DIG, 13)],
  ["zip4", () => `${pick(DIG, 5)}-${pick(DIG, 4)}`],
  ["latlong", () => `${(Math.random() * 180 - 90).toFixed(6)}, ${(Math.random() * 360 - 180).toFixed(6)}`],
  ["ipv4", () => `${rnd(256)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`],
  ["part", () => `Part number ${pick(DIG, 3)}-${pick(DIG, 4)}-${pick(UP, 1)}`],
  ["price", () => `$${rnd(1000)},${pick(DIG, 3)}.${pick(DIG, 2)}`],
  ["tracking", () => `Tracking: ${pick(DIG, 12)}`],
  [
    "date-time",
    () =>
      `Last login ${pick("012", 1)}${rnd(10)}/${pick("01", 1)}${rnd(10)}/20${pick("12", 1)}${rnd(10)} ${rnd(24)}:${pick(DIG, 2)}`,
  ],
];

describe("freshly generated values in the documented formats", () => {
  test("every generated secret and PII value is found with its category (60 per format)", () => {
    const missed: string[] = [];
    for (let k = 0; k < 60; k++)
      for (const [category, gen] of POSITIVE_GENERATORS) {
        const value = gen();
        const text = CONTEXTS[rnd(CONTEXTS.length)]!.replace("%s", value);
        const at = text.indexOf(value);
        const hit = findSecrets(text).some((m) => m.category === category && m.start < at + value.length && m.end > at);
        if (!hit) missed.push(`${category}: ${text}`);
      }
    expect(missed).toEqual([]);
  });

  test("no generated hard negative is reported (200 per shape)", () => {
    const flagged: string[] = [];
    for (let k = 0; k < 200; k++)
      for (const [name, gen] of NEGATIVE_GENERATORS) {
        const text = gen();
        const found = findSecrets(text);
        if (found.length > 0) flagged.push(`${name}: ${text} -> ${found.map((m) => m.category).join(",")}`);
      }
    expect(flagged).toEqual([]);
  });
});
