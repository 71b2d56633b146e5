/**
 * Duplicate object keys in raw JSON text. `JSON.parse` keeps the last of two equal keys while
 * other parsers keep the first, so `{"command":"ls","command":"rm -rf /"}` can mean different
 * things to the gateway and to the server. {@link hasConflictingDuplicateKeys} finds keys that
 * occur twice in one object with different values (the same value twice is harmless).
 *
 * One linear pass over the text, no recursion: a stack of per-object key maps. Keys are
 * compared after JSON unescaping (`"\u0063ommand"` is `"command"`); values by their raw text.
 * Only called on frames that can carry tool arguments, so ordinary traffic pays nothing.
 */

/**
 * Returns true when some object in `text` has the same key twice with different raw values.
 *
 * `parsed`, when given, must be `JSON.parse(text)`: then a text with no more colons than the
 * parsed objects have members is answered without the scan. Each member in the text has one
 * colon outside strings, and a duplicate makes the text's members outnumber the parsed ones, so
 * `colons(text) === members(parsed)` rules duplicates out (colons inside strings only add).
 */
export function hasConflictingDuplicateKeys(text: string, parsed?: unknown): boolean {
  if (parsed !== undefined && colonsAtMost(text, countMembers(parsed))) return false;
  type Frame = { keys: Map<string, string> | null; isObject: boolean; pendingKey: string | null; valueStart: number };
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  let expectKey = false;
  let lastKey: string | null = null;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i;
      let q = start;
      for (;;) {
        q = text.indexOf('"', q + 1);
        if (q === -1) {
          q = n;
          break;
        }
        let b = q - 1;
        while (b > start && text.charCodeAt(b) === 92) b--;
        if ((q - 1 - b) % 2 === 0) break;
      }
      const end = q + 1;
      i = end;
      if (expectKey) {
        const rawKey = text.slice(start, end);
        let key = rawKey.slice(1, -1);
        if (rawKey.includes("\\")) {
          try {
            key = JSON.parse(rawKey) as string;
          } catch {
            // malformed string: JSON.parse of the frame fails anyway
          }
        }
        lastKey = key;
        expectKey = false;
      }
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      stack.push({ keys: null, isObject: c === 123, pendingKey: null, valueStart: 0 });
      expectKey = c === 123;
      i++;
      continue;
    }
    if (c === 58 /* : */) {
      const top = stack[stack.length - 1];
      if (top?.isObject) {
        top.pendingKey = lastKey;
        top.valueStart = i + 1;
      }
      i++;
      continue;
    }
    if (c === 44 /* , */) {
      const top = stack[stack.length - 1];
      if (top?.isObject) {
        if (recordPending(top, i)) return true;
        expectKey = true;
      }
      i++;
      continue;
    }
    if (c === 125 /* } */ || c === 93 /* ] */) {
      const top = stack.pop();
      if (top?.isObject && recordPending(top, i)) return true;
      i++;
      continue;
    }
    i++;
  }
  return false;

  function recordPending(top: Frame, end: number): boolean {
    if (top.pendingKey === null) return false;
    const key = top.pendingKey;
    const value = text.slice(top.valueStart, end).trim();
    top.pendingKey = null;
    top.keys ??= new Map();
    const prev = top.keys.get(key);
    if (prev !== undefined) return prev !== value;
    top.keys.set(key, value);
    return false;
  }
}

/** Members of every object in a parsed JSON value (iterative; JSON values have no cycles). */
function countMembers(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  const stack: object[] = [v];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (const c of node) if (typeof c === "object" && c !== null) stack.push(c);
      continue;
    }
    for (const k in node) {
      n++;
      const c = (node as Record<string, unknown>)[k];
      if (typeof c === "object" && c !== null) stack.push(c);
    }
  }
  return n;
}

/** True when `text` has at most `max` colons (native indexOf hops). */
function colonsAtMost(text: string, max: number): boolean {
  let seen = 0;
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) if (++seen > max) return false;
  return true;
}

/** Cheap pre-check: only frames that may carry tool or prompt arguments are scanned. */
export function mayCarryArguments(text: string): boolean {
  return text.includes("tools/call") || text.includes("prompts/get");
}
