/**
 * The secret and PII detector: a pure function from text to non-overlapping matches.
 *
 * Every regex here is linear-time on hostile input: each pattern opens with a look-behind that
 * excludes its own first character class (so a long run is tried once, at its start, not at every
 * offset), quantifiers are bounded, and separators are never in the class they separate. One
 * anchor scan decides where each credential rule runs. Checksums (GitHub CRC32, Luhn, mod-97),
 * structural rules (SSA) and context keep identifiers, hashes and numbers out.
 */
import {
  cardBrandOk,
  charClasses,
  githubChecksumOk,
  ibanChecksumOk,
  ibanLength,
  jwtHeaderOk,
  looksLikePlaceholder,
  luhnOk,
  ssnOk,
} from "./checks.ts";

/** Finding categories, named as in the labelled corpus (and used in `[REDACTED:<category>]`). */
export const CATEGORIES = [
  "aws_access_key_id",
  "aws_secret_access_key",
  "github_token",
  "github_fine_grained_pat",
  "gitlab_token",
  "slack_token",
  "slack_webhook",
  "stripe_secret_key",
  "google_api_key",
  "openai_api_key",
  "anthropic_api_key",
  "npm_token",
  "sendgrid_api_key",
  "huggingface_token",
  "twilio_api_key",
  "private_key",
  "jwt",
  "db_connection_string",
  "email",
  "phone_number",
  "ssn",
  "credit_card",
  "iban",
] as const;

export type Category = (typeof CATEGORIES)[number];

/** Secrets (credentials) as opposed to personal data. */
export const SECRET_CATEGORIES: ReadonlySet<Category> = new Set(CATEGORIES.slice(0, 18));

export interface Match {
  readonly category: Category;
  /** UTF-16 offset of the first character of the value. */
  readonly start: number;
  /** UTF-16 offset one past the last character of the value. */
  readonly end: number;
}

/** A credential rule: the anchors that start it, where its regex runs, and a check that returns the span to report. */
interface Rule {
  readonly category: Category;
  /** Anchors (as matched by {@link ANCHORS}) that start this rule. */
  readonly trigger: RegExp;
  /**
   * Where the rule's regex runs for an anchor at `i`: `anchor` (sticky at i), `scheme` (sticky at
   * the URL scheme before a `://` anchor), or a window [i - before, i + after] searched globally.
   */
  readonly from: "anchor" | "scheme" | { readonly before: number; readonly after: number };
  /** Sticky (`y`) for anchor/scheme rules, global (`g`) for window rules. */
  readonly re: RegExp;
  /** Cheap test (memchr-fast) that must hold at the anchor for the regex to be worth running. */
  readonly gate?: (text: string, at: number) => boolean;
  /** Validates a regex match; returns [start, end] of the secret value, or null to drop it. */
  readonly check?: (m: RegExpExecArray, text: string) => readonly [number, number] | null;
}

const whole = (m: RegExpExecArray): readonly [number, number] => [m.index, m.index + m[0].length];

/** Span of capture group `g` (the value) given the match; requires the `d` flag. */
const group = (m: RegExpExecArray, g: number): readonly [number, number] | null => {
  const span = m.indices?.[g];
  return span ? [span[0], span[1]] : null;
};

const notPlaceholder =
  (bodyFrom: number) =>
  (m: RegExpExecArray): readonly [number, number] | null =>
    looksLikePlaceholder(m[0].slice(bodyFrom)) ? null : whole(m);

