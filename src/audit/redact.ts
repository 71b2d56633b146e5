/**
 * What keeps secrets out of audit records, whatever the detectors' modes:
 *   1. members whose name says they hold a credential (password, token, api_key, …) are replaced;
 *   2. everything the secrets/PII detector would redact is redacted (its `redactDeep`);
 *   3. `Bearer …` / `Basic …` credentials inside any string are replaced.
 * Runs in the writer worker, never on the hot path.
 */
import { applyRedactions, findSecrets, redactDeep } from "../interceptors/pii/redact.ts";

export const REDACTED = "[REDACTED]";

/** Member names that hold credentials. Anchored alternatives, linear time. */
const SECRET_KEY_RE =
  /^(?:.*[_-])?(?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|auth(?:orization)?|cookie|credentials?|private[_-]?key|session[_-]?key|client[_-]?secret|signing[_-]?key)$/i;
const AUTH_SCHEME_RE = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g;

const MAX_DEPTH = 64;

/**
 * Step 1 and 3 (credential members, auth schemes). Copy-on-write: an array or object none of
 * whose members changed is returned as it is (the value comes from JSON.parse in the writer and
 * is not shared), so a typical record allocates nothing here. A `__proto__` member always takes
 * the copy, which assigns it as the member-by-member copy always did.
 */
function byKey(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "string" && AUTH_SCHEME_RE.test(value)) {
      AUTH_SCHEME_RE.lastIndex = 0;
      return value.replace(AUTH_SCHEME_RE, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    }
    AUTH_SCHEME_RE.lastIndex = 0;
    return value;
  }
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const next = byKey(v, depth + 1);
      if (out === undefined && next !== v) out = value.slice(0, i);
      if (out !== undefined) out.push(next);
    }
    return out ?? value;
  }
  const src = value as Record<string, unknown>;
  const keys = Object.keys(src);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = src[k];
    let name = k;
    let next: unknown;
    if (SECRET_KEY_RE.test(k) && v !== null && v !== "" && typeof v !== "boolean") next = REDACTED;
    else {
      next = byKey(v, depth + 1);
      // A secret may be a member name too.
      name = redactString1(k);
    }
    if (out === undefined && (next !== v || name !== k || k === "__proto__")) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = src[keys[j]!];
    }
    if (out !== undefined) out[name] = next;
  }
  return out ?? value;
}

/** Step 2 for one string: what `redactDeep` does to it, without its result objects. */
function redactString1(text: string): string {
  const matches = findSecrets(text);
  return matches.length === 0 ? text : applyRedactions(text, matches);
}

/** Redacts a value for the audit log. Never returns the input object itself when it changed. */
export function redactForAudit(value: unknown): unknown {
  const first = byKey(value, 0);
  if (typeof first === "string") return redactString1(first);
  return redactDeep(first).value;
}

/** Redacts one string (reasons, excerpts, resource URIs). */
export function redactText(text: string): string {
  return redactForAudit(text) as string;
}
