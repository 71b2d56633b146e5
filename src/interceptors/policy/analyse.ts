/**
 * Static analysis of a valid policy for `mcpgw policy validate` and `policy diff`: rules that
 * can never match (shadowed by an earlier rule, or with conditions that contradict each other),
 * patterns that can never match a normalised value, and a rule-by-rule comparison of two policies.
 */
import { MCP_METHODS } from "../../jsonrpc/methods.ts";

import { compileGlob } from "./glob.ts";
import type { Policy, PolicyRule } from "./schema.ts";

export interface PolicyWarning {
  /** Path into the policy document, e.g. ["rules", 3, "match", "methods", 0]. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const hasWildcard = (p: string) => p.includes("*") || p.includes("?");

/** True when glob list `outer` (absent = anything) matches every string `inner` (absent = anything) can. */
function covers(outer: readonly string[] | undefined, inner: readonly string[] | undefined, fold: boolean): boolean {
  if (!outer || outer.length === 0) return true;
  if (!inner || inner.length === 0) return outer.some((p) => p === "*");
  const ms = outer.map((p) => compileGlob(p, fold));
  // A pattern is covered when some outer glob matches the pattern text itself (wildcards as literals).
  return inner.every((p) => ms.some((m) => m(p)) || outer.includes(p));
}

function argConditions(r: PolicyRule): number {
  const m = r.match;
  return (
    Object.keys(m.arguments ?? {}).length +
    Object.keys(m.args ?? {}).length +
    Object.keys(m.argument_patterns ?? {}).length +
    Object.keys(m.numeric ?? {}).length +
    (m.any_argument?.length ?? 0) +
    (m.any_argument_patterns?.length ?? 0) +
    (m.paths_outside?.length ?? 0)
  );
}

/** True when every message rule `b` matches is also matched by the earlier rule `a`. */
function shadows(a: PolicyRule, b: PolicyRule, fold: boolean): boolean {
  if (argConditions(a) > 0) return false;
  const am = a.match;
  const bm = b.match;
  const ad = new Set(am.directions ?? ["c2s"]);
  if (!(bm.directions ?? ["c2s"]).every((d) => ad.has(d))) return false;
  return (
    covers(am.methods, bm.methods, false) &&
    covers(am.tools, bm.tools, fold) &&
    covers(am.prompts, bm.prompts, fold) &&
    covers(am.resources, bm.resources, fold) &&
    covers(am.subjects, bm.subjects, false) &&
    covers(am.roles, bm.roles, false) &&
    covers(am.upstreams, bm.upstreams, false)
  );
}

function methodsMayBe(methods: readonly string[] | undefined, wanted: readonly string[]): boolean {
  if (!methods || methods.length === 0) return true;
  return methods.some((p) => {
    const m = compileGlob(p);
    return wanted.some((w) => m(w));
  });
}

/** Warnings for a policy that loaded without errors. */
export function analysePolicy(policy: Policy): PolicyWarning[] {
  const out: PolicyWarning[] = [];
  const fold = !policy.case_sensitive;
  policy.rules.forEach((rule, i) => {
    const m = rule.match;
    const at = (...rest: (string | number)[]) => ["rules", i, ...rest];
    for (let j = 0; j < i; j++) {
      const earlier = policy.rules[j]!;
      if (shadows(earlier, rule, fold)) {
        out.push({
          path: at("name"),
          message: `rule "${rule.name}" can never match: the earlier rule "${earlier.name}" (rules[${j}]) matches everything it does`,
        });
        break;
      }
    }
    (m.methods ?? []).forEach((p, k) => {
      if (!hasWildcard(p) && !MCP_METHODS.includes(p)) {
        out.push({ path: at("match", "methods", k), message: `method "${p}" is not an MCP method (typo?)` });
      } else if (hasWildcard(p) && !MCP_METHODS.some((x) => compileGlob(p)(x))) {
        out.push({ path: at("match", "methods", k), message: `method pattern "${p}" matches no MCP method` });
      }
    });
    const needs = (key: string, methods: string[]) => {
      if (!methodsMayBe(m.methods, methods)) {
        out.push({
          path: at("match", key),
          message: `${key} only applies to ${methods.join(", ")}, which this rule's methods never match: the rule can never match`,
        });
      }
    };
    if (m.tools) needs("tools", ["tools/call"]);
    if (m.prompts) needs("prompts", ["prompts/get"]);
    if (m.resources) needs("resources", ["resources/read", "resources/subscribe", "resources/unsubscribe"]);
    if (argConditions(rule) > 0) {
      const key = m.arguments
        ? "arguments"
        : m.args
          ? "args"
          : Object.keys(m).find((k) => k.includes("argument") || k === "numeric" || k === "paths_outside")!;
      needs(key, ["tools/call", "prompts/get"]);
    }
    for (const key of ["arguments", "args"] as const) {
      for (const [name, globs] of Object.entries(m[key] ?? {})) {
        globs.forEach((g, k) => {
          if (g.length > 1 && g.endsWith("/") && !g.endsWith("*/")) {
            out.push({
              path: at("match", key, name, k),
              message: `pattern "${g}" ends with "/": normalised paths never do, so it only matches raw values (use "${g}*")`,
            });
          }
          if (g.includes("\\")) {
            out.push({
              path: at("match", key, name, k),
              message: `pattern "${g}" contains "\\": paths are normalised to "/" before matching`,
            });
          }
        });
      }
    }
    for (const [name, res] of Object.entries(m.argument_patterns ?? {})) {
      res.forEach((re, k) => {
        if (/\$(?!$)[^|)]/.test(re) && !re.includes("\\$")) {
          out.push({
            path: at("match", "argument_patterns", name, k),
            message: `regex "${re}" has text after "$": it can never match`,
          });
        }
      });
    }
  });
  return out;
}

