/**
 * Normalisation of argument values before matching, so that spelling a value differently does
 * not evade a rule. Every function here is linear in its input (no regex backtracking on
 * hostile text, no recursion without a bound) and never throws.
 *
 * Paths (see {@link normalizePath}): repeated percent-decoding, `file://` stripping, zero-width
 * and bidi removal, NFKC and confusable folding, NUL removal, `\` → `/`, `$HOME` → `~`,
 * `/proc/self/root` → `/`, `.` / `..` / `//` resolution, trailing dot and space stripping per
 * segment. Case folding is done by the caller (it is a policy setting).
 *
 * Commands (see {@link analyseCommand}): a small shell lexer that removes quotes and
 * backslashes the way the shell would (`r''m`, `\rm`), replaces `$IFS`, splits on `;`, `&&`,
 * `||`, `|`, `&`, newlines, `$(…)` and backticks, strips wrappers (`sudo`, `env`, `nohup`, …),
 * takes the basename of an absolute binary, recurses into `sh -c`, `eval` and the string
 * literals of `perl -e` / `python -c`, and renders each simple command twice: as written
 * (`rm -r -f /`) and with its short flags merged and sorted and known long flags mapped to short
 * ones (`rm -fr /`).
 */

import { CONFUSABLES, charClassOf } from "../detect/confusables.ts";

const MAX_PERCENT_ROUNDS = 8;
/** Invisible characters removed before matching (zero-width, bidi controls, soft hyphen, tags). */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: each character is removed on its own, by design
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\u{e0000}-\u{e007f}]/gu;

const CONFUSABLE_RE = charClassOf(CONFUSABLES, "gu");

/** Unicode folding shared by paths, commands and tool names: invisible removal, NFKC, confusables. */
export function foldUnicode(s: string): string {
  if (isAscii(s)) return s;
  let v = s.replace(INVISIBLE, "");
  v = v.normalize("NFKC");
  return v.replace(CONFUSABLE_RE, (c) => CONFUSABLES[c] ?? c);
}

/** ASCII check: a loop for short strings, the native UTF-8 length for long ones. */
export function isAscii(s: string): boolean {
  if (s.length > 64) return Buffer.byteLength(s, "utf8") === s.length;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

const OVERLONG_MAP: Readonly<Record<string, string>> = {
  "%c0%af": "/",
  "%e0%80%af": "/",
  "%c1%9c": "\\",
  "%c0%ae": ".",
  "%e0%80%ae": ".",
};
const OVERLONG = /%c0%a[ef]|%e0%80%a[ef]|%c1%9c/i;
const OVERLONG_G = /%c0%a[ef]|%e0%80%a[ef]|%c1%9c/gi;

/** One round of lenient percent-decoding: valid `%XX` become bytes (UTF-8 decoded), the rest stays. */
export function percentDecodeOnce(input: string): string {
  const first0 = input.indexOf("%");
  if (first0 === -1) return input;
  // Overlong UTF-8 spellings of "/", "\" and "." (old IIS-style traversal) decode to what they spell.
  const s = OVERLONG.test(input) ? input.replace(OVERLONG_G, (m) => OVERLONG_MAP[m.toLowerCase()] ?? m) : input;
  const first = s.indexOf("%");
  if (first === -1) return s;
  const bytes: number[] = [];
  let out = s.slice(0, first);
  const flush = () => {
    if (bytes.length > 0) {
      out += Buffer.from(bytes).toString("utf8");
      bytes.length = 0;
    }
  };
  let i = first;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l);
        i += 3;
        continue;
      }
    }
    flush();
    const next = s.indexOf("%", i + 1);
    const end = next === -1 ? s.length : next;
    out += s.slice(i, end);
    i = end;
  }
  flush();
  return out;
}

/** Decodes until nothing changes (double and triple encoding), at most a fixed number of rounds. */
export function percentDecode(s: string): string {
  let v = s;
  for (let i = 0; i < MAX_PERCENT_ROUNDS; i++) {
    const d = percentDecodeOnce(v);
    if (d === v) return v;
    v = d;
  }
  return v;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]{0,31}:\/\//i;

/** True for `http://…` and other non-file URLs, which are not paths on this machine. */
export function isForeignUrl(s: string): boolean {
  return URL_SCHEME.test(s) && !/^file:/i.test(s);
}