const SECRET_RULES: readonly Rule[] = [
  {
    category: "aws_access_key_id",
    trigger: /^A(?:KIA|SIA|BIA|CCA|3T)/,
    from: "anchor",
    re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/y,
    check: (m) => (m[0].endsWith("EXAMPLE") || looksLikePlaceholder(m[0].slice(4)) ? null : whole(m)),
  },
  {
    category: "aws_secret_access_key",
    trigger: /^(?:[Ss]ecret|SECRET)$/,
    from: { before: 40, after: 120 },
    re: /(?:secret_?access_?key|secret[_ -]access[_ -]key|aws_?secret(?:_?key)?|aws[_ -]secret(?:[_ -]key)?)["']?\s{0,4}(?::=|=>|[:=]|\s)\s{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
    check: (m) => {
      const v = m[1]!;
      return charClasses(v) >= 2 && !looksLikePlaceholder(v) ? group(m, 1) : null;
    },
  },
  {
    category: "github_token",
    trigger: /^gh[pousr]_/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/y,
    check: (m) => (githubChecksumOk(m[0]) ? whole(m) : null),
  },
  {
    category: "github_fine_grained_pat",
    trigger: /^github_pat_/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,255}(?![A-Za-z0-9_])/y,
    check: notPlaceholder(11),
  },
  {
    category: "gitlab_token",
    trigger: /^(?:gl|GR)/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_-])(?:(?:glpat|gldt|glrt|glptt|glcbt|glimt|glsoat|glffct|glagent|gloas|glft)-[A-Za-z0-9_-]{20,80}|GR1348941[A-Za-z0-9_-]{20,40})(?![A-Za-z0-9_-])/y,
    check: (m) => {
      const body = m[0].slice(m[0].indexOf("-") + 1);
      return looksLikePlaceholder(body) || charClasses(body) < 2 ? null : whole(m);
    },
  },
  {
    category: "slack_webhook",
    trigger: /^hooks/,
    from: { before: 8, after: 200 },
    re: /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_+/-]{20,160}/g,
    check: notPlaceholder(0),
  },
  {
    category: "slack_token",
    trigger: /^x(?:ox|app)/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_-])(?:xox[abposer]-(?:[0-9]{6,15}-){1,4}[A-Za-z0-9]{8,64}|xox[abposer]-[0-9]-[A-Za-z0-9-]{40,200}|xapp-[0-9]-[A-Z0-9]{6,14}-[0-9]{6,15}-[a-f0-9]{32,80})(?![A-Za-z0-9_-])/y,
    check: notPlaceholder(5),
  },
  {
    category: "stripe_secret_key",
    trigger: /^[sr]k_/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_])[sr]k_(?:live|test|prod)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])/y,
    check: (m) => (looksLikePlaceholder(m[0].slice(8)) || charClasses(m[0].slice(8)) < 2 ? null : whole(m)),
  },
  {
    category: "google_api_key",
    trigger: /^AIza/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/y,
    check: notPlaceholder(4),
  },
  {
    category: "anthropic_api_key",
    trigger: /^sk-/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|sid|oat|ort)[0-9]{2}-[A-Za-z0-9_-]{60,200}(?![A-Za-z0-9_-])/y,
    check: notPlaceholder(14),
  },
  {
    category: "openai_api_key",
    trigger: /^sk-/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,250}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48})(?![A-Za-z0-9_-])/y,
    check: (m) => {
      const body = m[0].slice(3);
      if (body.startsWith("ant-")) return null;
      if (looksLikePlaceholder(body) || charClasses(body) < 3) return null;
      return whole(m);
    },
  },
  {
    category: "npm_token",
    trigger: /^npm_/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/y,
    check: (m) => (looksLikePlaceholder(m[0].slice(4)) || charClasses(m[0].slice(4)) < 2 ? null : whole(m)),
  },
  {
    category: "sendgrid_api_key",
    trigger: /^SG\./,
    from: "anchor",
    re: /(?<![A-Za-z0-9_.-])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,64}(?![A-Za-z0-9_-])/y,
    check: notPlaceholder(3),
  },
  {
    category: "huggingface_token",
    trigger: /^(?:hf_|api_org_)/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_])(?:hf_|api_org_)[A-Za-z0-9]{30,40}(?![A-Za-z0-9_])/y,
    check: (m) => {
      const body = m[0].slice(m[0].startsWith("hf_") ? 3 : 8);
      return looksLikePlaceholder(body) || charClasses(body) < 2 ? null : whole(m);
    },
  },
  {
    category: "twilio_api_key",
    trigger: /^SK/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_])SK[0-9a-fA-F]{32}(?![A-Za-z0-9_])/y,
    check: (m) => (looksLikePlaceholder(m[0].slice(2)) ? null : whole(m)),
  },
  {
    category: "jwt",
    trigger: /^eyJ/,
    from: "anchor",
    re: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{6,4096})\.eyJ[A-Za-z0-9_-]{6,16384}\.(?:[A-Za-z0-9_-]{16,2048}(?![A-Za-z0-9_-])|(?![A-Za-z0-9_.-]))/dy,
    check: (m) => (jwtHeaderOk(m[1]!) ? whole(m) : null),
  },
  {
    category: "db_connection_string",
    trigger: /^:\/\//,
    from: "scheme",
    // user:password@ must come within the 386 characters the regex allows before the '@'.
    gate: (text, at) => text.slice(at, at + 390).includes("@"),
    re: /(?<![A-Za-z0-9+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|oracle|clickhouse|cockroachdb|couchdbs?|neo4j(?:\+s)?|bolt|cassandra|snowflake|jdbc:[a-z0-9]{2,20}|ldaps?|ftps?|sftp|smtps?|https?)(?:\+[a-z0-9]{2,16})?:\/\/([^\s:@/'"`<>]{0,128}):([^\s@/'"`<>]{1,256})@[^\s'"`<>,;]{1,512}/diy,
    check: (m) => {
      const password = m[2]!;
      if (looksLikePlaceholder(password) || /^(?:\*+|x+|pass(?:word)?|secret|pwd|\$[A-Z_]+|%[A-Z_]+%)$/i.test(password))
        return null;
      let end = m.index + m[0].length;
      while (end > m.index && ".,;:)]}!?".includes(m.input[end - 1]!)) end--;
      return [m.index, end];
    },
  },
  {
    // JDBC / URL style with the password in the query: jdbc:postgresql://db:5432/app?user=u&password=p
    category: "db_connection_string",
    trigger: /^:\/\//,
    from: "scheme",
    gate: (text, at) => text.slice(at, at + 260).includes("?"),
    re: /(?<![A-Za-z0-9+.-])(?:jdbc:[a-z0-9]{2,20}|postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|sqlserver|mssql|oracle|redis|amqps?):\/\/[^\s'"`<>?]{1,256}\?[^\s'"`<>]{0,256}?(?:password|pwd|pass)=([^&;\s'"`<>]{1,256})/diy,
    check: (m) => (looksLikePlaceholder(m[1]!) ? null : whole(m)),
  },
  {
    // ADO.NET / ODBC key-value style: Server=…;User ID=…;Password=…;
    category: "db_connection_string",
    gate: (text, at) => text.slice(at, at + 24).includes("="),
    trigger: /^(?:[Pp]assword|PASSWORD|[Pp]wd|PWD)$/,
    from: { before: 1200, after: 300 },
    re: /(?<![A-Za-z])(?:server|data source|host|address|addr)\s?=[^;'"\n]{1,256};(?:[^;'"\n]{0,256};){0,10}?\s?(?:password|pwd)\s?=\s?([^;'"\n]{1,256})/dgi,
    check: (m) => (looksLikePlaceholder(m[1]!) || m[1]!.trim() === "" ? null : whole(m)),
  },
];

/** Matches `-----BEGIN … PRIVATE KEY-----` headers; the body and footer are found by {@link privateKeys}. */
const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]{1,12} ){0,3})PRIVATE KEY(?: BLOCK)?-----/g;
/** Base64 body characters, whitespace, literal `\n` escapes and RFC 1421 header lines. */
const PEM_BODY = /^(?:[A-Za-z0-9+/=\s]|\\[nr]|Proc-Type:|DEK-Info:|Version:|Comment:|[,:.-](?!----))*$/;
const PEM_RUN = /(?:[A-Za-z0-9+/=\s]|\\[nr])*/y;

