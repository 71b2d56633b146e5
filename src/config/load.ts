/**
 * YAML text → validated value, with errors that point at file:line:col.
 *
 * 1. Parse with `yaml` keeping node ranges (LineCounter).
 * 2. Expand `${VAR}` and `${VAR:-default}` inside scalar *values* only (never keys, never
 *    across structure): an unset variable without a default is an error at that value.
 * 3. Validate with a strict zod schema; each issue is mapped back to the node it names.
 */
import { readFileSync } from "node:fs";
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.ts";

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Env = Readonly<Record<string, string | undefined>>;

/** Most alias (`*name`) expansions in one document: guards against "billion laughs" files. */
const MAX_ALIAS_COUNT = 100;

/** Expands `${VAR}` / `${VAR:-default}` in one string; returns the missing variable names. */
export function expandVars(text: string, env: Env): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(VAR_RE, (_all, name: string, def: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== "") return v;
    if (def !== undefined) return def;
    if (v === "") return v;
    missing.push(name);
    return "";
  });
  return { value, missing };
}

function keyPath(path: readonly unknown[]): (string | number)[] {
  return path.map((p) => (typeof p === "symbol" ? String(p) : (p as string | number)));
}

export interface LoadedDocument<T> {
  readonly value: T;
  readonly file: string;
}

/**
 * Parses and validates YAML text against `schema`. Throws {@link ConfigError} listing every
 * problem with its position.
 */
export function loadYaml<S extends z.ZodType>(
  src: string,
  schema: S,
  file: string,
  env: Env = process.env,
  overrides?: Readonly<Record<string, unknown>>,
  /** For each override path, where its value came from (named in errors instead of a file position). */
  sources?: Readonly<Record<string, string>>,
): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(src, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const pos = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const lp = lineCounter.linePos(offset);
    return { line: lp.line, col: lp.col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: "",
        ...pos(e.pos[0]),
        message:
          e.code === "MULTIPLE_DOCS"
            ? "a file holds one YAML document; remove the second `---` section"
            : e.message.split("\n")[0]!,
      })),
    );
  }
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== "string" || !node.value.includes("${")) return;
      // Only values: a scalar that is the key of a pair is left alone.
      const parent = path[path.length - 1];
      if (isPair(parent) && parent.key === node) return;
      const { value, missing } = expandVars(node.value, env);
      if (missing.length > 0) {
        issues.push({
          path: "",
          ...pos(node.range?.[0]),
          message: `environment variable ${missing.map((m) => `\${${m}}`).join(", ")} is not set and has no default`,
        });
      }
      // A plain (unquoted) `${PORT}` keeps YAML's typing of what it expands to, as if it had
      // been written there: numbers and booleans stay numbers and booleans.
      node.value = node.type === "PLAIN" ? retype(value) : value;
    },
  });
  if (issues.length > 0) throw new ConfigError(file, issues);

  let raw: unknown;
  try {
    // Anchors and aliases are allowed, but a document that expands them past this is refused.
    raw = (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as unknown;
  } catch (e) {
    const message = /alias/i.test((e as Error).message)
      ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}); write the values out`
      : (e as Error).message;
    throw new ConfigError(file, [{ path: "", message }]);
  }
  if (overrides)
    for (const [path, v] of Object.entries(overrides)) if (v !== undefined) setPath(raw, path.split("."), v);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    file,
    parsed.error.issues.map((issue) => {
      const path = keyPath(issue.path);
      const dotted = path.join(".");
      const from = sources && overrides ? overrideSource(dotted, overrides, sources) : undefined;
      if (from !== undefined) return { path: dotted, message: issue.message, source: from };
      let message = issue.message;
      let at: (string | number)[] = path;
      if (issue.code === "unrecognized_keys") {
        const keys = issue.keys;
        message = `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}`;
        at = [...path, keys[0]!];
        const node = findKeyNode(doc.contents, at);
        return { path: path.join("."), ...pos(node?.range?.[0]), message };
      }
      const node = nearestNode(doc.contents, at);
      return { path: path.join("."), ...pos(node?.range?.[0]), message };
    }),
  );
}

/** The source of the override that set `dotted` (or one of its ancestors), if any. */
function overrideSource(
  dotted: string,
  overrides: Readonly<Record<string, unknown>>,
  sources: Readonly<Record<string, string>>,
): string | undefined {
  for (const [path, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    if (dotted === path || dotted.startsWith(`${path}.`)) return sources[path];
  }
  return undefined;
}

function retype(v: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v === "true" || v === "false") return v === "true";
  return v;
}

/** Sets a dotted path in a plain object tree, creating objects on the way (for flag/env overrides). */
function setPath(root: unknown, path: readonly string[], value: unknown): void {
  if (typeof root !== "object" || root === null) return;
  let node = root as Record<string, unknown>;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** The node at `path`, or the deepest existing ancestor. */
function nearestNode(root: unknown, path: readonly (string | number)[]): Node | undefined {
  let node: unknown = root;
  let last: Node | undefined = isNode(root) ? root : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
    } else break;
    if (isNode(node)) last = node;
  }
  return last;
}

/** The key node of the last segment (for unknown keys, point at the key itself). */
function findKeyNode(root: unknown, path: readonly (string | number)[]): Node | undefined {
  const parent = nearestNode(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
    if (pair && isNode(pair.key)) return pair.key;
  }
  return parent;
}

/** Reads and validates a YAML file. */
export function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  env: Env = process.env,
  overrides?: Readonly<Record<string, unknown>>,
  sources?: Readonly<Record<string, string>>,
): z.output<S> {
  let src: string;
  try {
    src = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, [
      { path: "", message: `cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` },
    ]);
  }
  return loadYaml(src, schema, file, env, overrides, sources);
}