/**
 * A value that should also be judged as a path: one line, and either no whitespace or a
 * path-like start. Prose ("never read /etc/passwd") is not a path; its raw text is still matched.
 */
export function isPathLike(s: string): boolean {
  if (s.length === 0 || s.includes("\n")) return false;
  if (isForeignUrl(s)) return false;
  if (!/\s/.test(s)) return true;
  return /^(?:[/\\~$.%]|file:|[a-z]:[/\\])/i.test(s);
}

/** Anything normalisation may change; a value without it (and ASCII) is already normal. */
const NEEDS_PATH_WORK = /[%\\\0]|\/\/|(?:^|\/)\.{1,2}(?:\/|$)|[. ](?:\/|$)|^(?:file:|\$|\/proc\/|\s)|\s$/i;

/** Normalises a path-like value (see the module comment). Case is left alone. */
export function normalizePath(input: string): string {
  if (input.length > 0 && input.length < 4096 && !NEEDS_PATH_WORK.test(input) && isAscii(input)) {
    return input;
  }
  let v = percentDecode(input);
  v = foldUnicode(v);
  if (v.includes("\0")) v = v.replaceAll("\0", "");
  v = v.trim();
  if (v.includes("\\")) v = v.replaceAll("\\", "/");
  // file://host/path and file:///path → /path (also after decoding: file:%2F%2F…)
  const file = /^file:(?:\/\/([^/]*))?/i.exec(v);
  if (file) {
    v = v.slice(file[0].length);
    if (!v.startsWith("/")) v = `/${v}`;
  }
  // $HOME, ${HOME} and ~user-less home → ~
  if (v.startsWith("$HOME") || v.startsWith("${HOME}")) v = `~${v.slice(v.startsWith("$HOME") ? 5 : 7)}`;
  return resolveSegments(v);
}

/** Files a shell glob in an argument is checked against (see {@link pathVariants}). */
const GLOB_TARGETS = [
  "/etc/passwd",
  "/etc/shadow",
  "/etc/gshadow",
  "/etc/sudoers",
  "/etc/hosts",
  "/etc/ssl/private/server.key",
  "/root/.ssh/id_rsa",
  "/root/.ssh/id_ed25519",
  "/root/.ssh/authorized_keys",
  "~/.ssh/id_rsa",
  "~/.ssh/id_ed25519",
  "~/.ssh/authorized_keys",
  "~/.aws/credentials",
];

/** Binaries a globbed command name (`/bin/r?`, `/???/rm`) is checked against. */
const GLOB_BINARIES = [
  "rm",
  "dd",
  "sh",
  "bash",
  "zsh",
  "mkfs",
  "shred",
  "find",
  "curl",
  "wget",
  "chmod",
  "python3",
  "perl",
];

