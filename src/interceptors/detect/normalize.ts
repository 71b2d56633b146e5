/**
 * Normalisation before matching: reveal what a model reads but a human does not see.
 *
 * One pass over a string produces
 *   - `text`: what the matchers read: NFKC, lower case, invisible controls removed, ANSI escapes
 *     stripped, homoglyphs inside mixed-script words folded to Latin;
 *   - `hidden`: segments that were hidden or encoded (Unicode tag characters decoded to ASCII,
 *     ANSI-concealed or overwritten text, HTML/markdown comment bodies, CSS-hidden elements,
 *     base64 / hex / ROT13 / leetspeak decoded to text); matchers read these too, and a directive
 *     found in one scores higher;
 *   - `carriers`: the obfuscation found, with a count. Their mere presence is a signal where the
 *     text has no business carrying them (a tool definition); legitimate uses (emoji flag tag
 *     sequences, ZWJ emoji sequences, ZWNJ in scripts that need it, ordinary colour codes) are not
 *     reported.
 *
 * Every regex here is linear: character classes with bounded or possessive-by-construction
 * repetition, no nested quantifiers over overlapping classes.
 */

import { CONFUSABLE_LETTERS, charClassOf } from "./confusables.ts";

export type CarrierKind =
  | "unicode_tags"
  | "zero_width"
  | "bidi_override"
  | "invisible_padding"
  | "ansi_escape"
  | "ansi_hidden"
  | "homoglyph"
  | "html_comment"
  | "markdown_comment"
  | "css_hidden"
  | "base64_text"
  | "hex_text"
  | "rot13_text"
  | "leetspeak"
  | "whitespace_padding";

export interface HiddenSegment {
  readonly carrier: CarrierKind;
  /** Normalised (lower-case, folded) text of the revealed segment. */
  readonly text: string;
}

export interface Normalized {
  /** The visible text, normalised for matching (lower case). */
  readonly text: string;
  readonly hidden: readonly HiddenSegment[];
  readonly carriers: ReadonlyMap<CarrierKind, number>;
}

/** Longest string whose decoded variants (base64, hex, ROT13, leetspeak) are computed. */
export const MAX_DECODE_CHARS = 16_384;
/** Most encoded blobs decoded per string. */
const MAX_BLOBS = 16;

/** Code points stripInvisible acts on; most text has none, so the per-code-point pass is skipped. */
const INVISIBLE =
  /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]/;
/** Ranges whose NFKC form differs (fullwidth, ligatures, math letters, enclosed, super/subscripts…). */
const COMPATIBILITY =
  /[\u00a0\u00aa\u00b2\u00b3\u00b9\u00ba\u00bc-\u00be\u0132\u0133\u013f\u0140\u017f\u01c4-\u01cc\u02b0-\u02b8\u1d2c-\u1dbf\u2000-\u200a\u2024-\u2026\u2070-\u209f\u2100-\u214f\u2150-\u218f\u2460-\u24ff\u2a0c\u2c7c\u2c7d\u2d6f\u3000\u3300-\u33ff\ufb00-\ufb4f\ufe10-\ufe6f\uff00-\uffef]|\ud835[\udc00-\udfff]|\ud83c[\udd00-\uddff]/;
const SMART_QUOTES = /[\u2018\u2019\u201b\u2032\u201c\u201d\u201f\u2033]/;
const COMPATIBILITY_G = new RegExp(COMPATIBILITY.source, "g");
/** Union of everything the Unicode steps act on (plus ESC and CR for ANSI). */
const SPECIAL = new RegExp(
  `${INVISIBLE.source}|${COMPATIBILITY.source}|[\\u0400-\\u04ff\\u0370-\\u03ff\\u0500-\\u052f\\u0261]|${SMART_QUOTES.source}|[\\u001b\\r]`,
);
const ESC = "\u001b";

