/**
 * The policy engine: a policy file compiled once into matchers, and `decide()` over one message.
 *
 * Evaluation (docs/policy.md):
 *   1. Rules are tried in order; the first rule whose every condition holds decides.
 *   2. No rule matches: deny, rule `(implicit-deny)`, for client→server messages. Server→client
 *      messages are only ruled on by rules that list `directions: [s2c]`; unmatched, they pass.
 *   3. Argument conditions: for a deny rule a condition holds when ANY value at that key matches in
 *      ANY form (raw, normalised, command-analysed); for an allow rule it holds only when there is
 *      such a value and EVERY value at that key matches in its normalised form (and, for command
 *      lines, every simple command matches). Hiding a value deeper, in an array, in another
 *      spelling or case therefore never turns a deny into an allow.
 */

import { resolve } from "node:path";
import { MCP_METHODS } from "../../jsonrpc/methods.ts";
import { type ArgLimits, type ArgsView, buildArgs, type KeySpec, type Leaf, parseKeySpec, specCovers } from "./args.ts";
import { compileFoldedGlobList, compileGlobList, type GlobMatcher } from "./glob.ts";
import { foldUnicode, normalizePath } from "./normalize.ts";
import type { Policy, PolicyRule } from "./schema.ts";

export const IMPLICIT_DENY = "(implicit-deny)";
export const ALLOWED_TOOLS_RULE = "(allowed-tools)";
export const DUPLICATE_KEYS_RULE = "(duplicate-keys)";

export type Direction = "c2s" | "s2c";

export interface DecideInput {
  readonly direction: Direction;
  readonly method: string;
  /** Tool name (tools/call), prompt name (prompts/get). */
  readonly tool?: string;
  readonly prompt?: string;
  /** Resource uri (resources/read, subscribe, unsubscribe). */
  readonly resource?: string;
  readonly subject?: string;
  readonly roles?: readonly string[];
  readonly upstream?: string;
  /** `params.arguments` of tools/call or prompts/get; undefined when absent. */
  readonly arguments?: unknown;
}

export interface Decision {
  readonly allow: boolean;
  /** Rule name (or a parenthesised built-in reason such as `(implicit-deny)`). */
  readonly rule: string;
  /** Rule id for audit (the name when the rule has no id). */
  readonly ruleId: string;
  readonly auditOnly: boolean;
  /** Custom deny message of the rule, if any. */
  readonly message?: string;
  /** Why, in words (for audit and `policy test`). */
  readonly reason: string;
  /** True when no rule matched (s2c: passes; c2s: implicit deny). */
  readonly unmatched?: boolean;
}

type ArgTest = (form: string) => boolean;

interface ArgCond {
  readonly spec: KeySpec | "any";
  readonly label: string;
  /** glob/regex condition over string forms */
  readonly test?: ArgTest;
  /** numeric condition */
  readonly num?: (n: number) => boolean;
  /** leaf-level condition (paths_outside) */
  readonly leaf?: (leaf: Leaf) => boolean;
}

interface CompiledRule {
  readonly name: string;
  readonly id: string;
  readonly allow: boolean;
  readonly auditOnly: boolean;
  readonly message: string | undefined;
  readonly c2s: boolean;
  readonly s2c: boolean;
  readonly method: GlobMatcher | null;
  readonly tools: GlobMatcher | null;
  readonly prompts: GlobMatcher | null;
  readonly resources: GlobMatcher | null;
  readonly subjects: GlobMatcher | null;
  readonly roles: GlobMatcher | null;
  readonly upstreams: GlobMatcher | null;
  readonly args: readonly ArgCond[];
  readonly source: PolicyRule;
}

export interface CompiledPolicy {
  readonly source: Policy;
  readonly caseSensitive: boolean;
  readonly limits: ArgLimits;
  readonly responsePatterns: readonly RegExp[];
  decide(input: DecideInput): Decision;
  /** Decision over already-built arguments (lets callers build them once). */
  decideWith(input: DecideInput, args: ArgsView | undefined): Decision;
  /** False when no caller with this identity could ever call the tool (tools/list filtering). */
  mayCall(
    kind: "tool" | "prompt" | "resource",
    name: string,
    who: Pick<DecideInput, "subject" | "roles" | "upstream">,
  ): boolean;
  /** The rules as compiled, for validate's analysis. */
  readonly rules: readonly CompiledRule[];
}

/** Below this length one alternation of all patterns is fastest; above it, each pattern's own literal scan is. */
const COMBINED_REGEX_MAX = 512;

