/**
 * The arguments of one call as a flat list of leaves, each with its key path and lazily computed
 * match forms (raw, path-normalised, command-analysed). Built once per message, shared by every
 * rule; the walk is iterative and bounded (depth, node count, total string bytes), so hostile
 * nesting or size fails closed instead of overflowing the stack.
 */
import { LONG_VALUE } from "./glob.ts";
import {
  analyseCommand,
  COMMAND_KEYS,
  foldUnicode,
  isCommandLike,
  isPathLike,
  normalizePath,
  pathVariants,
} from "./normalize.ts";

export interface ArgLimits {
  /** Deepest nesting inside `arguments`. */
  readonly maxDepth: number;
  /** Most objects, arrays and values inside `arguments`. */
  readonly maxNodes: number;
  /** Most string bytes (UTF-16 code units) inside `arguments`. */
  readonly maxBytes: number;
}

export const DEFAULT_ARG_LIMITS: ArgLimits = Object.freeze({
  maxDepth: 64,
  maxNodes: 100_000,
  maxBytes: 8 * 1024 * 1024,
});

/** One value in the arguments, with what rules match against. */
export class Leaf {
  /** Key path, keys case-folded; array positions are `[n]`. */
  readonly path: readonly string[];
  /** The nearest object key above the value (case-folded), if any. */
  readonly key: string | undefined;
  readonly raw: string;
  readonly num: number | undefined;
  private readonly fold: boolean;
  private _primary: string | undefined;
  private _forms: readonly string[] | undefined;
  private _segments: readonly string[] | null | undefined;

  constructor(path: readonly string[], key: string | undefined, raw: string, num: number | undefined, fold: boolean) {
    this.path = path;
    this.key = key;
    this.raw = raw;
    this.num = num;
    this.fold = fold;
  }

  /** Case folding for matching; long values keep their case (the matchers fold, see LONG_VALUE). */
  private f(s: string): string {
    return this.fold && s.length <= LONG_VALUE ? s.toLowerCase() : s;
  }

  private _folded: string | undefined;
  /** True when Unicode folding changed the value (so the raw form must be matched too). */
  private _unicodeChanged = false;

  /** The raw value with Unicode folded (and case, if configured). */
  get folded(): string {
    if (this._folded === undefined) {
      const u = foldUnicode(this.raw);
      this._unicodeChanged = u !== this.raw;
      this._folded = this.f(u);
    }
    return this._folded;
  }

  /** The path-normalised value when the value looks like a path, else the folded value. */
  get primary(): string {
    if (this._primary === undefined) {
      if (isPathLike(this.raw)) {
        const n = normalizePath(this.raw);
        this._normalised = n;
        this._primary = n === this.raw ? this.folded : this.f(n);
      } else this._primary = this.folded;
    }
    return this._primary;
  }

  private _normalised: string | undefined;
  private _commandLike: boolean | undefined;
  /** True when the value is analysed as a shell command line (by key, shebang or first word). */
  get commandLike(): boolean {
    this._commandLike ??= isCommandLike(this.raw, this.key);
    return this._commandLike;
  }

  /** Simple commands of a command-like value (case-folded if configured), or null. */
  get segments(): readonly string[] | null {
    if (this._segments === undefined) {
      if (this.commandLike) {
        const a = analyseCommand(this.raw);
        this._segments = [...a.segments, ...a.canonical].map((s) => this.f(s));
      } else this._segments = null;
    }
    return this._segments;
  }

  /**
   * Every form a deny rule looks at: the raw value, its normalised form, and for command lines
   * each simple command (as written and canonical), each pipeline, and each path-like word as a path.
   */
  get forms(): readonly string[] {
    if (this._forms === undefined) {
      const forms: string[] = [this.folded];
      if (this._unicodeChanged) forms.push(this.f(this.raw));
      if (this.primary !== this.folded) forms.push(this.primary);
      const n = this._normalised;
      if (n !== undefined && this.raw.length < 4096) for (const v of pathVariants(this.raw, n)) forms.push(this.f(v));
      if (this.commandLike) {
        const set = new Set<string>(forms);
        const a = analyseCommand(this.raw);
        for (const s of a.segments) set.add(this.f(s));
        for (const s of a.canonical) set.add(this.f(s));
        for (const s of a.reversed) set.add(this.f(s));
        for (const s of a.pipelines) set.add(this.f(s));
        // Words are judged as paths only: a quoted sentence is data, not a command.
        for (const w of new Set(a.words)) {
          if (!PATHY_WORD.test(w) || !isPathLike(w)) continue;
          set.add(this.f(w));
          const n = normalizePath(w);
          set.add(this.f(n));
          for (const v of pathVariants(w, n)) set.add(this.f(v));
        }
        this._forms = [...set];
      } else this._forms = forms;
    }
    return this._forms;
  }
}