// ANSI: CSI (ESC [ params final), OSC (ESC ] … BEL or ESC \), and two-byte escapes.
const ANSI = /\u001b\[([0-9;?]{0,32})([@-~])|\u001b\][^\u0007\u001b]{0,512}(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
const MD_COMMENT = /^[ \t]{0,3}\[(?:\/\/|comment|_)\]:[ \t]{0,8}(?:#|<>)[ \t]{0,8}[("]([^\n]{0,2000})[)"][ \t]*$/gim;
const CSS_HIDDEN =
  /<([a-z][a-z0-9]{0,10})\b[^>]{0,300}?style\s{0,4}=\s{0,4}["'][^"']{0,300}?(?:display\s{0,4}:\s{0,4}none|visibility\s{0,4}:\s{0,4}hidden|font-size\s{0,4}:\s{0,4}0(?![.\d])|opacity\s{0,4}:\s{0,4}0(?![.\d])|color\s{0,4}:\s{0,4}(?:#fff(?:fff)?|white|transparent))[^"']{0,300}["'][^>]{0,300}>([^<]{0,4000})/gi;
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const HEX_RUN = /\b(?:[0-9a-fA-F]{2}){16,}\b/g;
const LONG_RUN = /[A-Za-z0-9+/_-]{24}/;

const ZERO_WIDTH = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x180e, 0x00ad]);
const BIDI_OVERRIDE = new Set([0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);
const BIDI_MARK = new Set([0x200e, 0x200f, 0x061c]);

const MIXED_WORD = /[\p{L}\p{M}]{2,40}/gu;
const LATIN = /[a-z]/;
const CONFUSABLE_CHAR = charClassOf(CONFUSABLE_LETTERS, "u");

// Digits only: "@" and "$" stay as they are, so e-mail addresses and variables survive folding.
const LEET_WORD = /\b(?=[a-z0-9]{0,30}[a-z])(?=[a-z0-9]{0,30}[013457])[a-z0-9]{3,32}\b/g;
const LEET_MAP: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
};

/** Whether code unit c is a regex word character (`\w`: ASCII letters, digits, underscore). */
function isWordUnit(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95;
}

/**
 * How many of LEET_WORD's matches in `lower` the leetspeak fold counts, without the regex or the
 * fold: its matches are exactly the maximal `\w` runs of 3–32 characters, all of them `[a-z0-9]`,
 * with a letter and one of 013457 among their first 31 (a run inside a longer `\w` run has no
 * `\b`, and a longer run fails the closing `\b`). Most texts count fewer than three, and then
 * the fold's regex pass and the folded copy are not needed.
 */
export function leetWords(lower: string): number {
  let count = 0;
  const n = lower.length;
  let i = 0;
  while (i < n) {
    if (!isWordUnit(lower.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let plain = true; // only [a-z0-9]
    let letter = false;
    let digit = false;
    for (; i < n; i++) {
      const c = lower.charCodeAt(i);
      if (!isWordUnit(c)) break;
      const k = i - start;
      if (c >= 97 && c <= 122) {
        if (k <= 30) letter = true;
      } else if (c >= 48 && c <= 57) {
        if (k <= 30 && (c === 48 || c === 49 || c === 51 || c === 52 || c === 53 || c === 55)) digit = true;
      } else plain = false;
    }
    const len = i - start;
    if (!plain || !letter || !digit || len < 3 || len > 32) continue;
    const w = lower.slice(start, i);
    if (/^\d/.test(w) && /^[0-9a-f]+$/.test(w)) continue;
    if (!(/^[a-z]{1,4}\d{1,3}$/.test(w) || /^\d+[a-z]{1,3}$/.test(w))) count++;
  }
  return count;
}

/** 60+ blanks in a row, or 12+ consecutive (blank) lines: text pushed out of view. */
function hasPadding(s: string): boolean {
  const thirty = "                              ";
  for (let i = s.indexOf(thirty); i >= 0; i = s.indexOf(thirty, i + 30)) {
    let j = i + 30;
    while (j < s.length && j - i < 60 && (s[j] === " " || s[j] === "\t")) j++;
    if (j - i >= 60) return true;
  }
  return s.includes("\n\n\n") && BLANK_LINES.test(s);
}
const BLANK_LINES = /\n(?:[ \t]{0,40}\n){11}/;

/** Very common English words: a decoded blob that contains several of them is natural language. */
const COMMON =
  /\b(?:the|and|to|of|you|your|this|that|is|are|for|with|all|any|before|after|user|tool|file|via|once|per|session|execute|run|command|send|read|include|never|always|must|ignore|instructions|system|prompt|password|key|token|data|message|history|when|every|from|into|then|silently)\b/g;

const WORD3 = /[a-z]{3,12}/g;
/** Words whose ROT13 form is rarely a word: seeing several of them rotated reveals ROT13 text. */
const ROT_WORDS = new Set(
  (
    "the and you your this that for with all any before after user tool file files read send execute run " +
    "ignore previous instructions via once per session silently secretly never always must should include " +
    "contents credentials password key keys token history conversation system prompt message messages from " +
    "into when then every each other tools do not tell mention hidden shell command bash curl wget http https " +
    "copy email data private secret call using use first also here are have has will about them their what"
  ).split(" "),
);

const ROT_WORDS_ENCODED = new Set([...ROT_WORDS].map(rot13));

/** A letter run's hash (16 bits; see mayBeRot13). */
function letterHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) & 0xffff;
  return h;
}

/** Bit set of the hashes of the encoded words: most letter runs are ruled out without making a string. */
const ROT_HASHES = new Uint8Array(8192);
for (const w of ROT_WORDS_ENCODED) {
  const h = letterHash(w);
  ROT_HASHES[h >> 3]! |= 1 << (h & 7);
}

/** {@link preScan}'s answers, as bits. */
const MAY_ROT13 = 1;
const RUN24 = 2;
const HEX32 = 4;
const LEET_PAIR = 8;
const LETTERS3 = 16;
/** Classes of ASCII characters for {@link preScan}: a letter a–z, one of 013457, base64, hex. */
const C_LETTER = 1;
const C_LEET = 2;
const C_B64 = 4;
const C_HEX = 8;
const PRE_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = c >= 97 && c <= 122;
  const digit = c >= 48 && c <= 57;
  PRE_CLASS[c] =
    (letter ? C_LETTER : 0) |
    ("013457".includes(String.fromCharCode(c)) ? C_LEET : 0) |
    (letter || digit || "+/_-".includes(String.fromCharCode(c)) ? C_B64 : 0) |
    (digit || (c >= 97 && c <= 102) ? C_HEX : 0);
}
/** The bits of {@link preScan} (for tests). */
export const PRE_SCAN = { MAY_ROT13, RUN24, HEX32, LEET_PAIR, LETTERS3 } as const;

