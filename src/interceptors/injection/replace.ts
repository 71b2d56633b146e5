/**
 * Replaces the strings at given JSON paths with a notice, returning a new value (the input is
 * never mutated). Paths are the ones {@link extractSegments} produced for the same payload, so
 * this walk mirrors its traversal for content payloads. The result keeps its structure: only
 * string values change.
 */
import { MAX_WALK_DEPTH, type PayloadKind } from "../detect/index.ts";

const SKIP = new Set(["type", "mimeType", "_meta", "id", "progressToken", "jsonrpc"]);

function walk(v: unknown, path: string, depth: number, paths: ReadonlySet<string>, notice: string): unknown {
  if (typeof v === "string") return paths.has(path) ? notice : v;
  if (v === null || typeof v !== "object" || depth >= MAX_WALK_DEPTH) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const r = walk(v[i], `${path}[${i}]`, depth + 1, paths, notice);
      if (r !== v[i]) {
        out ??= v.slice();
        out[i] = r;
      }
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (SKIP.has(k)) continue;
    const child = o[k];
    let r: unknown;
    if (k === "blob" && typeof child === "string")
      r = paths.has(`${path}.blob`) ? Buffer.from(notice).toString("base64") : child;
    else r = walk(child, `${path}.${k}`, depth + 1, paths, notice);
    if (r !== child) {
      out ??= { ...o };
      out[k] = r;
    }
  }
  return out ?? v;
}

export function replaceStrings(
  kind: Exclude<PayloadKind, "tools_list">,
  value: unknown,
  base: string,
  paths: ReadonlySet<string>,
  notice: string,
): unknown {
  if (kind === "tool_arguments" || kind === "server_request") return value;
  return walk(value, base, 0, paths, notice);
}