/** A shell glob (`*` and `?` within one segment, `[...]` classes) as an anchored regex; undefined if malformed. */
export function shellGlob(glob: string): RegExp | undefined {
  let re = "^";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) return undefined;
      let body = glob.slice(i + 1, end);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      re += `[${body.replace(/[\\\]]/g, "\\$&")}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`${re}$`, "i");
  } catch {
    return undefined;
  }
}

/**
 * Other spellings a normalised path may stand for, judged too by deny rules:
 *   - a relative path that climbs (`../../etc/passwd`) reaches the root when it climbs far
 *     enough: the same path from `/`;
 *   - a Windows drive path (`c:/etc/passwd`) without its drive;
 *   - macOS's `/private/etc`, `/private/var`, `/private/tmp` as `/etc`, `/var`, `/tmp`;
 *   - a value with a NUL cut at the NUL, as C APIs would read it.
 */
export function pathVariants(raw: string, normalised: string): string[] {
  const out: string[] = [];
  // A shell glob (`/e??/pa*wd`) stands for every file it matches: judge it as the well-known
  // sensitive files it would expand to.
  if (normalised.length <= 256 && /[*?[]/.test(normalised)) {
    const re = shellGlob(normalised);
    if (re) for (const t of GLOB_TARGETS) if (re.test(t)) out.push(t);
  }
  if (normalised.startsWith("../") || normalised === "..") {
    let i = 0;
    while (normalised.startsWith("../", i)) i += 3;
    out.push(`/${normalised.slice(i)}`);
  }
  if (normalised.length > 1 && normalised.charCodeAt(1) === 58 /* : */ && /^[a-z]:(?=\/|$)/i.test(normalised)) {
    out.push(normalised.slice(2) || "/");
  }
  if (normalised.startsWith("/private/") && /^\/private\/(?:etc|var|tmp)(?:\/|$)/i.test(normalised)) {
    out.push(normalised.slice(8));
  }
  const nul = raw.indexOf("\0");
  const decodedNul = nul === -1 && /%(?:25)*00/.test(raw) ? percentDecode(raw).indexOf("\0") : -1;
  if (nul !== -1) out.push(normalizePath(raw.slice(0, nul)));
  else if (decodedNul !== -1) out.push(normalizePath(percentDecode(raw).slice(0, decodedNul)));
  return out;
}

/** `.`, `..`, `//` resolution and trailing dot/space stripping; `/proc/self/root` is the root. */
function resolveSegments(v: string): string {
  // A drive letter is a root too: `c:/../etc` stays `c:/etc`.
  const drive = /^[a-z]:(?=\/|$)/i.exec(v);
  if (drive) {
    const rest = resolveSegments(v.slice(2) || "/");
    return `${drive[0]}${rest.startsWith("/") ? rest : `/${rest}`}`;
  }
  let absolute = v.startsWith("/");
  const parts = v.split("/");
  const out: string[] = [];
  for (let raw of parts) {
    // Windows ignores trailing dots and spaces in a segment: "passwd." and "etc " name the same file.
    if (raw.length > 0 && (raw.endsWith(".") || raw.endsWith(" ")) && raw !== "." && raw !== "..") {
      raw = raw.replace(/[. ]+$/, "");
      if (raw === "") continue;
    }
    if (raw === "" || raw === ".") continue;
    if (raw === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(raw);
    // /proc/self/root/… and /proc/<pid>/root/… are the filesystem root again; /proc/self/cwd/…
    // is the working directory (a relative path from here on).
    if (
      absolute &&
      out.length === 3 &&
      out[0] === "proc" &&
      (out[2] === "root" || out[2] === "cwd") &&
      (out[1] === "self" || out[1] === "thread-self" || /^\d+$/.test(out[1]!))
    ) {
      if (out[2] === "cwd") absolute = false;
      out.length = 0;
    }
  }
  const joined = out.join("/");
  if (absolute) return `/${joined}`;
  return joined === "" ? "." : joined;
}

// ---------------------------------------------------------------------------------------------
// Commands

/** What a command-like value expands to. All strings are case-preserving. */
export interface CommandAnalysis {
  /** Each simple command as written, quotes removed, binary basename'd: `rm -r -f /`. */
  readonly segments: readonly string[];
  /** Each simple command with short flags merged and sorted, long flags mapped: `rm -fr /`. */
  readonly canonical: readonly string[];
  /** The canonical form with the merged flags in reverse order (`rm -rf /`), for globs written that way. */
  readonly reversed: readonly string[];
  /** Each pipeline, its simple commands joined by ` | `: `curl x | sh`. */
  readonly pipelines: readonly string[];
  /** Every word that is not the command name (operands and flags), unquoted. */
  readonly words: readonly string[];
}

const MAX_COMMAND_DEPTH = 4;

/** Long options mapped to their short letter, per command. */
const LONG_FLAGS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  rm: { recursive: "r", force: "f", dir: "d", verbose: "v", interactive: "i" },
  cp: { recursive: "r", force: "f" },
  chmod: { recursive: "r" },
  chown: { recursive: "r" },
  chgrp: { recursive: "r" },
  shred: { remove: "u", zero: "z", force: "f" },
};

/** Commands whose single-dash words are long options or predicates, never flag clusters. */
const NO_CLUSTER = new Set(["find", "dd", "java", "gcc", "cc", "clang", "go", "tar"]);

/** Wrappers that run the rest of their words as a command. */
const WRAPPERS = new Set([
  "sudo",
  "doas",
  "env",
  "nohup",
  "time",
  "nice",
  "ionice",
  "timeout",
  "exec",
  "command",
  "builtin",
  "xargs",
  "stdbuf",
  "busybox",
  "chroot",
  "setsid",
  "unbuffer",
  "watch",
  "strace",
  "then",
  "do",
  "else",
  "!",
]);
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "csh", "tcsh", "mksh", "busybox"]);
const INTERPRETERS = new Set([
  "perl",
  "python",
  "python2",
  "python3",
  "ruby",
  "node",
  "nodejs",
  "php",
  "deno",
  "bun",
  "lua",
  "osascript",
]);

