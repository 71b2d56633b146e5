/**
 * `plugins: [{name: pii, config: {...}}]`: the secrets and PII plugin's configuration, compatible
 * with the original mcpgw (`mode`, `patterns`, `exclude_tools`) and extended.
 */
import { z } from "zod";
import { CATEGORIES, type Category, SECRET_CATEGORIES } from "./detect.ts";

/** The original mcpgw's pattern names, mapped to this detector's categories. */
export const LEGACY_PATTERNS: Readonly<Record<string, readonly Category[]>> = {
  phone: ["phone_number"],
  aws_key: ["aws_access_key_id"],
  aws_secret: ["aws_secret_access_key"],
  high_entropy_token: [...SECRET_CATEGORIES].filter((c) => c.startsWith("aws") === false),
};

const PatternName = z
  .string()
  .refine(
    (s) => (CATEGORIES as readonly string[]).includes(s) || s in LEGACY_PATTERNS || s === "secrets" || s === "pii",
    {
      message: `unknown pattern; expected one of: secrets, pii, ${CATEGORIES.join(", ")}`,
    },
  );

export const PiiConfigSchema = z
  .strictObject({
    mode: z
      .enum(["detect", "redact"])
      .default("detect")
      .describe("detect: record findings and pass the message; redact: replace each value with [REDACTED:<category>]"),
    patterns: z
      .array(PatternName)
      .optional()
      .describe("categories to look for (default: all); `secrets` and `pii` name the two groups"),
    detect_only: z
      .array(PatternName)
      .default([])
      .describe("categories that are reported but never redacted, even in redact mode (e.g. email)"),
    exclude_tools: z.array(z.string()).default([]).describe("tools whose arguments and results are not scanned"),
    directions: z
      .array(z.enum(["c2s", "s2c"]))
      .min(1)
      .default(["c2s", "s2c"])
      .describe("c2s: tool arguments and client answers; s2c: results, resources, prompts, sampling and notifications"),
    max_findings: z.number().int().min(1).max(10_000).default(100).describe("most findings recorded per message"),
  })
  .describe("secrets and PII detection and redaction");

export type PiiConfig = z.infer<typeof PiiConfigSchema>;

/** Expands pattern names (categories, groups, legacy names) to categories. */
export function expandPatterns(names: readonly string[]): Set<Category> {
  const out = new Set<Category>();
  for (const n of names) {
    let group: readonly Category[];
    if (n === "secrets") group = [...SECRET_CATEGORIES];
    else if (n === "pii") group = CATEGORIES.filter((c) => !SECRET_CATEGORIES.has(c));
    else group = LEGACY_PATTERNS[n] ?? [n as Category];
    for (const c of group) out.add(c);
  }
  return out;
}
