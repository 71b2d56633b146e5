/**
 * Policy file schema: the original mcpgw's `version: v1` format plus mcpgw's extensions in the
 * same style. See docs/policy.md for the reference.
 */
import { z } from "zod";

const Globs = z.array(z.string());
const ArgGlobs = z.record(z.string(), z.array(z.string()).min(1, "needs at least one pattern"));
/** A regex that compiles and cannot backtrack catastrophically (see {@link regexProblem}). */
const SafeRegex = z.string().superRefine((re, ctx) => {
  const problem = regexProblem(re);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const Regexes = z.array(SafeRegex);
const ArgRegexes = z.record(z.string(), z.array(SafeRegex).min(1, "needs at least one pattern"));

export const NumericSchema = z
  .strictObject({
    gt: z.number().optional().describe("greater than"),
    gte: z.number().optional().describe("greater than or equal"),
    lt: z.number().optional().describe("less than"),
    lte: z.number().optional().describe("less than or equal"),
    eq: z.number().optional().describe("equal"),
    ne: z.number().optional().describe("not equal"),
  })
  .refine((o) => Object.keys(o).length > 0, "needs at least one of gt, gte, lt, lte, eq, ne")
  .describe("numeric comparison; all given bounds must hold");

export const RuleMatchSchema = z
  .strictObject({
    methods: Globs.optional().describe("JSON-RPC method globs (`*` crosses `/`); absent: any method"),
    tools: Globs.optional().describe("tool name globs (tools/call; also filters tools/list)"),
    subjects: Globs.optional().describe("caller subject globs; an anonymous caller never matches"),
    roles: Globs.optional().describe("caller role globs; a caller without roles never matches"),
    arguments: ArgGlobs.optional().describe("argument key or path → value globs"),
    args: ArgGlobs.optional().describe("alias of `arguments` (the original README's spelling)"),
    argument_patterns: ArgRegexes.optional().describe("argument key or path → value regexes"),
    any_argument: Globs.optional().describe("globs matched against every value anywhere in the arguments"),
    any_argument_patterns: Regexes.optional().describe("regexes matched against every value anywhere in the arguments"),
    numeric: z.record(z.string(), NumericSchema).optional().describe("argument key or path → numeric comparison"),
    directions: z
      .array(z.enum(["c2s", "s2c"]))
      .min(1)
      .optional()
      .describe("message directions; default c2s"),
    resources: Globs.optional().describe("resource uri globs (resources/read, subscribe; also filters resources/list)"),
    prompts: Globs.optional().describe("prompt name globs (prompts/get; also filters prompts/list)"),
    upstreams: Globs.optional().describe("upstream server name globs"),
    paths_outside: Globs.optional().describe(
      "directories (`.` = the working directory); holds when a path argument points outside all of them",
    ),
  })
  .describe("conditions; all given conditions must hold");

export const RuleSchema = z.strictObject({
  id: z.string().min(1).optional().describe("stable identifier recorded in audit (default: the name)"),
  name: z.string().min(1).describe("rule name, recorded in audit"),
  match: RuleMatchSchema.default({}),
  action: z.enum(["allow", "deny"]),
  mode: z.enum(["enforce", "audit"]).optional().describe("audit: a deny is recorded as would_block only"),
  message: z.string().min(1).max(500).optional().describe("error message sent to the caller on deny"),
});

export const PolicyLimitsSchema = z
  .strictObject({
    max_depth: z.number().int().min(1).max(1000).default(64).describe("deepest nesting inside tool arguments"),
    max_nodes: z.number().int().min(1).default(100_000).describe("most values inside tool arguments"),
    max_bytes: z
      .number()
      .int()
      .min(1)
      .default(8 * 1024 * 1024)
      .describe("most text inside tool arguments"),
  })
  .describe("arguments over these limits are denied (fail closed)");

export const PolicySchema = z
  .strictObject({
    version: z.literal("v1").describe("policy format version"),
    mode: z.enum(["enforce", "audit"]).default("enforce"),
    case_sensitive: z.boolean().default(false).describe("match tool names and values case-sensitively"),
    rules: z.array(RuleSchema).min(1, "a policy needs at least one rule"),
    response_patterns: Regexes.optional().describe("regexes; a server response whose text matches is blocked"),
    allowed_tools: Globs.optional().describe("tool name globs; other tools are hidden and denied"),
    limits: PolicyLimitsSchema.optional(),
  })
  .superRefine((p, ctx) => {
    const seenNames = new Map<string, number>();
    const seenIds = new Map<string, number>();
    p.rules.forEach((r, i) => {
      if (seenNames.has(r.name)) {
        ctx.addIssue({ code: "custom", path: ["rules", i, "name"], message: `duplicate rule name "${r.name}"` });
      }
      seenNames.set(r.name, i);
      if (r.id !== undefined) {
        if (seenIds.has(r.id))
          ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${r.id}"` });
        seenIds.set(r.id, i);
      }
      if (r.match.arguments && r.match.args) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "match", "args"],
          message: "use either arguments or args, not both",
        });
      }
    });
  });

/**
 * Why a regex is refused, or undefined. Patterns must compile and must not be able to backtrack
 * catastrophically: no backreferences or lookaround, and no quantified group that itself
 * contains a quantifier or an alternation (`(a+)+`, `(a|a)*`). Remaining patterns run in time
 * linear in the input for the engine's purposes (star height one).
 */
export function regexProblem(re: string): string | undefined {
  try {
    new RegExp(re, "u");
  } catch (e) {
    return `invalid regex ${JSON.stringify(re)}: ${(e as Error).message}`;
  }
  if (/\\[1-9]|\\k</.test(re)) return `regex ${JSON.stringify(re)} uses a backreference (not linear-time)`;
  if (/\(\?<?[=!]/.test(re)) return `regex ${JSON.stringify(re)} uses lookaround (not linear-time)`;
  // Star height: a quantified group whose body has a quantifier or alternation.
  const stack: { quant: boolean; alt: boolean }[] = [];
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "[") {
      // skip a character class
      i++;
      if (re[i] === "^") i++;
      if (re[i] === "]") i++;
      while (i < re.length && re[i] !== "]") {
        if (re[i] === "\\") i++;
        i++;
      }
      continue;
    }
    if (c === "(") {
      stack.push({ quant: false, alt: false });
      continue;
    }
    if (c === "|" && stack.length > 0) {
      stack[stack.length - 1]!.alt = true;
      continue;
    }
    const isQuant = (ch: string | undefined) => ch === "*" || ch === "+" || ch === "?" || ch === "{";
    if (c === ")") {
      const g = stack.pop();
      const next = re[i + 1];
      const unbounded =
        next === "*" ||
        next === "+" ||
        (next === "{" && /^\{\d*,\d*\}/.test(re.slice(i + 1)) && !/^\{\d+\}/.test(re.slice(i + 1)));
      if (g && unbounded && (g.quant || g.alt)) {
        return `regex ${JSON.stringify(re)} nests quantifiers (catastrophic backtracking); rewrite it without a repeated group`;
      }
      if (g && stack.length > 0 && (g.quant || isQuant(next))) stack[stack.length - 1]!.quant = true;
      continue;
    }
    if (isQuant(c) && stack.length > 0 && re[i - 1] !== "(") stack[stack.length - 1]!.quant = true;
  }
  return undefined;
}

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyRule = z.infer<typeof RuleSchema>;
export type RuleMatch = z.infer<typeof RuleMatchSchema>;
