/**
 * Policy file schema: the original mcpgw's `version: v1` format.
 * See docs/policy.md for the full reference.
 */
import { z } from "zod";

export const RuleMatchSchema = z
  .strictObject({
    methods: z.array(z.string()).optional().describe("JSON-RPC method globs (`*` crosses `/`)"),
    tools: z.array(z.string()).optional().describe("tool name globs, for tools/call and tools/list"),
  })
  .describe("conditions; all given conditions must hold");

export const RuleSchema = z.strictObject({
  name: z.string().min(1).describe("rule name, recorded in audit"),
  match: RuleMatchSchema.default({}),
  action: z.enum(["allow", "deny"]),
  mode: z.enum(["enforce", "audit"]).optional().describe("audit: a deny is recorded as would_block only"),
});

export const PolicySchema = z
  .strictObject({
    version: z.literal("v1").describe("policy format version"),
    mode: z.enum(["enforce", "audit"]).default("enforce"),
    rules: z.array(RuleSchema).default([]),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.rules.forEach((r, i) => {
      if (seen.has(r.name)) {
        ctx.addIssue({ code: "custom", path: ["rules", i, "name"], message: `duplicate rule name "${r.name}"` });
      }
      seen.set(r.name, i);
    });
  });

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyRule = z.infer<typeof RuleSchema>;