/**
 * The decoders' pre-tests in one pass over the lower-cased text's char codes (each was a pass of
 * its own: a regex or a loop), as bits:
 *   - LETTERS3: a run of three letters (`/[a-z]{3}/`);
 *   - MAY_ROT13: false only when the ROT13 check cannot succeed. It counts WORD3's tokens, which
 *     are whole letter runs of 3–12 letters and the 12-letter chunks of longer runs: fewer than
 *     four runs (of any length up to 12) or chunks that are encoded words, no ROT13 text. Each
 *     letter run is hashed as it goes; a string is made only for runs (and 12-letter chunks of
 *     longer runs) whose hash is an encoded word's;
 *   - RUN24: a run of 24 base64-class characters (`[a-z0-9+/_-]`). Lower-casing keeps every
 *     ASCII character's class and run and can only add ASCII characters (K, İ), so without one
 *     here the original text has no run of 24 of `[A-Za-z0-9+/_-]` either;
 *   - HEX32: a run of 32 hex digits, without which HEX_RUN finds nothing (the same runs as in the
 *     original text: no non-ASCII character lower-cases to a hex digit);
 *   - LEET_PAIR: a letter next to one of 013457 (`/[a-z][013457]|[013457][a-z]/`).
 */
export function preScan(lower: string): number {
  let bits = 0;
  let n = 0;
  let start = -1;
  let h = 0;
  let run = 0;
  let hex = 0;
  let prev = 0;
  const len = lower.length;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? lower.charCodeAt(i) : 0;
    const f = c < 128 ? PRE_CLASS[c]! : 0;
    if ((f & C_B64) !== 0) {
      if (++run === 24) bits |= RUN24;
    } else run = 0;
    if ((f & C_HEX) !== 0) {
      if (++hex === 32) bits |= HEX32;
    } else hex = 0;
    // A letter after a leet digit, or a leet digit after a letter.
    if ((((f & C_LETTER) << 1) | ((f & C_LEET) >> 1)) & prev) bits |= LEET_PAIR;
    prev = f;
    if ((f & C_LETTER) !== 0) {
      if (start < 0) {
        start = i;
        h = 0;
      }
      h = (h * 31 + c) & 0xffff;
      continue;
    }
    if (start < 0) continue;
    if (i - start >= 3) bits |= LETTERS3;
    if (n >= 4) {
      // MAY_ROT13 is established; only the run bits above are still open.
      start = -1;
      continue;
    }
    if (i - start <= 12) {
      if ((ROT_HASHES[h >> 3]! & (1 << (h & 7))) !== 0 && ROT_WORDS_ENCODED.has(lower.slice(start, i)) && ++n >= 4)
        bits |= MAY_ROT13;
    } else {
      for (let k = start; k + 3 <= i; k += 12) {
        // The chunk's hash first, as for a short run: a string only for a possible encoded word.
        const end = Math.min(k + 12, i);
        let ch = 0;
        for (let j = k; j < end; j++) ch = (ch * 31 + lower.charCodeAt(j)) & 0xffff;
        if ((ROT_HASHES[ch >> 3]! & (1 << (ch & 7))) !== 0 && ROT_WORDS_ENCODED.has(lower.slice(k, end)) && ++n >= 4) {
          bits |= MAY_ROT13;
          break;
        }
      }
    }
    start = -1;
  }
  return bits;
}