function privateKeys(text: string, out: Match[]): void {
  if (!text.includes("PRIVATE KEY")) return;
  PEM_BEGIN.lastIndex = 0;
  let nextEnd = -2;
  for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
    const bodyStart = m.index + m[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf("-----END ", bodyStart);
    let end = -1;
    if (nextEnd !== -1) {
      const footerEnd = text.indexOf("-----", nextEnd + 9);
      const footer = footerEnd === -1 ? "" : text.slice(nextEnd, footerEnd + 5);
      if (
        footerEnd !== -1 &&
        footer.length < 80 &&
        footer.includes("PRIVATE KEY") &&
        PEM_BODY.test(text.slice(bodyStart, nextEnd))
      )
        end = footerEnd + 5;
    }
    if (end === -1) {
      // Truncated or malformed block: the header and the base64 run after it are still the secret.
      PEM_RUN.lastIndex = bodyStart;
      PEM_RUN.exec(text);
      end = PEM_RUN.lastIndex;
    }
    out.push({ category: "private_key", start: m.index, end });
    PEM_BEGIN.lastIndex = end;
  }
}

// ---------------------------------------------------------------------------------------------
// Personal data
// ---------------------------------------------------------------------------------------------

/** A whole address, checked on the few characters around each `@`. */
const EMAIL_EXACT = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}$/;

function isLocalChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45
  );
}

function isDomainChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

/** Emails: found from each `@` outwards (bounded), so text without `@` costs one memchr. */
function emails(text: string, out: Match[]): void {
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
    if (start === at) continue; // "@scope/package", "@user": no local part
    if (start > 0 && isLocalChar(text.charCodeAt(start - 1))) continue; // local part longer than 64
    let end = at + 1;
    while (end < text.length && end - at <= 255 && isDomainChar(text.charCodeAt(end))) end++;
    // Trailing dots and hyphens end a sentence, not the domain.
    while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
    const s = text.slice(start, end);
    if (!EMAIL_EXACT.test(s)) continue;
    const local = text.slice(start, at);
    const domain = text.slice(at + 1, end);
    if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) continue;
    if (/^\d+x\./.test(domain)) continue; // retina asset names: icon@2x.png
    if (local === "git" && !domain.includes("mail")) continue; // SSH remotes: git@github.com
    out.push({ category: "email", start, end });
  }
}