/** A regex list: combined into one alternation for short values, one by one for long ones. */
function regexTest(res: readonly string[], fold: boolean): ArgTest {
  const flags = fold ? "iu" : "u";
  const each = res.map((re) => new RegExp(re, flags));
  if (each.length === 1) {
    const only = each[0]!;
    return (s) => only.test(s);
  }
  const combined = new RegExp(res.map((re) => `(?:${re})`).join("|"), flags);
  return (s) => {
    if (s.length <= COMBINED_REGEX_MAX) return combined.test(s);
    for (const r of each) if (r.test(s)) return true;
    return false;
  };
}

function numTest(c: { gt?: number; gte?: number; lt?: number; lte?: number; eq?: number; ne?: number }) {
  return (n: number) =>
    (c.gt === undefined || n > c.gt) &&
    (c.gte === undefined || n >= c.gte) &&
    (c.lt === undefined || n < c.lt) &&
    (c.lte === undefined || n <= c.lte) &&
    (c.eq === undefined || n === c.eq) &&
    (c.ne === undefined || n !== c.ne);
}

function optGlobs(list: readonly string[] | undefined, fold: boolean): GlobMatcher | null {
  if (!list || list.length === 0) return null;
  return globs(list, fold);
}

/** Value globs: inputs are folded once by the engine, so only the patterns are lower-cased here. */
function globs(list: readonly string[], fold: boolean): GlobMatcher {
  return fold ? compileFoldedGlobList(list) : compileGlobList(list, false);
}

function compileRule(r: PolicyRule, policy: Policy, fold: boolean): CompiledRule {
  const m = r.match;
  const args: ArgCond[] = [];
  const argGlobs = m.arguments ?? m.args ?? {};
  for (const [key, list] of Object.entries(argGlobs)) {
    args.push({ spec: parseKeySpec(key), label: `arguments.${key}`, test: globs(list, fold) });
  }
  for (const [key, res] of Object.entries(m.argument_patterns ?? {})) {
    args.push({ spec: parseKeySpec(key), label: `argument_patterns.${key}`, test: regexTest(res, fold) });
  }
  if (m.any_argument && m.any_argument.length > 0) {
    args.push({ spec: "any", label: "any_argument", test: globs(m.any_argument, fold) });
  }
  if (m.any_argument_patterns && m.any_argument_patterns.length > 0) {
    args.push({ spec: "any", label: "any_argument_patterns", test: regexTest(m.any_argument_patterns, fold) });
  }
  for (const [key, c] of Object.entries(m.numeric ?? {})) {
    args.push({ spec: parseKeySpec(key), label: `numeric.${key}`, num: numTest(c) });
  }
  if (m.paths_outside && m.paths_outside.length > 0) {
    args.push({ spec: "any", label: "paths_outside", leaf: outsideTest(m.paths_outside, fold) });
  }
  return {
    name: r.name,
    id: r.id ?? r.name,
    allow: r.action === "allow",
    auditOnly: (r.mode ?? policy.mode) === "audit",
    message: r.message,
    c2s: (m.directions ?? ["c2s"]).includes("c2s"),
    s2c: (m.directions ?? []).includes("s2c"),
    method: m.methods && m.methods.length > 0 ? compileGlobList(m.methods) : null,
    tools: optGlobs(m.tools, fold),
    prompts: optGlobs(m.prompts, fold),
    resources: optGlobs(m.resources, fold),
    subjects: optGlobs(m.subjects, false),
    roles: optGlobs(m.roles, false),
    upstreams: optGlobs(m.upstreams, false),
    args,
    source: r,
  };
}

function foldName(s: string, fold: boolean): string {
  const v = foldUnicode(s);
  return fold ? v.toLowerCase() : v;
}

/** Tool and prompt names repeat: their folded forms are cached (bounded). */
function nameFolder(fold: boolean): (s: string) => string {
  const cache = new Map<string, string>();
  return (s) => {
    let f = cache.get(s);
    if (f === undefined) {
      f = foldName(s, fold);
      if (cache.size >= 4096) cache.clear();
      if (s.length <= 256) cache.set(s, f);
    }
    return f;
  };
}

/** Deny semantics: some covered leaf matches in some form. */
function anyMatches(cond: ArgCond, leaves: readonly Leaf[]): boolean {
  for (const leaf of leaves) {
    if (cond.spec !== "any" && !specCovers(cond.spec, leaf)) continue;
    if (cond.num) {
      if (leaf.num !== undefined && cond.num(leaf.num)) return true;
      continue;
    }
    if (cond.leaf) {
      if (cond.leaf(leaf)) return true;
      continue;
    }
    for (const f of leaf.forms) if (cond.test!(f)) return true;
  }
  return false;
}