function basename(word: string): string {
  const i = word.lastIndexOf("/");
  return i === -1 ? word : word.slice(i + 1);
}

/** ASCII characters the lexer stops at (1) within an ordinary run of a word. */
const SPECIAL = new Uint8Array(128);
for (const ch of "\\'\" \t\r\f\v#\n;`(){}$&|<>") SPECIAL[ch.charCodeAt(0)] = 1;

interface Lexed {
  /** pipelines → simple commands → words */
  readonly pipelines: string[][][];
}

/**
 * A linear shell lexer. Quotes and backslashes are removed as the shell would; operators split
 * commands; `$(`, `)`, `(`, backticks, `{` `}` groups and newlines end a command. `#` at a word
 * start comments out the rest of the line.
 */
function lex(src: string): Lexed {
  const pipelines: string[][][] = [];
  let pipeline: string[][] = [];
  let cmd: string[] = [];
  let word = "";
  let inWord = false;
  const endWord = () => {
    if (inWord) cmd.push(word);
    word = "";
    inWord = false;
  };
  const endCmd = () => {
    endWord();
    if (cmd.length > 0) pipeline.push(cmd);
    cmd = [];
  };
  const endPipeline = () => {
    endCmd();
    if (pipeline.length > 0) pipelines.push(pipeline);
    pipeline = [];
  };
  const n = src.length;
  let i = 0;
  while (i < n) {
    const c = src[i]!;
    if (c === "\\") {
      if (i + 1 < n) {
        if (src[i + 1] !== "\n") {
          word += src[i + 1];
          inWord = true;
        }
        i += 2;
      } else i++;
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      const stop = end === -1 ? n : end;
      word += src.slice(i + 1, stop);
      inWord = true;
      i = stop + 1;
      continue;
    }
    if (c === '"') {
      i++;
      inWord = true;
      while (i < n && src[i] !== '"') {
        const d = src[i]!;
        if (d === "\\" && i + 1 < n && '"\\$`\n'.includes(src[i + 1]!)) {
          if (src[i + 1] !== "\n") word += src[i + 1];
          i += 2;
          continue;
        }
        if (d === "$" && src[i + 1] === "(") {
          // A substitution inside double quotes runs too: end this command here, lex the inside.
          if (word === "") inWord = false;
          endPipeline();
          i += 2;
          inWord = false;
          break;
        }
        if (d === "`") {
          if (word === "") inWord = false;
          endPipeline();
          i++;
          inWord = false;
          break;
        }
        word += d;
        i++;
      }
      if (i < n && src[i] === '"') i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      endWord();
      i++;
      continue;
    }
    if (c === "#" && !inWord) {
      const nl = src.indexOf("\n", i);
      i = nl === -1 ? n : nl;
      continue;
    }
    if (c === "\n" || c === ";" || c === "`" || c === "(" || c === ")" || c === "{" || c === "}") {
      if ((c === "{" || c === "}") && inWord) {
        word += c;
        i++;
        continue;
      }
      endPipeline();
      i++;
      continue;
    }
    if (c === "$" && src[i + 1] === "(") {
      endPipeline();
      i += 2;
      continue;
    }
    if (c === "&") {
      if (src[i + 1] === ">") {
        endWord();
        cmd.push("&>");
        i += 2;
        continue;
      }
      endPipeline();
      i += src[i + 1] === "&" ? 2 : 1;
      continue;
    }
    if (c === "|") {
      if (src[i + 1] === "|") {
        endPipeline();
        i += 2;
        continue;
      }
      endCmd();
      i += src[i + 1] === "&" ? 2 : 1;
      continue;
    }
    if (c === ">" || c === "<") {
      // Redirections are their own words (`>`, `>>`, `2>`, `<`): a target is an operand.
      const fd = inWord && /^\d+$/.test(word) ? word : "";
      if (fd) {
        word = "";
        inWord = false;
      } else endWord();
      let op = c;
      if (src[i + 1] === c) op += c;
      cmd.push(fd + op);
      i += op.length;
      if (src[i] === "&") {
        i++;
      }
      continue;
    }
    // An ordinary run: take it whole, up to the next character the lexer cares about.
    let stop = i + 1;
    while (stop < n) {
      const code = src.charCodeAt(stop);
      if (code < 128 && SPECIAL[code] === 1) break;
      stop++;
    }
    word += src.slice(i, stop);
    inWord = true;
    i = stop;
  }
  endPipeline();
  return { pipelines };
}

