/**
 * Checksums and structural rules that turn "looks like a secret" into "is one": GitHub's
 * CRC32/base62 token checksum, Luhn for payment cards, ISO 13616 mod-97 for IBANs, the SSA rules
 * for US Social Security numbers, JWT header decoding, and placeholder detection. Pure functions.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(ascii: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < ascii.length; i++) crc = CRC_TABLE[(crc ^ ascii.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function base62(n: number, width: number): string {
  let out = "";
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, "0");
}

/**
 * GitHub's classic token format (2021): prefix `gh?_`, 30 random base62 characters, then the
 * CRC32 of those 30 characters in base62, zero-padded to 6.
 */
export function githubChecksumOk(token: string): boolean {
  if (token.length !== 40) return false;
  const body = token.slice(4, 34);
  return base62(crc32(body), 6) === token.slice(34);
}

/** Luhn (mod 10) over a string of ASCII digits. */
export function luhnOk(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefix and length rules of the major card networks (ISO/IEC 7812 IIN ranges). */
export function cardBrandOk(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  switch (digits[0]) {
    case "4": // Visa (the old 13-digit numbers are gone, and EAN-13 barcodes look just like them)
      return n === 16 || n === 19;
    case "5":
      if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
      if (p4 === 5018 || p4 === 5020 || p4 === 5038 || p4 === 5893) return n >= 12 && n <= 19; // Maestro
      return false;
    case "2":
      return p4 >= 2221 && p4 <= 2720 && n === 16; // Mastercard 2-series
    case "3":
      if (p2 === 34 || p2 === 37) return n === 15; // Amex
      if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
      if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
      return false;
    case "6":
      if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19; // Discover
      if (p6 >= 622126 && p6 <= 622925) return n >= 16 && n <= 19; // Discover (UnionPay co-brand)
      if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
      if (p4 === 6304 || p4 === 6759 || p4 === 6761 || p4 === 6762 || p4 === 6763) return n >= 12 && n <= 19; // Maestro
      return false;
    default:
      return false;
  }
}

/** Registered IBAN lengths per country (ISO 13616 registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** Registered length of an IBAN for its country, or 0 when the country has no IBAN. */
export function ibanLength(country: string): number {
  return IBAN_LENGTHS[country] ?? 0;
}

/** ISO 13616 / ISO 7064 mod-97-10 check over a compact, upper-case IBAN. */
export function ibanChecksumOk(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** Numbers the SSA published in advertising or never issues although structurally valid. */
const SSN_NEVER_ISSUED = new Set(["078051120", "219099999", "123456789"]);

/**
 * SSA structural rules: area not 000, 666 or 900–999; group not 00; serial not 0000 (and the
 * famous advertising numbers are excluded).
 */
export function ssnOk(area: string, group: string, serial: string): boolean {
  if (area === "000" || area === "666" || area[0] === "9") return false;
  if (group === "00" || serial === "0000") return false;
  return !SSN_NEVER_ISSUED.has(area + group + serial);
}

/** Decodes base64url (no padding needed) to a latin-1 string; null when the input is not base64url. */
function base64UrlDecode(s: string): string | null {
  if (s.length % 4 === 1) return null;
  try {
    return atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  } catch {
    return null;
  }
}

/** True when the first JWT segment decodes to a JSON object with an `alg` (or `typ`/`enc`) member. */
export function jwtHeaderOk(header: string): boolean {
  if (header.length > 2048) return false;
  const json = base64UrlDecode(header);
  if (json === null || json[0] !== "{") return false;
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === "object" && parsed !== null && ("alg" in parsed || "enc" in parsed);
  } catch {
    return false;
  }
}

const PLACEHOLDER_WORDS =
  /(?:x{5}|X{5}|\*{3}|•{3}|\.{3}|your|example|placeholder|redacted|changeme|dummy|insert|replace|<|>|\$\{|\{\{)/i;

/**
 * True when a token body is a placeholder rather than a credential: masked (`****`, `xxxxx`),
 * templated (`${X}`, `{{ x }}`, `<token>`), documentation words, or too few distinct characters
 * for a random string of its length.
 */
export function looksLikePlaceholder(body: string): boolean {
  if (PLACEHOLDER_WORDS.test(body)) return true;
  if (body.length < 12) return false;
  const seen = new Set<string>();
  for (let i = 0; i < body.length && seen.size < 8; i++) seen.add(body[i]!);
  return seen.size < 8;
}

/** Counts the character classes (upper, lower, digit) present; random tokens usually have all three. */
export function charClasses(s: string): number {
  let upper = 0;
  let lower = 0;
  let digit = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 48 && c <= 57) digit = 1;
  }
  return upper + lower + digit;
}