function countCommon(s: string): number {
  let n = 0;
  COMMON.lastIndex = 0;
  while (COMMON.exec(s) !== null) if (++n >= 8) break;
  return n;
}

function bump(m: Map<CarrierKind, number>, k: CarrierKind, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function isPictographic(cp: number | undefined): boolean {
  if (cp === undefined) return false;
  return (
    (cp >= 0x1f000 && cp <= 0x1faff) ||
    (cp >= 0x2600 && cp <= 0x27bf) ||
    cp === 0xfe0f ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff)
  );
}

function isLetterNonLatin(cp: number | undefined): boolean {
  return cp !== undefined && cp >= 0x0590 && cp <= 0x1fff;
}

/** Printable-text ratio test for decoded bytes. */
function asText(bytes: Uint8Array): string | null {
  if (bytes.length < 12) return null;
  let printable = 0;
  let spaces = 0;
  for (const b of bytes) {
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++;
    if (b === 0x20) spaces++;
  }
  if (printable / bytes.length < 0.95 || spaces < 2) return null;
  return new TextDecoder().decode(bytes);
}

function decodeBase64(s: string): string | null {
  try {
    const bytes = Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    return asText(bytes);
  } catch {
    return null;
  }
}

function decodeHex(s: string): string | null {
  return asText(Buffer.from(s, "hex"));
}

function rot13(s: string): string {
  return s.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
}

/**
 * Strips invisible code points, decodes tag characters, and records what it found.
 * Returns the visible string (original case) and the decoded tag text.
 */
