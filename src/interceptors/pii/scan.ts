/**
 * Scans a JSON-like value for secrets and PII and returns where each value sits, a redacted
 * excerpt, and (optionally) the value with chosen categories redacted. Pure and session-free, so
 * it can run on a worker thread.
 */
import { type Category, SECRET_CATEGORIES } from "./detect.ts";
import { applyRedactions, findSecrets, MAX_REDACT_DEPTH, type Match, redactionMarker } from "./redact.ts";

export interface PiiHit {
  readonly category: Category;
  /** JSON path of the string holding the value, e.g. `params.arguments.body` or `result.content[0].text`. */
  readonly path: string;
  /** Up to ~60 characters around the value, with every detected value replaced by its marker. */
  readonly excerpt: string;
  /** Whether the value was replaced in the returned value. */
  readonly redacted: boolean;
}

export interface ScanOptions {
  /** Categories to report (default: all). */
  readonly categories?: ReadonlySet<Category>;
  /** Categories to replace in the returned value (default: none, i.e. detect only). */
  readonly redact?: ReadonlySet<Category>;
  /** Path prefix for reported paths, e.g. `params.arguments`. */
  readonly path?: string;
  /** Most hits returned (the count still covers all). Default 100. */
  readonly maxHits?: number;
  /** Object keys not descended into at any depth (e.g. `nextCursor`). */
  readonly skipKeys?: ReadonlySet<string>;
}

export interface ScanResult {
  /** The value with `redact` categories replaced; the input itself when nothing was replaced. */
  readonly value: unknown;
  /** Values found (including those beyond `maxHits`). */
  readonly count: number;
  /** Values replaced. */
  readonly redactedCount: number;
  readonly hits: readonly PiiHit[];
}

const EXCERPT_CONTEXT = 24;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (IDENT.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

class Scanner {
  count = 0;
  redactedCount = 0;
  readonly hits: PiiHit[] = [];
  /**
   * The keys and indices from the root to the value being walked. A hit's path is built from
   * them only when there is a hit: most strings hold nothing, and building every node's path
   * string was most of a small message's scan.
   */
  private readonly keys: (string | number)[] = [];
  constructor(
    readonly categories: ReadonlySet<Category> | undefined,
    readonly redact: ReadonlySet<Category>,
    readonly maxHits: number,
    readonly skipKeys: ReadonlySet<string> | undefined,
    readonly root: string,
  ) {}

  private path(): string {
    let path = this.root;
    for (const k of this.keys) path = childPath(path, k);
    return path;
  }

  string(text: string): string {
    let matches: Match[] = findSecrets(text);
    if (matches.length === 0) return text;
    const wanted = this.categories;
    if (wanted) matches = matches.filter((m) => wanted.has(m.category));
    if (matches.length === 0) return text;
    this.count += matches.length;
    const path = this.path();
    // Excerpts come from the fully redacted text, so even detect-only values never leak into them.
    let shown = "";
    let at = 0;
    const markerAt: number[] = [];
    for (const m of matches) {
      shown += text.slice(at, m.start);
      markerAt.push(shown.length);
      shown += redactionMarker(m.category);
      at = m.end;
    }
    shown += text.slice(at);
    const toRedact: Match[] = [];
    for (let i = 0; i < matches.length; i++) {
      const m = matches[i]!;
      const redacted = this.redact.has(m.category);
      if (redacted) toRedact.push(m);
      if (this.hits.length < this.maxHits) {
        const from = Math.max(0, markerAt[i]! - EXCERPT_CONTEXT);
        const to = Math.min(shown.length, markerAt[i]! + redactionMarker(m.category).length + EXCERPT_CONTEXT);
        const excerpt =
          (from > 0 ? "…" : "") + shown.slice(from, to).replace(/\s+/g, " ") + (to < shown.length ? "…" : "");
        this.hits.push({ category: m.category, path, excerpt, redacted });
      }
    }
    if (toRedact.length === 0) return text;
    this.redactedCount += toRedact.length;
    return applyRedactions(text, toRedact);
  }

  walk(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.string(value);
    if (value === null || typeof value !== "object") return value;
    // Deeper than any accepted message should be: refuse rather than pass part of it unscanned
    // (the interceptor lets this propagate, and the chain fails closed).
    if (depth >= MAX_REDACT_DEPTH) throw new RangeError(`value nested deeper than ${MAX_REDACT_DEPTH} levels`);
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        this.keys.push(i);
        const next = this.walk(item, depth + 1);
        this.keys.pop();
        if (next !== item && copy === null) copy = value.slice(0, i);
        if (copy !== null) copy.push(next);
      }
      return copy ?? value;
    }
    const source = value as Record<string, unknown>;
    const keys = Object.keys(source);
    let copy: Record<string, unknown> | null = null;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const item = source[key];
      let next = item;
      if (this.skipKeys?.has(key) !== true) {
        this.keys.push(key);
        next = this.walk(item, depth + 1);
        this.keys.pop();
      }
      if (next !== item && copy === null) {
        copy = {};
        for (let p = 0; p < k; p++) setOwn(copy, keys[p]!, source[keys[p]!]);
      }
      if (copy !== null) setOwn(copy, key, next);
    }
    return copy ?? value;
  }
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

const NO_CATEGORIES: ReadonlySet<Category> = new Set();

/**
 * Finds secrets and PII in every string of `value`; redacts the `redact` categories in the copy it
 * returns. Throws a RangeError for values nested deeper than {@link MAX_REDACT_DEPTH}.
 */
export function scanDeep(value: unknown, options: ScanOptions = {}): ScanResult {
  const scanner = new Scanner(
    options.categories,
    options.redact ?? NO_CATEGORIES,
    options.maxHits ?? 100,
    options.skipKeys,
    options.path ?? "",
  );
  const out = scanner.walk(value, 0);
  return { value: out, count: scanner.count, redactedCount: scanner.redactedCount, hits: scanner.hits };
}

/** Severity of a category: private keys are critical, other credentials high, personal data medium. */
export function severityOf(category: Category): "critical" | "high" | "medium" {
  if (category === "private_key") return "critical";
  return SECRET_CATEGORIES.has(category) ? "high" : "medium";
}