/**
 * Candidate number-like runs: digit groups joined by single separators, optionally opened by `+`,
 * `00` or a parenthesised group. Cards, SSNs and phone numbers are told apart in code.
 */
const NUMBER_RUN =
  /(?<![A-Za-z0-9_+\-.,/#@$%&])(?!(?:19|20)\d\d[-/.][01]\d[-/.][0-3]\d(?!\d))(?=[\d ().\-+\u00a0]{8})(?:\+|\(\+?(?=\d))?\d{1,19}(?:(?:[ \-.\u00a0]\(?|\) ?|\)-)\d{1,19}){0,8}\)?/g;

const PHONE_CONTEXT =
  /(?:phone|tel\b|tel\.|telephone|mobile|mobil|cell|call|sms|text me|whatsapp|fax|contact|reach|ring|dial|handy|telefon|téléphone|portable|móvil|celular|telefone|numéro|número|nummer|電話|携帯|电话|手机|연락|전화)/i;

const SSN_CONTEXT = /(?:ssn|social security|social|ss#|sozialversicherung|tax id|tin\b)/i;

/** Country calling codes by length, for `+CC` numbers (ITU-T E.164 assignments). */
const CC1 = new Set(["1", "7"]);
const CC2 = new Set(
  "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split(
    " ",
  ),
);

function countryCodeOk(digits: string): boolean {
  return (
    CC1.has(digits[0]!) ||
    CC2.has(digits.slice(0, 2)) ||
    /^(?:2[1-9]|3[5-8]|42|50|59|67|68|69|85|87|88|96|97|99)\d/.test(digits.slice(0, 3))
  );
}

interface Group {
  readonly digits: string;
  readonly start: number;
  readonly end: number;
  /** Separator text before this group (empty for the first). */
  readonly sep: string;
}

function splitGroups(run: string, offset: number): Group[] {
  const groups: Group[] = [];
  let i = 0;
  let sepStart = 0;
  while (i < run.length) {
    const c = run.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      const start = i;
      while (i < run.length && run.charCodeAt(i) >= 48 && run.charCodeAt(i) <= 57) i++;
      groups.push({
        digits: run.slice(start, i),
        start: offset + start,
        end: offset + i,
        sep: run.slice(sepStart, start),
      });
      sepStart = i;
    } else i++;
  }
  return groups;
}

function digitsOf(groups: readonly Group[], from: number, to: number): string {
  let d = "";
  for (let k = from; k < to; k++) d += groups[k]!.digits;
  return d;
}

function uniformSeparators(groups: readonly Group[], from: number, to: number): boolean {
  for (let k = from + 2; k < to; k++) if (groups[k]!.sep !== groups[from + 1]!.sep) return false;
  return true;
}

/** Card: 12–19 digits, grouped as one run, 4-4-4-4(-3), 4-6-5 or 4-6-4; brand prefix, length and Luhn. */
function cardAt(groups: readonly Group[], i: number): number {
  for (let j = Math.min(groups.length, i + 5); j > i; j--) {
    const n = j - i;
    const lens = groups.slice(i, j).map((g) => g.digits.length);
    const shapeOk =
      n === 1 ||
      (uniformSeparators(groups, i, j) &&
        groups[i + 1]!.sep.length === 1 &&
        (lens.every((l, k) => l === 4 || (k === n - 1 && l >= 1 && l <= 4)) ||
          (n === 3 && lens[0] === 4 && lens[1] === 6 && (lens[2] === 5 || lens[2] === 4))));
    if (!shapeOk) continue;
    // A grouped card ends where its grouping ends: "5473 8962 6165 0046 03" is one longer number.
    if (n > 1 && j < groups.length && groups[j]!.sep === groups[i + 1]!.sep) continue;
    const d = digitsOf(groups, i, j);
    if (d.length >= 12 && d.length <= 19 && cardBrandOk(d) && luhnOk(d)) return j;
  }
  return -1;
}

/** SSN: 3-2-4 with one consistent separator, or 9 digits right after an SSN keyword. */
function ssnAt(text: string, groups: readonly Group[], i: number): number {
  const g = groups[i]!;
  if (i + 2 < groups.length && (i === 0 || g.sep !== groups[i + 1]!.sep)) {
    const [a, b, c] = [g, groups[i + 1]!, groups[i + 2]!];
    if (
      a.digits.length === 3 &&
      b.digits.length === 2 &&
      c.digits.length === 4 &&
      (b.sep === "-" || b.sep === " ") &&
      c.sep === b.sep &&
      (i + 3 >= groups.length || groups[i + 3]!.sep !== b.sep) &&
      ssnOk(a.digits, b.digits, c.digits)
    )
      return i + 3;
  }
  if (
    g.digits.length === 9 &&
    SSN_CONTEXT.test(text.slice(Math.max(0, g.start - 40), g.start)) &&
    ssnOk(g.digits.slice(0, 3), g.digits.slice(3, 5), g.digits.slice(5))
  )
    return i + 1;
  return -1;
}

/**
 * Phone: `+CC` international numbers (8–15 digits, E.164), `00CC`, national numbers with a trunk
 * `0` (9–12 digits, grouped), North American `(NXX) NXX-XXXX`, or a plausibly grouped number
 * right after a phone keyword. A phone number must run to the end of its digit run: a longer run
 * is an account number, an IBAN body or a reference, not a phone number.
 */
function phoneAt(text: string, run: string, runStart: number, groups: readonly Group[], i: number): boolean {
  const j = groups.length;
  const n = j - i;
  const d = digitsOf(groups, i, j);
  const lens = groups.slice(i, j).map((x) => x.digits.length);
  const maxLen = Math.max(...lens);
  const seps = groups.slice(i + 1, j).map((x) => x.sep);
  const plus = i === 0 && (run[0] === "+" || run.startsWith("(+"));
  const openParen = i === 0 && run[0] === "(";
  if (seps.some((s) => s.includes(".")) && !seps.every((s) => s === ".")) return false;
  // No numbering plan ends on a one-digit group; ISBN-10s (0-306-40615-2) do.
  if (n >= 2 && lens[n - 1]! < 2) return false;
  if (/isbn/i.test(text.slice(Math.max(0, runStart - 12), runStart))) return false;
  if (plus || (n >= 2 && d.startsWith("00") && d[2] !== "0")) {
    const cc = plus ? d : d.slice(2);
    return cc.length >= 8 && cc.length <= 15 && countryCodeOk(cc) && maxLen <= 12;
  }
  if (n === 1 && !openParen) {
    // An unbroken digit run is a phone number only right after a phone keyword.
    if (!hasPhoneContext(text, runStart)) return false;
    return (
      (d[0] === "0" && d[1] !== "0" && d.length >= 9 && d.length <= 12) ||
      (d.length === 10 && /^[2-9]\d\d[2-9]/.test(d)) ||
      (d.length === 11 && /^1[2-9]\d\d[2-9]/.test(d))
    );
  }
  if (maxLen > 8) return false;
  if (n === 3 && lens[0] === 3 && lens[1] === 2 && lens[2] === 4) return false; // SSN-shaped, never a phone layout
  const nanp = n === 3 && lens[0] === 3 && lens[1] === 3 && lens[2] === 4 && /^[2-9]\d\d[2-9]/.test(d);
  if (nanp) return true;
  // 1-800-555-0199: the North American trunk prefix written out.
  if (
    n === 4 &&
    lens[0] === 1 &&
    d[0] === "1" &&
    lens[1] === 3 &&
    lens[2] === 3 &&
    lens[3] === 4 &&
    /^1[2-9]\d\d[2-9]/.test(d)
  )
    return true;
  if (d[0] === "0" && d[1] !== "0" && d.length >= 10 && d.length <= 12 && lens[0]! <= 5) {
    return !(seps.every((s) => s === ".") && !lens.every((l) => l === 2)); // 03.05.2024 is a date
  }
  // Spain has no trunk prefix: 9 digits from 6–9, as 3-3-3 or 3-2-2-2.
  if (
    d.length === 9 &&
    /^[6-9]/.test(d) &&
    lens[0] === 3 &&
    seps.every((x) => x === " ") &&
    (n === 3 || n === 4) &&
    lens.slice(1).every((l) => l === (n === 3 ? 3 : 2))
  )
    return true;
  if (openParen && d.length >= 9 && d.length <= 12 && lens[0]! <= 4) return true;
  return d.length >= 9 && d.length <= 13 && hasPhoneContext(text, runStart) && seps.every((s) => s === seps[0]);
}

function hasPhoneContext(text: string, at: number): boolean {
  return PHONE_CONTEXT.test(text.slice(Math.max(0, at - 32), at));
}

function numbers(text: string, out: Match[]): void {
  NUMBER_RUN.lastIndex = 0;
  for (let m = NUMBER_RUN.exec(text); m !== null; m = NUMBER_RUN.exec(text)) {
    const run = m[0];
    const runStart = m.index;
    // A run glued to letters or digits on the right is part of an identifier, not a number.
    const after = text.charCodeAt(runStart + run.length);
    if ((after >= 65 && after <= 90) || (after >= 97 && after <= 122) || (after >= 48 && after <= 57) || after === 95)
      continue;
    let digitCount = 0;
    for (let k = 0; k < run.length; k++) {
      const c = run.charCodeAt(k);
      if (c >= 48 && c <= 57) digitCount++;
    }
    if (digitCount < 8) continue;
    // The body of an IBAN-shaped token ("DE68 5473 8962 …"), valid or not, is not a card or phone.
    if (runStart >= 5 && /\b[A-Z]{2}\d\d $/.test(text.slice(Math.max(0, runStart - 6), runStart))) continue;
    const groups = splitGroups(run, runStart);
    let i = 0;
    while (i < groups.length) {
      let category: Category = "credit_card";
      let j = cardAt(groups, i);
      if (j === -1 && run[0] !== "+") {
        category = "ssn";
        j = ssnAt(text, groups, i);
      }
      if (j === -1 && i === 0 && phoneAt(text, run, runStart, groups, i)) {
        category = "phone_number";
        j = groups.length;
      }
      if (j === -1) {
        i++;
        continue;
      }
      let start = i === 0 && (run[0] === "+" || run[0] === "(") ? runStart : groups[i]!.start;
      // "(+55 11 95816-6781)": the parenthesis wraps the whole number, not an area code.
      if (text[start] === "(" && text[groups[i]!.end] !== ")")
        start = text[start + 1] === "+" ? start + 1 : groups[i]!.start;
      let end = groups[j - 1]!.end;
      if (category === "phone_number" && text[start] === "(" && text[end] === ")" && j - i === 1) end++;
      out.push({ category, start, end });
      i = j;
    }
  }
}

/** Candidates: country code, check digits, then up to 30 more characters in groups (trimmed to the country's length). */
const IBAN = /\b[A-Z]{2}[0-9]{2}[ A-Z0-9]{10,40}/g;

function ibans(text: string, out: Match[]): void {
  IBAN.lastIndex = 0;
  for (let m = IBAN.exec(text); m !== null; m = IBAN.exec(text)) {
    if (ibanAt(m[0], m.index, out)) IBAN.lastIndex = out[out.length - 1]!.end;
    else IBAN.lastIndex = m.index + 4;
  }
}

function ibanAt(candidate: string, start: number, out: Match[]): boolean {
  const want = ibanLength(candidate.slice(0, 2));
  if (want === 0) return false;
  let compact = "";
  let k = 0;
  for (; k < candidate.length && compact.length < want; k++) {
    if (candidate[k] !== " ") compact += candidate[k];
    else if (compact.length % 4 !== 0) return false; // print format groups by four
  }
  if (compact.length !== want) return false;
  if (k < candidate.length && candidate[k] !== " ") return false;
  if (!ibanChecksumOk(compact)) return false;
  out.push({ category: "iban", start, end: start + k });
  return true;
}

/**
 * One scan finds every place a credential rule could start; each rule then runs only there
 * (sticky at the anchor, or in a small window around it). Far cheaper than one scan per rule.
 */
const ANCHORS =
  /A(?:KIA|SIA|BIA|CCA|3T[A-Z0-9]|Iza)|S(?:K[0-9a-fA-F]|G\.)|GR1348941|eyJ|hooks\.slack\.com|[Ss]ecret|SECRET|[Pp]assword|PASSWORD|[Pp]wd|PWD/g;

/** Characters that can end the part of a prefix before its dash (see punctuationAnchors). */
const DASH_PREFIX_ENDS = (() => {
  const t = new Uint8Array(128);
  for (const c of "kabposertp") t[c.charCodeAt(0)] = 1;
  return t;
})();

const GITLAB_PREFIXES = new Set([
  "glpat",
  "gldt",
  "glrt",
  "glptt",
  "glcbt",
  "glimt",
  "glsoat",
  "glffct",
  "glagent",
  "gloas",
  "glft",
]);
const SLACK_KINDS = "abposer";
const GITHUB_KINDS = "pousr";

/**
 * Prefixes that contain `_`, `-` or `:` (ghp_, sk_live_, npm_, hf_, glpat-, xoxb-, sk-, ://,
 * -----BEGIN) are found from each of those characters (a memchr) rather than by the regex: an
 * alternation costs the regex engine per branch at every position, a character search does not.
 * Calls `emit(anchorText, start)` with the text the anchor regex would have matched.
 */
function punctuationAnchors(text: string, emit: (anchor: string, at: number) => void): void {
  for (let i = text.indexOf("_"); i !== -1; i = text.indexOf("_", i + 1)) {
    const p1 = text[i - 1];
    if (i >= 3 && p1 !== undefined && GITHUB_KINDS.includes(p1) && text[i - 2] === "h" && text[i - 3] === "g")
      emit(`gh${p1}_`, i - 3);
    else if (i >= 6 && text.startsWith("github_pat_", i - 6)) emit("github_pat_", i - 6);
    else if (i >= 2 && p1 === "k" && (text[i - 2] === "s" || text[i - 2] === "r")) {
      const mode = text.slice(i + 1, i + 6);
      if (mode === "live_" || mode === "test_" || mode === "prod_") emit(`${text[i - 2]}k_${mode}`, i - 2);
    } else if (i >= 3 && p1 === "m" && text.startsWith("npm", i - 3)) emit("npm_", i - 3);
    else if (i >= 2 && p1 === "f" && text[i - 2] === "h") emit("hf_", i - 2);
    else if (i >= 3 && p1 === "i" && text.startsWith("api_org_", i - 3)) emit("api_org_", i - 3);
  }
  for (let i = text.indexOf("-"); i !== -1; i = text.indexOf("-", i + 1)) {
    // Only these can precede a prefix's dash: k (sk-), a b p o s e r (xox?-), p (xapp-), t s
    // (gl…-); a dash after a dash may open -----BEGIN. Hyphenated words and UUIDs end here.
    const before = text.charCodeAt(i - 1);
    if (before === 45) continue;
    if (DASH_PREFIX_ENDS[before] !== 1 && text.charCodeAt(i + 1) !== 45) continue;
    const p1 = text[i - 1];
    if (i >= 2 && p1 === "k" && text[i - 2] === "s") emit("sk-", i - 2);
    else if (i >= 4 && p1 !== undefined && SLACK_KINDS.includes(p1) && text.startsWith("xox", i - 4))
      emit(`xox${p1}-`, i - 4);
    else if (i >= 4 && p1 === "p" && text.startsWith("xapp", i - 4)) emit("xapp-", i - 4);
    else if (text[i + 1] === "-" && text.startsWith("-----BEGIN ", i)) emit("-----BEGIN ", i);
    else if (p1 !== undefined && p1 >= "a" && p1 <= "z") {
      for (let len = 4; len <= 7 && len <= i; len++) {
        if (text[i - len] !== "g" || text[i - len + 1] !== "l") continue;
        const prefix = text.slice(i - len, i);
        if (GITLAB_PREFIXES.has(prefix)) emit(`${prefix}-`, i - len);
        break;
      }
    }
  }
  for (let i = text.indexOf("://"); i !== -1; i = text.indexOf("://", i + 3)) emit("://", i);
}

/** Start of the URL scheme that ends at a `://` anchor (`jdbc:mysql`, `mongodb+srv`), or -1. */
function isSchemeChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 46 || c === 45;
}