function stripInvisible(s: string, carriers: Map<CarrierKind, number>, hidden: HiddenSegment[]): string {
  let out = "";
  let tags = "";
  let zw = 0;
  let invisible = 0;
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      // An emoji tag sequence (🏴 + tag letters/digits + cancel tag) is a subdivision flag.
      if (cps[i - 1] === 0x1f3f4) {
        let j = i;
        while (
          j < cps.length &&
          j - i < 7 &&
          ((cps[j]! >= 0xe0061 && cps[j]! <= 0xe007a) || (cps[j]! >= 0xe0030 && cps[j]! <= 0xe0039))
        )
          j++;
        if (j > i && cps[j] === 0xe007f) {
          i = j;
          continue;
        }
      }
      if (cp >= 0xe0020 && cp <= 0xe007e) tags += String.fromCharCode(cp - 0xe0000);
      invisible++;
      continue;
    }
    if (ZERO_WIDTH.has(cp)) {
      const legit =
        (cp === 0x200d && isPictographic(cps[i - 1]) && isPictographic(cps[i + 1])) ||
        (cp === 0x200c && (isLetterNonLatin(cps[i - 1]) || isLetterNonLatin(cps[i + 1]))) ||
        (cp === 0xfeff && i === 0);
      if (!legit) {
        zw++;
        invisible++;
      }
      continue;
    }
    if (BIDI_OVERRIDE.has(cp)) {
      bump(carriers, "bidi_override");
      invisible++;
      continue;
    }
    if (BIDI_MARK.has(cp)) {
      invisible++;
      continue;
    }
    out += String.fromCodePoint(cp);
  }
  if (tags.length > 0) {
    bump(carriers, "unicode_tags", tags.length);
    hidden.push({ carrier: "unicode_tags", text: tags.toLowerCase() });
  }
  if (zw > 0) bump(carriers, "zero_width", zw);
  if (invisible >= 8) bump(carriers, "invisible_padding", invisible);
  return out;
}

/** ANSI: strip escapes; text after conceal / black-on-black / cursor movement is hidden. */
function stripAnsi(s: string, carriers: Map<CarrierKind, number>, hidden: HiddenSegment[]): string {
  let concealFrom = -1;
  let out = "";
  let last = 0;
  let hiddenText = "";
  let hiddenKind = false;
  ANSI.lastIndex = 0;
  for (let m = ANSI.exec(s); m !== null; m = ANSI.exec(s)) {
    const chunk = s.slice(last, m.index);
    out += chunk;
    if (concealFrom >= 0) hiddenText += chunk;
    last = m.index + m[0].length;
    bump(carriers, "ansi_escape");
    const params = m[1] ?? "";
    const final = m[2];
    if (final === "m") {
      const p = params.split(";");
      const conceal =
        p.includes("8") || (p.includes("30") && p.includes("40")) || (p.includes("37") && p.includes("47"));
      if (conceal) {
        concealFrom = out.length;
        hiddenKind = true;
      } else if (p.includes("0") || p.includes("28") || params === "") concealFrom = -1;
    } else if (final !== undefined && "ABCDEFGHJKsu".includes(final)) {
      // Cursor movement or erase: what was written before may be overwritten on a terminal.
      hiddenKind = true;
      hiddenText += out.slice(Math.max(0, out.length - 2000));
    }
  }
  out += s.slice(last);
  if (concealFrom >= 0) hiddenText += s.slice(last);
  if (s.includes("\r") && /\r(?!\n)/.test(s)) {
    hiddenKind = true;
    hiddenText += out;
  }
  if (hiddenKind) {
    bump(carriers, "ansi_hidden");
    if (hiddenText.trim().length > 0) hidden.push({ carrier: "ansi_hidden", text: hiddenText.toLowerCase() });
  }
  return out;
}