/** A word of a command line that may name a file: has a separator, a dot, `~`, `$` or `%`. */
const PATHY_WORD = /[/\\.~$%]|^id_/;

export type ArgsView =
  | { readonly ok: true; readonly leaves: readonly Leaf[] }
  | { readonly ok: false; readonly rule: string; readonly reason: string };

const PROGRAM_KEYS = new Set(["command", "cmd", "program", "executable", "binary", "bin", "exe", "file"]);
const ARGV_KEYS = new Set(["args", "argv", "arguments", "params", "parameters", "flags"]);

const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 4096;

/** Argument keys compare case- and Unicode-insensitively; folded keys are cached (they repeat). */
function foldKey(k: string): string {
  let f = KEY_CACHE.get(k);
  if (f === undefined) {
    f = foldUnicode(k).toLowerCase();
    if (KEY_CACHE.size >= KEY_CACHE_MAX) KEY_CACHE.clear();
    KEY_CACHE.set(k, f);
  }
  return f;
}

function quoteWord(w: string): string {
  return /[\s'"\\]/.test(w) ? `'${w.replaceAll("'", "'\\''")}'` : w;
}

/**
 * Flattens `arguments` into leaves. Strings, numbers and booleans are leaves; `null` is a leaf
 * with an empty value. Command lines split into arrays (`{command: "rm", args: ["-rf", "/"]}`,
 * `command: ["rm", "-rf", "/"]`) also give one joined leaf.
 */
export function buildArgs(args: unknown, fold: boolean, limits: ArgLimits = DEFAULT_ARG_LIMITS): ArgsView {
  const leaves: Leaf[] = [];
  if (args === undefined) return { ok: true, leaves };
  const flat = flatLeaves(args, fold, limits);
  if (flat) return { ok: true, leaves: flat };
  let nodes = 0;
  let bytes = 0;
  type Item = { v: unknown; path: string[]; key: string | undefined; depth: number };
  const stack: Item[] = [{ v: args, path: [], key: undefined, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, key, depth } = stack.pop()!;
    if (++nodes > limits.maxNodes) {
      return { ok: false, rule: "(arguments-too-large)", reason: `arguments have more than ${limits.maxNodes} values` };
    }
    if (typeof v === "string") {
      bytes += v.length;
      if (bytes > limits.maxBytes) {
        return {
          ok: false,
          rule: "(arguments-too-large)",
          reason: `arguments exceed ${limits.maxBytes} bytes of text`,
        };
      }
      leaves.push(new Leaf(path, key, v, numeric(v), fold));
      continue;
    }
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
      leaves.push(new Leaf(path, key, String(v), typeof v === "number" ? v : undefined, fold));
      continue;
    }
    if (v === null || typeof v !== "object") {
      leaves.push(new Leaf(path, key, "", undefined, fold));
      continue;
    }
    if (depth >= limits.maxDepth) {
      return {
        ok: false,
        rule: "(arguments-too-deep)",
        reason: `arguments nested deeper than ${limits.maxDepth} levels`,
      };
    }
    if (Array.isArray(v)) {
      if (key !== undefined && COMMAND_KEYS.has(key) && v.length > 0 && v.every((x) => typeof x === "string")) {
        leaves.push(new Leaf(path, key, (v as string[]).map(quoteWord).join(" "), undefined, fold));
      }
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, `[${i}]`], key, depth: depth + 1 });
      continue;
    }
    const o = v as Record<string, unknown>;
    let program: string | undefined;
    let argv: unknown[] | string | undefined;
    const entries = Object.keys(o);
    for (let i = entries.length - 1; i >= 0; i--) {
      const k = entries[i]!;
      const fk = foldKey(k);
      bytes += k.length;
      const child = o[k];
      if (PROGRAM_KEYS.has(fk) && typeof child === "string") program = child;
      if (ARGV_KEYS.has(fk) && (Array.isArray(child) || typeof child === "string")) argv = child;
      stack.push({ v: child, path: [...path, fk], key: fk, depth: depth + 1 });
    }
    if (program !== undefined && typeof argv === "string") {
      // {command: "rm", args: "-rf /"}: the arguments as a command-line fragment
      leaves.push(new Leaf([...path, "command"], "command", `${program} ${argv}`, undefined, fold));
    } else if (
      program !== undefined &&
      Array.isArray(argv) &&
      argv.every((x) => typeof x === "string" || typeof x === "number")
    ) {
      const joined = [program, ...argv.map((x) => quoteWord(String(x)))].join(" ");
      leaves.push(new Leaf([...path, "command"], "command", joined, undefined, fold));
    }
  }
  return { ok: true, leaves };
}

