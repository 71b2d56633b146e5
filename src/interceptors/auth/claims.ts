/** Reading subject, roles, scopes and labels out of token claims. */

const MAX_LIST = 256;
const MAX_ITEM = 256;

/**
 * The claim at `path`: the literal key first (claims such as "https://example.com/roles" hold
 * dots), then a dotted walk ("realm_access.roles").
 */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  if (!path.includes(".")) return undefined;
  let cur: unknown = claims;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** An array of strings, or a space-separated string (OAuth `scope`), as a bounded list. */
export function stringList(value: unknown): string[] {
  let items: unknown[];
  if (typeof value === "string") items = value.split(" ");
  else if (Array.isArray(value)) items = value;
  else return [];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== "string" || item.length === 0 || item.length > MAX_ITEM) continue;
    out.push(item);
    if (out.length >= MAX_LIST) break;
  }
  return out;
}

/** A claim value as a label string: strings and numbers as they are, lists joined by ",". */
export function labelValue(value: unknown): string | undefined {
  if (typeof value === "string") return value.slice(0, MAX_ITEM);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const list = stringList(value);
    return list.length ? list.join(",").slice(0, MAX_ITEM) : undefined;
  }
  return undefined;
}
