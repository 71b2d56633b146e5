/**
 * What keeps secrets out of audit records, whatever the detectors' modes:
 *   1. members whose name says they hold a credential (password, token, api_key, …) are replaced;
 *   2. everything the secrets/PII detector would redact is redacted (its `redactDeep`);
 *   3. `Bearer …` / `Basic …` credentials inside any string are replaced.
 * Runs in the writer worker, never on the hot path.
 */
import { redactDeep } from "../interceptors/pii/redact.ts";

export const REDACTED = "[REDACTED]";

/** Member names that hold credentials. Anchored alternatives, linear time. */
const SECRET_KEY_RE =
  /^(?:.*[_-])?(?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|auth(?:orization)?|cookie|credentials?|private[_-]?key|session[_-]?key|client[_-]?secret|signing[_-]?key)$/i;
const AUTH_SCHEME_RE = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g;

const MAX_DEPTH = 64;

function byKey(value: unknown, depth: number): { value: unknown; count: number } {
  if (value === null || typeof value !== "object") {
    if (typeof value === "string" && AUTH_SCHEME_RE.test(value)) {
      AUTH_SCHEME_RE.lastIndex = 0;
      let count = 0;
      const v = value.replace(AUTH_SCHEME_RE, (_m, scheme: string) => {
        count++;
        return `${scheme} ${REDACTED}`;
      });
      return { value: v, count };
    }
    AUTH_SCHEME_RE.lastIndex = 0;
    return { value, count: 0 };
  }
  if (depth >= MAX_DEPTH) return { value: REDACTED, count: 1 };
  let count = 0;
  if (Array.isArray(value)) {
    const out = value.map((v) => {
      const r = byKey(v, depth + 1);
      count += r.count;
      return r.value;
    });
    return { value: out, count };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY_RE.test(k) && v !== null && v !== "" && typeof v !== "boolean") {
      out[k] = REDACTED;
      count++;
      continue;
    }
    const r = byKey(v, depth + 1);
    // A secret may be a member name too.
    const name = redactDeep(k);
    out[name.count > 0 ? (name.value as string) : k] = r.value;
    count += r.count + name.count;
  }
  return { value: out, count };
}

/** Redacts a value for the audit log. Never returns the input object itself when it changed. */
export function redactForAudit(value: unknown): unknown {
  const first = byKey(value, 0);
  return redactDeep(first.value).value;
}

/** Redacts one string (reasons, excerpts, resource URIs). */
export function redactText(text: string): string {
  return redactForAudit(text) as string;
}