/**
 * The common case, fast: an object of a few short strings, numbers and booleans under ordinary
 * keys (nothing that would be joined into a command line). Anything else takes the full walk.
 */
function flatLeaves(args: unknown, fold: boolean, limits: ArgLimits): Leaf[] | undefined {
  if (typeof args !== "object" || args === null || Array.isArray(args)) return undefined;
  const o = args as Record<string, unknown>;
  const out: Leaf[] = [];
  let bytes = 0;
  let program = false;
  let argv = false;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const v = o[k];
    const fk = foldKey(k);
    program ||= PROGRAM_KEYS.has(fk);
    argv ||= ARGV_KEYS.has(fk);
    if (program && argv) return undefined; // joined into a command line by the full walk
    if (typeof v === "string") {
      bytes += v.length + k.length;
      if (bytes > 4096 || bytes > limits.maxBytes) return undefined;
      out.push(new Leaf([fk], fk, v, numeric(v), fold));
    } else if (typeof v === "number" || typeof v === "boolean") {
      out.push(new Leaf([fk], fk, String(v), typeof v === "number" ? v : undefined, fold));
    } else return undefined;
    if (out.length > 32) return undefined;
  }
  return out;
}

function numeric(s: string): number | undefined {
  if (s.length === 0 || s.length > 32) return undefined;
  const c = s.charCodeAt(0);
  // cheap reject: a number starts with a digit, a sign, a dot or whitespace
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 32)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(s) ? n : undefined;
}

/** A compiled argument key: a bare name (matches that key at any depth) or a rooted path. */
export type KeySpec =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "path"; readonly segs: readonly string[]; readonly indexed: boolean };

/** Parses `path`, `options.path`, `files[*].path`, `files[0].path`. */
export function parseKeySpec(spec: string): KeySpec {
  const s = foldKey(spec);
  if (!s.includes(".") && !s.includes("[")) return { kind: "name", name: s };
  const segs: string[] = [];
  for (const part of s.split(".")) {
    const m = /^([^[]*)((?:\[[^\]]*\])*)$/.exec(part);
    if (!m) {
      segs.push(part);
      continue;
    }
    if (m[1]) segs.push(m[1]);
    for (const idx of m[2]!.match(/\[[^\]]*\]/g) ?? []) segs.push(idx === "[]" ? "[*]" : idx);
  }
  return { kind: "path", segs, indexed: s.includes("[") };
}

/** True when the leaf is at, or inside, the place the spec names. */
export function specCovers(spec: KeySpec, leaf: Leaf): boolean {
  if (spec.kind === "name") return leaf.path.includes(spec.name);
  const path = spec.indexed ? leaf.path : leaf.path.filter((p) => !p.startsWith("["));
  if (path.length < spec.segs.length) return false;
  for (let i = 0; i < spec.segs.length; i++) {
    const want = spec.segs[i]!;
    const got = path[i]!;
    if (want === "*" || want === got) continue;
    if (want === "[*]" && got.startsWith("[")) continue;
    return false;
  }
  return true;
}