/** Folds Latin lookalikes in words that mix Latin with Cyrillic/Greek; counts such words. */
function foldHomoglyphs(s: string, carriers: Map<CarrierKind, number>): string {
  let n = 0;
  const out = s.replace(MIXED_WORD, (w) => {
    if (!LATIN.test(w) || !CONFUSABLE_CHAR.test(w)) return w;
    n++;
    let r = "";
    for (const c of w) r += CONFUSABLE_LETTERS[c] ?? c;
    return r;
  });
  if (n > 0) bump(carriers, "homoglyph", n);
  return out;
}

function revealComments(s: string, carriers: Map<CarrierKind, number>, hidden: HiddenSegment[]): void {
  // The next "-->" is searched for only when the last one found is behind the opening: many
  // openings before one far (or no) close must not each scan the rest of the text.
  let close = -1;
  for (let open = s.indexOf("<!--"); open >= 0; open = s.indexOf("<!--", open + 4)) {
    if (close < open + 4) close = s.indexOf("-->", open + 4);
    if (close < 0) break;
    if (close - open > 4004) continue;
    {
      const body = s
        .slice(open + 4, close)
        .trim()
        .toLowerCase();
      if (/[a-z]{3}/.test(body)) {
        bump(carriers, "html_comment");
        hidden.push({ carrier: "html_comment", text: body });
      }
    }
  }
  // Each of the three ends with "]:": one search usually answers for all of them.
  if (s.includes("]:") && (s.includes("[//]:") || s.includes("[comment]:") || s.includes("[_]:"))) {
    MD_COMMENT.lastIndex = 0;
    for (let m = MD_COMMENT.exec(s); m !== null; m = MD_COMMENT.exec(s)) {
      bump(carriers, "markdown_comment");
      hidden.push({ carrier: "markdown_comment", text: m[1]!.trim().toLowerCase() });
    }
  }
  if (s.includes("style")) {
    CSS_HIDDEN.lastIndex = 0;
    for (let m = CSS_HIDDEN.exec(s); m !== null; m = CSS_HIDDEN.exec(s)) {
      const body = m[2]!.trim().toLowerCase();
      if (/[a-z]{3}/.test(body)) {
        bump(carriers, "css_hidden");
        hidden.push({ carrier: "css_hidden", text: body });
      }
    }
  }
}

/** Base64 and hex blobs that decode to natural language, ROT13 and leetspeak. */
function decodeVariants(original: string, lower: string, carriers: Map<CarrierKind, number>, hidden: HiddenSegment[]) {
  if (lower.length > MAX_DECODE_CHARS) return;
  let blobs = 0;
  const pre = preScan(lower);
  // A hex run of 32+ digits is also a run of 24 base64 characters: without one, neither loop finds anything.
  if ((pre & RUN24) !== 0 && LONG_RUN.test(original)) {
    BASE64_RUN.lastIndex = 0;
    for (let m = BASE64_RUN.exec(original); m !== null && blobs < MAX_BLOBS; m = BASE64_RUN.exec(original)) {
      const run = m[0];
      // Identifiers, paths and hex digests are not base64 text: require mixed case and length.
      if (run.length < 24 || !/[a-z]/.test(run) || !/[A-Z]/.test(run)) continue;
      blobs++;
      const text = decodeBase64(run);
      if (text !== null && countCommon(text.toLowerCase()) >= 2) {
        bump(carriers, "base64_text");
        hidden.push({ carrier: "base64_text", text: text.toLowerCase() });
      }
    }
    HEX_RUN.lastIndex = 0;
    for (
      let m = (pre & HEX32) !== 0 ? HEX_RUN.exec(original) : null;
      m !== null && blobs < MAX_BLOBS;
      m = HEX_RUN.exec(original)
    ) {
      blobs++;
      const text = decodeHex(m[0]);
      if (text !== null && countCommon(text.toLowerCase()) >= 2) {
        bump(carriers, "hex_text");
        hidden.push({ carrier: "hex_text", text: text.toLowerCase() });
      }
    }
  }
  // ROT13: several words read as common English only once rotated.
  if ((pre & LETTERS3) !== 0 && (pre & MAY_ROT13) !== 0) {
    let rotHits = 0;
    let plainHits = 0;
    // One native call for the words, then set lookups (an exec per word costs several times more).
    for (const w of lower.match(WORD3) ?? []) {
      if (ROT_WORDS.has(w)) plainHits++;
      else if (ROT_WORDS_ENCODED.has(w)) rotHits++;
    }
    if (rotHits >= 4 && rotHits * 2 >= plainHits) {
      bump(carriers, "rot13_text");
      hidden.push({ carrier: "rot13_text", text: rot13(lower) });
    }
  }
  // Leetspeak: several words that mix digits into letters. Once that is established, unit-like
  // words ("4ll") in the same text are folded too.
  if ((pre & LEET_PAIR) === 0 || leetWords(lower) < 3) return;
  let leet = 0;
  const folded = lower.replace(LEET_WORD, (w) => {
    if (/^\d/.test(w) && /^[0-9a-f]+$/.test(w)) return w;
    if (!(/^[a-z]{1,4}\d{1,3}$/.test(w) || /^\d+[a-z]{1,3}$/.test(w))) leet++; // v2, utf8, ipv4, 64kb, 3d are not
    let r = "";
    for (const c of w) r += LEET_MAP[c] ?? c;
    return r;
  });
  if (leet >= 3) {
    bump(carriers, "leetspeak", leet);
    hidden.push({ carrier: "leetspeak", text: folded });
  }
}

