/**
 * Pure, dependency-free redaction API (no session state, no I/O): safe to call from the audit
 * writer on every record and from worker threads.
 *
 * - {@link findSecrets}: every secret / PII value in a string, as non-overlapping spans.
 * - {@link redactString}: the string with each value replaced by `[REDACTED:<category>]`.
 * - {@link redactDeep}: the same inside every string value of a JSON-like tree; object keys,
 *   numbers, booleans and the tree's shape are kept, so a redacted JSON value stays valid JSON.
 */
import { type Category, detect, type Match } from "./detect.ts";

export type { Category, Match } from "./detect.ts";
export { CATEGORIES, SECRET_CATEGORIES } from "./detect.ts";

/** Deepest nesting {@link redactDeep} walks; deeper subtrees are replaced whole (fail closed). */
export const MAX_REDACT_DEPTH = 4096;

/** Secrets and personal data in `text`, ordered by position, never overlapping. */
export function findSecrets(text: string): Match[] {
  if (text.length < 6) return [];
  return detect(text);
}

/** The marker that replaces a value of the given category. */
export function redactionMarker(category: Category | string): string {
  return `[REDACTED:${category}]`;
}

/** Replaces the given matches (as returned by {@link findSecrets} for `text`) with markers. */
export function applyRedactions(text: string, matches: readonly Match[]): string {
  if (matches.length === 0) return text;
  let out = "";
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + redactionMarker(m.category);
    at = m.end;
  }
  return out + text.slice(at);
}

/** `text` with every detected value replaced by `[REDACTED:<category>]`, and how many were replaced. */
export function redactString(text: string): { text: string; count: number } {
  const matches = findSecrets(text);
  return { text: applyRedactions(text, matches), count: matches.length };
}

/**
 * A copy of `value` in which every secret or PII value inside a string is replaced by
 * `[REDACTED:<category>]`. Only strings change; keys, numbers, booleans, null and the structure
 * are kept. The input is never mutated. Subtrees without findings are shared with the input rather
 * than copied, so treat both as immutable. `count` is the number of values replaced.
 */
export function redactDeep(value: unknown): { value: unknown; count: number } {
  const counter = { count: 0 };
  const out = walk(value, counter, 0);
  return { value: out, count: counter.count };
}

function walk(value: unknown, counter: { count: number }, depth: number): unknown {
  if (typeof value === "string") {
    const matches = findSecrets(value);
    if (matches.length === 0) return value;
    counter.count += matches.length;
    return applyRedactions(value, matches);
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_REDACT_DEPTH) {
    counter.count++;
    return redactionMarker("too_deep");
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = walk(item, counter, depth + 1);
      if (next !== item && copy === null) copy = value.slice(0, i);
      if (copy !== null) copy.push(next);
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | null = null;
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const item = source[key];
    const next = walk(item, counter, depth + 1);
    if (next !== item && copy === null) {
      copy = {};
      for (let p = 0; p < k; p++) defineValue(copy, keys[p]!, source[keys[p]!]);
    }
    if (copy !== null) defineValue(copy, key, next);
  }
  return copy ?? value;
}

/** Sets an own data property even for keys such as `__proto__` (JSON.parse creates those as own keys). */
function defineValue(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