/** Start of the URL scheme ending at `at` (`postgres`, `mongodb+srv`, `jdbc:mysql`), or -1. */
function schemeStart(text: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < 24 && isSchemeChar(text.charCodeAt(i - 1))) i--;
  if (i === at) return -1;
  if (i >= 5 && text.slice(i - 5, i).toLowerCase() === "jdbc:") i -= 5;
  return i;
}

/** Runs a window rule's global regex over text[from, to) and records what it finds. */
function runWindow(rule: Rule, text: string, from: number, to: number, found: Match[], seen: Set<number>): void {
  const slice = text.slice(from, to);
  rule.re.lastIndex = 0;
  for (let m = rule.re.exec(slice); m !== null; m = rule.re.exec(slice)) {
    const span = rule.check ? rule.check(m, slice) : whole(m);
    if (span && !seen.has(from + span[0])) {
      seen.add(from + span[0]);
      found.push({ category: rule.category, start: from + span[0], end: from + span[1] });
    }
  }
}

/** Runs an anchor or scheme rule's sticky regex for the anchor at `at`. */
function runSticky(rule: Rule, text: string, at: number, found: Match[], seen: Set<number>): void {
  if (rule.gate && !rule.gate(text, at)) return;
  let start = at;
  if (rule.from === "scheme") {
    start = schemeStart(text, at);
    if (start === -1) return;
  }
  rule.re.lastIndex = start;
  const m = rule.re.exec(text);
  if (m === null) return;
  const span = rule.check ? rule.check(m, text) : whole(m);
  if (span && !seen.has(span[0])) {
    seen.add(span[0]);
    found.push({ category: rule.category, start: span[0], end: span[1] });
  }
}