const EMPTY_MAP: ReadonlyMap<CarrierKind, number> = new Map();

const NON_ASCII_RUN = /[^\x00-\x7f]+/g;
/** A JSON string escape for a newline, carriage return or tab, written out in the text. */
const JSON_WHITESPACE_ESCAPE = /\\[nrt]/g;
/** ASCII control characters other than tab, line feed and carriage return (ESC among them). */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/** More runs than this and the class tests read the whole string (the probe would cost as much). */
const MAX_PROBE_RUNS = 128;

/**
 * The non-ASCII code units of `s`: its runs of them joined by "\n" ("" for ASCII text), or `s`
 * itself when there are many runs. The Unicode class tests here (and the multilingual rules' class
 * in the injection scanner) match only non-ASCII code units, alone or as a surrogate pair, which a
 * run keeps together; "\n" keeps units of different runs from pairing. So they answer the same on
 * this string as on `s`, which on long mostly-ASCII text is a few characters instead of all.
 */
export function nonAsciiOf(s: string): string {
  runsOf = undefined;
  runs.length = 0;
  // UTF-8 length = UTF-16 length only for ASCII text (a native count, much faster than a class scan).
  if (Buffer.byteLength(s, "utf8") === s.length) return "";
  NON_ASCII_RUN.lastIndex = 0;
  let out = "";
  for (let m = NON_ASCII_RUN.exec(s); m !== null; m = NON_ASCII_RUN.exec(s)) {
    if (runs.length === 2 * MAX_PROBE_RUNS) {
      runs.length = 0;
      return s;
    }
    out = runs.length === 0 ? m[0] : `${out}\n${m[0]}`;
    runs.push(m.index, m.index + m[0].length);
  }
  runsOf = s;
  return out;
}

/** The string nonAsciiOf last made a probe of (not `s` itself), and where its runs start and end. */
let runsOf: string | undefined;
const runs: number[] = [];

/**
 * `s.toLowerCase()`, where `s` is `source` or has the same length and runs (smart quotes replaced
 * one for one). JavaScriptCore lower-cases a string with any non-ASCII UTF-16 character through
 * ICU, several times slower than ASCII text: the ASCII stretches between runs are lower-cased
 * apart from the runs. Lower-casing is the same piecewise as whole except for Σ, whose small form
 * depends on the letters around it (the only context-dependent mapping outside tr/az/lt locales).
 */
