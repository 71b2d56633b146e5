/**
 * `server_eval:` as in the original mcpgw: risk-score a server's tool manifest when it is first
 * listed, and hold servers above the auto-approved risk levels until they are approved. There is
 * no interactive approval here: a server is approved by naming it in `approved_servers` (hot
 * reload picks the change up).
 */
import { z } from "zod";

export const RiskLevelSchema = z.enum(["low", "medium", "high", "critical"]);
export type ServerRiskLevel = z.infer<typeof RiskLevelSchema>;

export const ServerEvalSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("evaluate each server's tools/list"),
    mode: z
      .enum(["enforce", "audit"])
      .optional()
      .describe(
        "enforce: hold unapproved servers (tools/list and calls refused); audit: record only (default: global mode)",
      ),
    auto_approve: z
      .strictObject({
        risk_levels: z.array(RiskLevelSchema).default(["low"]).describe("risk levels that pass without approval"),
      })
      .prefault({})
      .describe("what passes without approval"),
    approved_servers: z
      .array(z.string().min(1))
      .default([])
      .describe("upstream names approved whatever their risk (the wrap upstream is `wrap.upstream_name`)"),
  })
  .describe("server risk evaluation of tool manifests");

export type ServerEvalConfig = z.output<typeof ServerEvalSchema>;