/** Shortest credential any rule reports (`postgres://u:p@h` and the like); shorter strings skip the anchor scan. */
const MIN_SECRET_LENGTH = 14;
const DIGIT = /[0-9]/;

/** Rules started by each distinct anchor text (a few dozen at most; memoised). */
const RULES_FOR = new Map<string, readonly Rule[]>();

function rulesFor(anchor: string): readonly Rule[] {
  let rules = RULES_FOR.get(anchor);
  if (rules === undefined) {
    rules = SECRET_RULES.filter((r) => r.trigger.test(anchor));
    if (RULES_FOR.size < 4096) RULES_FOR.set(anchor, rules);
  }
  return rules;
}

/** Runs every rule and returns non-overlapping matches ordered by position. */
export function detect(text: string): Match[] {
  const found: Match[] = [];
  const seen = new Set<number>();
  const state = { pem: false };
  // Windows of the keyword rules are merged while they overlap, so each character is searched
  // at most once per rule however many anchors crowd together. (Only regex anchors start window
  // rules, so each rule sees its anchors in order.)
  const windows = new Map<Rule, [number, number]>();
  if (text.length >= MIN_SECRET_LENGTH) {
    ANCHORS.lastIndex = 0;
    for (let a = ANCHORS.exec(text); a !== null; a = ANCHORS.exec(text))
      onAnchor(a[0], a.index, text, found, seen, windows, state);
    punctuationAnchors(text, (anchor, at) => onAnchor(anchor, at, text, found, seen, windows, state));
  }
  for (const [rule, [from, to]] of windows) runWindow(rule, text, from, to, found, seen);
  if (state.pem) privateKeys(text, found);
  if (found.length > 0) awsSecretNearKeyId(text, found);
  emails(text, found);
  if (text.length >= 8 && DIGIT.test(text)) {
    numbers(text, found);
    if (text.length >= 15) ibans(text, found);
  }
  return resolveOverlaps(found);
}