function toLower(s: string, source: string, probe: string): string {
  if (runsOf !== source || probe.includes("\u03a3")) return s.toLowerCase();
  let out = "";
  let last = 0;
  for (let k = 0; k < runs.length; k += 2) {
    out += s.slice(last, runs[k]).toLowerCase();
    out += s.slice(runs[k], runs[k + 1]).toLowerCase();
    last = runs[k + 1]!;
  }
  return out + s.slice(last).toLowerCase();
}

/**
 * NFKC of each compatibility character. Where the probe lists them, each distinct one is replaced
 * with a native string search instead of a class scan over the whole text: the class matches single
 * code points that cannot overlap, so the result is the same as `s.replace(COMPATIBILITY_G, …)` as
 * long as no replacement contains (or, at its ends, can pair into) one of them.
 */
function foldCompatibility(s: string, probe: string): string {
  if (probe === s) return s.replace(COMPATIBILITY_G, (c) => c.normalize("NFKC"));
  const found = [...new Set(probe.match(COMPATIBILITY_G))];
  const into = found.map((c) => c.normalize("NFKC"));
  const safe = into.every((r) => !/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(r) && !found.some((c) => r.includes(c)));
  if (!safe) return s.replace(COMPATIBILITY_G, (c) => c.normalize("NFKC"));
  let out = s;
  for (let i = 0; i < found.length; i++) out = out.replaceAll(found[i]!, into[i]!);
  return out;
}

/** Normalises one string for matching. Pure; cheap for plain ASCII text. */
export function normalize(input: string): Normalized {
  const carriers = new Map<CarrierKind, number>();
  const hidden: HiddenSegment[] = [];
  let s = input;
  // The Unicode steps test their classes on the probe of non-ASCII characters, re-made whenever a
  // step changes the text; most text has none of them, and the steps are skipped.
  let probe = nonAsciiOf(s);
  let source = s;
  const ansi = s.includes(ESC) || s.includes("\r");
  // (As before the probe: a CR in ASCII text without other control characters is left as it is.)
  if (ansi ? probe.length > 0 || CONTROL.test(s) : probe.length > 0 && SPECIAL.test(probe)) {
    if (ansi) {
      s = stripAnsi(s, carriers, hidden);
      probe = nonAsciiOf(s);
      source = s;
    }
    if (INVISIBLE.test(probe)) {
      s = stripInvisible(s, carriers, hidden);
      probe = nonAsciiOf(s);
      source = s;
    }
    // NFKC per compatibility character: the rest of the text is already in normal form for matching.
    if (COMPATIBILITY.test(probe)) {
      s = foldCompatibility(s, probe);
      probe = nonAsciiOf(s);
      source = s;
    }
    if (CONFUSABLE_CHAR.test(probe) && LATIN.test(s)) {
      s = foldHomoglyphs(s, carriers);
      probe = nonAsciiOf(s);
      source = s;
    }
    if (SMART_QUOTES.test(probe))
      s = s.replace(/[\u2018\u2019\u201b\u2032]/g, "'").replace(/[\u201c\u201d\u201f\u2033]/g, '"');
  }
  if (hasPadding(s)) bump(carriers, "whitespace_padding");
  // JSON text inside a text block keeps its escapes: "\\n\\nHey assistant" must not read as "nhey".
  // Two characters for two keep the length and the non-ASCII runs toLower relies on.
  if (s.includes("\\")) s = s.replace(JSON_WHITESPACE_ESCAPE, (e) => (e === "\\t" ? "  " : " \n"));
  revealComments(s, carriers, hidden);
  const lower = toLower(s, source, probe);
  decodeVariants(s, lower, carriers, hidden);
  return { text: lower, hidden, carriers: carriers.size === 0 ? EMPTY_MAP : carriers };
}