const IFS_RE = /\$\{IFS[^}]{0,16}\}|\$IFS\b|\$IFS(?=\W|$)/g;
const EMPTY_VARS_RE = /\$\{[@*#?0-9]\}|\$[@*0-9]/g;
const TRIVIAL_SUBST_RE =
  /\$\(\s{0,8}(?:echo|printf|which|command -v|type -p)\s{1,8}([^()`;|&\n]{1,256}?)\s{0,8}\)|`\s{0,8}(?:echo|printf|which|command -v|type -p)\s{1,8}([^`;|&\n]{1,256}?)\s{0,8}`/g;
const DEFAULT_VAR_RE = /\$\{[A-Za-z_][A-Za-z0-9_]{0,63}:?[-=]([^}]{0,256})\}/g;
const ASSIGNMENT_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}=/;
const ASSIGN_PREFIXES = new Set(["export", "local", "declare", "readonly", "typeset"]);
const VAR_REF_RE = /\$\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|\$([A-Za-z_][A-Za-z0-9_]{0,63})/g;
const CALL_LIKE = /[A-Za-z_]\s{0,4}\(\s{0,4}\[?\s{0,4}["'`]/;
const STRING_LITERAL_RE = /"((?:[^"\\\n]|\\.){0,65536})"|'((?:[^'\\\n]|\\.){0,65536})'/g;

type Out = { segments: string[]; canonical: string[]; reversed: string[]; pipelines: string[]; words: string[] };

/** Analyses a command-like value. Depth-bounded recursion into `sh -c`, `eval` and interpreter code. */
export function analyseCommand(input: string): CommandAnalysis {
  const out: Out = { segments: [], canonical: [], reversed: [], pipelines: [], words: [] };
  const text = foldUnicode(input);
  analyseInto(text, out, 0);
  // Code that calls something with string arguments (`subprocess.run(["rm", "-rf", "/"])`,
  // `execSync('rm -rf /')`): its string literals are command lines too.
  if (CALL_LIKE.test(text)) analyseCode(text, out, 1);
  return out;
}

function analyseInto(src: string, out: Out, depth: number): void {
  if (depth > MAX_COMMAND_DEPTH) return;
  let text = src;
  if (text.includes("$")) text = text.replace(IFS_RE, " ").replace(EMPTY_VARS_RE, "");
  // `$(echo rm) -rf /`, `` `which rm` -rf / ``: a substitution that only prints a word is that word.
  if (text.includes("$(") || text.includes("`") || text.includes("${")) {
    // also `${X:-rm}`: an unset variable with a default is the default
    const substituted = text
      .replace(TRIVIAL_SUBST_RE, (_m, a?: string, b?: string) => ` ${a ?? b ?? ""} `)
      .replace(DEFAULT_VAR_RE, (_m, d: string) => d);
    if (substituted !== text) analyseInto(substituted.replace(/ {2,}/g, " "), out, depth + 1);
  }
  const { pipelines } = lex(text);
  const vars = new Map<string, string>();
  for (const pipeline of pipelines) {
    const rendered: string[] = [];
    for (const words of pipeline) {
      // `X=rm; $X -rf /`: remember plain assignments, and judge later commands with them expanded.
      const assigns = ASSIGN_PREFIXES.has(words[0] ?? "") ? words.slice(1) : words;
      if (assigns.length > 0 && assigns.every((w) => ASSIGNMENT_RE.test(w))) {
        for (const w of assigns) {
          const eq = w.indexOf("=");
          if (vars.size < 64) vars.set(w.slice(0, eq), w.slice(eq + 1));
        }
        continue;
      }
      if (vars.size > 0 && words.some((w) => w.includes("$"))) {
        const expanded = words
          .map((w) => w.replace(VAR_REF_RE, (m, a?: string, b?: string) => vars.get(a ?? b ?? "") ?? m))
          .join(" ");
        if (expanded !== words.join(" ")) analyseInto(expanded, out, depth + 1);
      }
      const simple = unwrap(words);
      if (simple.length === 0) continue;
      const name = basename(simple[0]!);
      const rest = simple.slice(1);
      // `/bin/r? -rf /`: a globbed command name is judged as each binary it could run.
      if (/[*?[]/.test(simple[0]!) && simple[0]!.length <= 256) {
        const re = shellGlob(name);
        for (const b of re ? GLOB_BINARIES.filter((x) => re.test(x)) : []) {
          analyseInto([b, ...rest.map(renderWord)].join(" "), out, depth + 1);
        }
      }
      const shown = rest.map(renderWord);
      const plain = shown.length > 0 ? `${name} ${shown.join(" ")}` : name;
      out.segments.push(plain);
      const [asc, desc] = canonicalise(name, rest, shown);
      out.canonical.push(asc);
      out.reversed.push(desc);
      for (let k = 0; k < rest.length; k++) out.words.push(rest[k]!);
      // A program run by path (`/etc/cron.daily/x`) is a file it reads too.
      if (simple[0]!.includes("/")) out.words.push(simple[0]!);
      rendered.push(plain);
      const lname = name.toLowerCase();
      // sh -c CODE, bash -lc CODE: the code is a command line of its own.
      if (SHELLS.has(lname)) {
        const ci = rest.findIndex((w) => /^-[a-z]*c[a-z]*$/i.test(w));
        if (ci !== -1 && rest[ci + 1] !== undefined) analyseInto(rest[ci + 1]!, out, depth + 1);
      } else if (lname === "eval") {
        analyseInto(rest.join(" "), out, depth + 1);
      } else if (INTERPRETERS.has(lname) || /^python[0-9.]*$/.test(lname)) {
        const ei = rest.findIndex((w) => /^-[a-z]*[ecrE]$/.test(w));
        if (ei !== -1 && rest[ei + 1] !== undefined) analyseCode(rest[ei + 1]!, out, depth + 1);
      }
    }
    if (rendered.length > 0) out.pipelines.push(rendered.join(" | "));
  }
}

/** The string literals of interpreter code (`system("rm -rf /")`), each as a command line, and all of them joined (argv lists). */
function analyseCode(code: string, out: Out, depth: number): void {
  const literals: string[] = [];
  for (const m of code.matchAll(STRING_LITERAL_RE)) {
    const lit = m[1] ?? m[2] ?? "";
    literals.push(lit);
    // A literal is also a file the code may open (`readFileSync('/etc/passwd')`).
    if (lit.length > 0 && lit.length <= 4096) out.words.push(lit);
    analyseInto(lit, out, depth);
  }
  if (literals.length > 1) analyseInto(literals.join(" "), out, depth);
}

/**
 * A word as it appears in a rendered command: a word that holds spaces or operators (quoted data,
 * `echo 'a | sh'`) keeps single quotes, so it cannot pass for the operators themselves.
 */
function renderWord(w: string): string {
  if (!/[\s|;&`]/.test(w) || /^\d*[<>]{1,2}$/.test(w)) return w;
  return `'${w.replaceAll("'", "'\\''")}'`;
}

/** Drops leading assignments and wrappers (`sudo -u x`, `env A=b`, `timeout 5`, `nice -n 5`). */
function unwrap(words: readonly string[]): string[] {
  let i = 0;
  for (let guard = 0; guard < 16 && i < words.length; guard++) {
    const w = words[i]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) {
      i++;
      continue;
    }
    const name = basename(w).toLowerCase();
    if (!WRAPPERS.has(name)) break;
    i++;
    // Skip the wrapper's own options and their values.
    while (i < words.length) {
      const o = words[i]!;
      if (o === "--") {
        i++;
        break;
      }
      if (o.startsWith("-")) {
        i++;
        if (/^-(?:u|g|n|c|s|k|p|C|I|L|P|E|d|S)$/.test(o) && name !== "env" && i < words.length) i++;
        continue;
      }
      if ((name === "timeout" || name === "watch") && /^\d+(?:\.\d+)?[smhd]?$/.test(o)) {
        i++;
        continue;
      }
      if (name === "env" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(o)) {
        i++;
        continue;
      }
      break;
    }
  }
  return words.slice(i) as string[];
}

/**
 * `rm --recursive -f -v x` → `rm -frv x` (and reversed, `rm -vrf x`): short flags merged and
 * sorted, known long flags mapped. `rendered` is `rest` through {@link renderWord}.
 */
function canonicalise(name: string, rest: readonly string[], rendered: readonly string[]): [string, string] {
  const lname = name.toLowerCase();
  if (NO_CLUSTER.has(lname)) {
    const same = `${name} ${rendered.join(" ")}`.trimEnd();
    return [same, same];
  }
  const longMap = LONG_FLAGS[lname];
  const letters = new Set<string>();
  const longs: string[] = [];
  const operands: string[] = [];
  let flagsDone = false;
  for (let k = 0; k < rest.length; k++) {
    const w = rest[k]!;
    if (flagsDone || w.length < 2 || w.charCodeAt(0) !== 45 /* - */) {
      operands.push(rendered[k]!);
      continue;
    }
    if (w === "--") {
      flagsDone = true;
      continue;
    }
    if (w.startsWith("--")) {
      const key = w.slice(2).split("=")[0]!.toLowerCase();
      const short = longMap?.[key];
      if (short) letters.add(short);
      else longs.push(w);
      continue;
    }
    if (/^-[A-Za-z]+$/.test(w)) {
      for (const ch of w.slice(1)) letters.add(lname === "rm" ? ch.toLowerCase() : ch);
      continue;
    }
    operands.push(rendered[k]!);
  }
  const tail = longs.sort().concat(operands).join(" ");
  if (letters.size === 0) {
    const same = tail ? `${name} ${tail}` : name;
    return [same, same];
  }
  const sorted = [...letters].sort();
  const asc = `${name} -${sorted.join("")}`;
  const desc = `${name} -${sorted.reverse().join("")}`;
  return tail ? [`${asc} ${tail}`, `${desc} ${tail}`] : [asc, desc];
}

/** Argument keys whose string values are shell command lines. */
export const COMMAND_KEYS: ReadonlySet<string> = new Set([
  "command",
  "commands",
  "cmd",
  "cmds",
  "cmdline",
  "command_line",
  "commandline",
  "script",
  "shell",
  "sh",
  "bash",
  "exec",
  "run",
  "code",
  "args",
  "argv",
  "program",
  "entrypoint",
  "shell_command",
  "bash_command",
]);

/** Argument keys whose values are text for people or files, never run as given. */
const PROSE_KEYS = new Set([
  "content",
  "contents",
  "text",
  "body",
  "message",
  "description",
  "note",
  "notes",
  "comment",
  "summary",
  "title",
  "prompt",
  "markdown",
  "html",
]);

/** First words that make a value a command line wherever it appears. */
const COMMAND_WORDS = new Set([
  "rm",
  "rmdir",
  "find",
  "dd",
  "mkfs",
  "shred",
  "sudo",
  "doas",
  "env",
  "sh",
  "bash",
  "zsh",
  "dash",
  "curl",
  "wget",
  "chmod",
  "chown",
  "perl",
  "python",
  "python3",
  "ruby",
  "node",
  "eval",
  "exec",
  "xargs",
  "true",
  "cd",
  "cat",
  "echo",
  "printf",
  "base64",
  "nohup",
  "timeout",
  "mv",
  "cp",
  "tar",
  "git",
  "npm",
  "ls",
]);

/** True when a value should be analysed as a command line: by its key, a shebang, or its first word. */
export function isCommandLike(value: string, key: string | undefined): boolean {
  if (key !== undefined && COMMAND_KEYS.has(key)) return true;
  if (value.startsWith("#!")) return true;
  // Prose fields ("cat /etc/passwd lists the accounts") are data, whatever their first word.
  if (key !== undefined && PROSE_KEYS.has(key)) return false;
  // The first word: skip leading whitespace and one backslash, then [A-Za-z0-9_./-]{1,64}.
  let i = 0;
  while (i < value.length && (value.charCodeAt(i) === 32 || value.charCodeAt(i) === 9 || value.charCodeAt(i) === 10))
    i++;
  if (value.charCodeAt(i) === 92) i++;
  let j = i;
  while (j < value.length && j - i < 65 && WORD_CHAR[value.charCodeAt(j)] === 1) j++;
  if (j === i || j - i > 64) return false;
  const first = value.slice(i, j);
  if (first.charCodeAt(0) === 47 && /^(?:\/usr)?\/s?bin\//.test(first)) return true;
  return COMMAND_WORDS.has(basename(first).toLowerCase());
}

/** [A-Za-z0-9_./-] */
const WORD_CHAR = new Uint8Array(65536);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-") WORD_CHAR[ch.charCodeAt(0)] = 1;