/** Allow semantics: at least one covered leaf, and every covered leaf matches in its normalised form. */
function allMatch(cond: ArgCond, leaves: readonly Leaf[]): boolean {
  let seen = false;
  for (const leaf of leaves) {
    if (cond.spec !== "any" && !specCovers(cond.spec, leaf)) continue;
    seen = true;
    if (cond.num) {
      if (leaf.num === undefined || !cond.num(leaf.num)) return false;
      continue;
    }
    if (cond.leaf) {
      if (!cond.leaf(leaf)) return false;
      continue;
    }
    if (!cond.test!(leaf.primary)) return false;
    const segs = leaf.segments;
    if (segs) {
      const n = segs.length / 2;
      // every simple command, as written or canonical, must match
      for (let i = 0; i < n; i++) if (!cond.test!(segs[i]!) && !cond.test!(segs[n + i]!)) return false;
    }
  }
  return seen;
}

function matchAny(m: GlobMatcher, values: readonly string[] | undefined): boolean {
  if (!values) return false;
  for (const v of values) if (m(v)) return true;
  return false;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const fold = !policy.case_sensitive;
  const rules = policy.rules.map((r) => compileRule(r, policy, fold));
  const limits: ArgLimits = {
    maxDepth: policy.limits?.max_depth ?? 64,
    maxNodes: policy.limits?.max_nodes ?? 100_000,
    maxBytes: policy.limits?.max_bytes ?? 8 * 1024 * 1024,
  };
  const allowedTools =
    policy.allowed_tools && policy.allowed_tools.length > 0 ? globs(policy.allowed_tools, fold) : null;
  const responsePatterns = (policy.response_patterns ?? []).map((re) => new RegExp(re, "u"));
  const policyAudit = policy.mode === "audit";
  const folded = nameFolder(fold);

  // Rules that can apply to a direction and method, in order: computed once per known method
  // (the set of MCP methods is small); an unknown, client-chosen method is filtered each time.
  const byMethod = { c2s: new Map<string, readonly CompiledRule[]>(), s2c: new Map<string, readonly CompiledRule[]>() };
  const known = new Set(MCP_METHODS);
  function candidates(direction: Direction, method: string): readonly CompiledRule[] {
    const cache = byMethod[direction];
    let list = cache.get(method);
    if (list === undefined) {
      list = rules.filter((r) => (direction === "c2s" ? r.c2s : r.s2c) && (!r.method || r.method(method)));
      if (known.has(method)) cache.set(method, list);
    }
    return list;
  }

  const implicit: Decision = Object.freeze({
    allow: false,
    rule: IMPLICIT_DENY,
    ruleId: IMPLICIT_DENY,
    auditOnly: policyAudit,
    reason: "no rule matched",
    unmatched: true,
  });
  const unmatchedS2c: Decision = Object.freeze({
    allow: true,
    rule: "(no-s2c-rule)",
    ruleId: "(no-s2c-rule)",
    auditOnly: false,
    reason: "no rule for server-to-client messages matched",
    unmatched: true,
  });

  function identityMatches(r: CompiledRule, who: Pick<DecideInput, "subject" | "roles" | "upstream">): boolean {
    if (r.subjects && (!who.subject || !r.subjects(who.subject))) return false;
    if (r.roles && !matchAny(r.roles, who.roles)) return false;
    if (r.upstreams && (who.upstream === undefined || !r.upstreams(who.upstream))) return false;
    return true;
  }

  function decideWith(input: DecideInput, preBuilt: ArgsView | undefined): Decision {
    let args = preBuilt;
    const tool = input.tool === undefined ? undefined : folded(input.tool);
    const prompt = input.prompt === undefined ? undefined : folded(input.prompt);
    let resource: string | undefined;
    if (
      input.direction === "c2s" &&
      input.method === "tools/call" &&
      allowedTools &&
      (tool === undefined || !allowedTools(tool))
    ) {
      return {
        allow: false,
        rule: ALLOWED_TOOLS_RULE,
        ruleId: ALLOWED_TOOLS_RULE,
        auditOnly: policyAudit,
        reason: "tool is not in allowed_tools",
      };
    }
    for (const r of candidates(input.direction, input.method)) {
      if (r.tools && (tool === undefined || !r.tools(tool))) continue;
      if (r.prompts && (prompt === undefined || !r.prompts(prompt))) continue;
      if (r.resources) {
        if (input.resource === undefined) continue;
        resource ??= normaliseUri(input.resource, fold);
        if (!r.resources(resource) && !r.resources(fold ? input.resource.toLowerCase() : input.resource)) continue;
      }
      if (!identityMatches(r, input)) continue;
      if (r.args.length > 0) {
        if (input.arguments === undefined) continue;
        args ??= buildArgs(input.arguments, fold, limits);
        if (!args.ok) {
          return { allow: false, rule: args.rule, ruleId: args.rule, auditOnly: policyAudit, reason: args.reason };
        }
        const leaves = args.leaves;
        let ok = true;
        for (const c of r.args) {
          if (!(r.allow ? allMatch(c, leaves) : anyMatches(c, leaves))) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
      }
      return r.allow
        ? { allow: true, rule: r.name, ruleId: r.id, auditOnly: r.auditOnly, reason: `allowed by rule "${r.name}"` }
        : {
            allow: false,
            rule: r.name,
            ruleId: r.id,
            auditOnly: r.auditOnly,
            reason: `denied by rule "${r.name}"`,
            ...(r.message ? { message: r.message } : {}),
          };
    }
    return input.direction === "s2c" ? unmatchedS2c : implicit;
  }

  function mayCall(
    kind: "tool" | "prompt" | "resource",
    name: string,
    who: Pick<DecideInput, "subject" | "roles" | "upstream">,
  ): boolean {
    const method = kind === "tool" ? "tools/call" : kind === "prompt" ? "prompts/get" : "resources/read";
    const n = kind === "resource" ? normaliseUri(name, fold) : foldName(name, fold);
    if (kind === "tool" && allowedTools && !allowedTools(n)) return false;
    for (const r of rules) {
      if (!r.c2s) continue;
      if (r.method && !r.method(method)) continue;
      if (kind === "tool" ? r.tools && !r.tools(n) : r.tools) continue;
      if (kind === "prompt" ? r.prompts && !r.prompts(n) : r.prompts) continue;
      if (kind === "resource" ? r.resources && !r.resources(n) : r.resources) continue;
      if (!identityMatches(r, who)) continue;
      // A rule that depends on arguments decides only some calls: an allow means "maybe",
      // a deny leaves later rules to decide the rest.
      if (r.args.length > 0) {
        if (r.allow) return true;
        continue;
      }
      return r.allow;
    }
    return false;
  }

  return Object.freeze({
    source: policy,
    caseSensitive: !fold,
    limits,
    responsePatterns,
    rules,
    decide: (input: DecideInput) => decideWith(input, undefined),
    decideWith,
    mayCall,
  });
}

/** Resource uris: file:// uris are judged as paths (normalised), others case-folded only. */
function normaliseUri(uri: string, fold: boolean): string {
  const v = /^file:/i.test(uri) ? `file://${normalizeFilePath(uri)}` : foldUnicode(uri);
  return fold ? v.toLowerCase() : v;
}

function normalizeFilePath(uri: string): string {
  return normalizePath(uri);
}

/** Argument keys that name a file or directory the tool acts on. */
const PATH_KEYS = new Set([
  "path",
  "paths",
  "file",
  "files",
  "file_path",
  "filepath",
  "filename",
  "file_name",
  "destination",
  "dest",
  "target",
  "target_path",
  "output",
  "output_path",
  "out",
  "dir",
  "directory",
  "folder",
  "to",
  "new_path",
  "uri",
]);

/** paths_outside: a path argument (by key, or a file:// value) that resolves outside every given directory. */
function outsideTest(dirs: readonly string[], fold: boolean): (leaf: Leaf) => boolean {
  const roots = dirs.map((d) => {
    const abs = resolve(d === "." ? process.cwd() : d);
    const n = normalizePath(abs);
    return fold ? n.toLowerCase() : n;
  });
  const home = (() => {
    const h = process.env.HOME;
    return h ? normalizePath(h) : undefined;
  })();
  return (leaf) => {
    const isPathKey = leaf.key !== undefined && PATH_KEYS.has(leaf.key);
    if (!isPathKey && !/^file:/i.test(leaf.raw)) return false;
    if (leaf.raw.length === 0) return false;
    let p = normalizePath(leaf.raw);
    if (p.startsWith("~")) {
      if (!home) return true;
      p = home + p.slice(1);
    } else if (!p.startsWith("/") && !/^[a-z]:\//i.test(p)) {
      // relative: inside unless it climbs out
      if (p !== ".." && !p.startsWith("../")) return false;
      p = normalizePath(`${process.cwd()}/${p}`);
    }
    const v = fold ? p.toLowerCase() : p;
    for (const r of roots) if (v === r || v.startsWith(r.endsWith("/") ? r : `${r}/`)) return false;
    return true;
  };
}