export interface DiffEntry {
  readonly type: "added" | "removed" | "changed";
  /** "rule", "mode", "case_sensitive", "response_patterns", "allowed_tools", "limits" */
  readonly section: string;
  readonly name: string;
  readonly detail: string;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

function ruleFields(r: PolicyRule): Record<string, unknown> {
  const m = { ...r.match } as Record<string, unknown>;
  if (m.args && !m.arguments) {
    m.arguments = m.args;
    delete m.args;
  }
  return { id: r.id, action: r.action, mode: r.mode, message: r.message, ...m };
}

/** Rules by name: added, removed, changed (which fields) and moved (order decides: first match wins). */
export function diffPolicies(a: Policy, b: Policy): DiffEntry[] {
  const out: DiffEntry[] = [];
  const scalar = (section: string, x: unknown, y: unknown) => {
    if (stable(x) !== stable(y))
      out.push({ type: "changed", section, name: section, detail: `${stable(x)} → ${stable(y)}` });
  };
  scalar("mode", a.mode, b.mode);
  scalar("case_sensitive", a.case_sensitive, b.case_sensitive);
  const oldRules = new Map(a.rules.map((r, i) => [r.name, { r, i }]));
  const newRules = new Map(b.rules.map((r, i) => [r.name, { r, i }]));
  for (const [name, { r }] of oldRules) {
    if (!newRules.has(name)) out.push({ type: "removed", section: "rule", name, detail: `action=${r.action}` });
  }
  for (const [name, { r, i }] of newRules) {
    const old = oldRules.get(name);
    if (!old) {
      out.push({ type: "added", section: "rule", name, detail: `action=${r.action} at position ${i + 1}` });
      continue;
    }
    const fa = ruleFields(old.r);
    const fb = ruleFields(r);
    const changed = [...new Set([...Object.keys(fa), ...Object.keys(fb)])]
      .filter((k) => stable(fa[k]) !== stable(fb[k]))
      .map(
        (k) =>
          `${k}: ${fa[k] === undefined ? "(none)" : stable(fa[k])} → ${fb[k] === undefined ? "(none)" : stable(fb[k])}`,
      );
    // Position relative to the rules both policies share: reordering changes which rule wins.
    const sharedOld = a.rules.filter((x) => newRules.has(x.name)).map((x) => x.name);
    const sharedNew = b.rules.filter((x) => oldRules.has(x.name)).map((x) => x.name);
    if (sharedOld.indexOf(name) !== sharedNew.indexOf(name)) {
      changed.push(`position: ${old.i + 1} → ${i + 1}`);
    }
    if (changed.length > 0) out.push({ type: "changed", section: "rule", name, detail: changed.join("; ") });
  }
  const list = (section: "response_patterns" | "allowed_tools") => {
    const x = new Set(a[section] ?? []);
    const y = new Set(b[section] ?? []);
    for (const v of x) if (!y.has(v)) out.push({ type: "removed", section, name: v, detail: v });
    for (const v of y) if (!x.has(v)) out.push({ type: "added", section, name: v, detail: v });
  };
  list("response_patterns");
  list("allowed_tools");
  scalar("limits", a.limits ?? null, b.limits ?? null);
  return out;
}