function onAnchor(
  anchor: string,
  at: number,
  text: string,
  found: Match[],
  seen: Set<number>,
  windows: Map<Rule, [number, number]>,
  state: { pem: boolean },
): void {
  if (anchor === "-----BEGIN ") {
    state.pem = true;
    return;
  }
  for (const rule of rulesFor(anchor)) {
    if (typeof rule.from !== "object") {
      runSticky(rule, text, at, found, seen);
      continue;
    }
    if (rule.gate && !rule.gate(text, at)) continue;
    const from = Math.max(0, at - rule.from.before);
    const to = Math.min(text.length, at + rule.from.after);
    const open = windows.get(rule);
    if (open && from <= open[1]) open[1] = Math.max(open[1], to);
    else {
      if (open) runWindow(rule, text, open[0], open[1], found, seen);
      windows.set(rule, [from, to]);
    }
  }
}

/** An unlabelled 40-character AWS secret right after an access key id (credentials CSV, `aws configure`). */
const AWS_SECRET_BARE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

function awsSecretNearKeyId(text: string, found: Match[]): void {
  for (const id of found.filter((f) => f.category === "aws_access_key_id")) {
    AWS_SECRET_BARE.lastIndex = id.end;
    const m = AWS_SECRET_BARE.exec(text);
    if (m === null || m.index - id.end > 120) continue;
    if (charClasses(m[0]) === 3 && !found.some((f) => f.start <= m.index && f.end > m.index))
      found.push({ category: "aws_secret_access_key", start: m.index, end: m.index + 40 });
  }
}

/** Keeps the earliest, then longest, match where matches overlap; secrets win ties over personal data. */
function resolveOverlaps(found: Match[]): Match[] {
  if (found.length < 2) return found;
  found.sort(
    (a, b) =>
      a.start - b.start ||
      b.end - b.start - (a.end - a.start) ||
      Number(SECRET_CATEGORIES.has(b.category)) - Number(SECRET_CATEGORIES.has(a.category)),
  );
  const out: Match[] = [];
  for (const m of found) {
    const last = out[out.length - 1];
    if (last && m.start < last.end) {
      // A longer secret that starts inside a piece of personal data replaces it (email inside a URL).
      if (SECRET_CATEGORIES.has(m.category) && !SECRET_CATEGORIES.has(last.category) && m.end > last.end)
        out[out.length - 1] = { category: m.category, start: last.start, end: m.end };
      else if (m.end > last.end) out[out.length - 1] = { category: last.category, start: last.start, end: m.end };
      continue;
    }
    out.push(m);
  }
  return out;
}
