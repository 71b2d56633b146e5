/**
 * `plugins: [{ name: injection, config: … }]`. Compatible with the original mcpgw's
 * `threshold` and low / medium / high sensitivity; everything else is new and optional.
 */
import { z } from "zod";

/** Sensitivity presets → score threshold (a finding at or above it is acted on). */
export const SENSITIVITY_THRESHOLD = Object.freeze({ low: 0.9, medium: 0.7, high: 0.5 });
export const DEFAULT_THRESHOLD = SENSITIVITY_THRESHOLD.medium;

const Sensitivity = z.enum(["low", "medium", "high"]);

export const InjectionConfigSchema = z
  .strictObject({
    threshold: z
      .number()
      .min(0.05)
      .max(1)
      .optional()
      .describe("score (0–1) at which a finding is acted on; overrides `sensitivity` (default 0.7)"),
    sensitivity: z
      .union([Sensitivity, z.number().min(0.05).max(1)])
      .optional()
      .describe("low = 0.9, medium = 0.7, high = 0.5 (a number is taken as the threshold)"),
    mode: z.enum(["enforce", "audit"]).optional().describe("this plugin's mode (default: the global `mode`)"),
    tool_definitions: z
      .enum(["quarantine", "block", "flag", "off"])
      .default("quarantine")
      .describe(
        "poisoned tools in tools/list: quarantine (remove them, refuse later calls), block (fail the whole tools/list), flag (record only), off",
      ),
    tool_results: z
      .enum(["replace", "block", "flag", "off"])
      .default("replace")
      .describe(
        "injected tools/call, resources/read and prompts/get results: replace (offending strings become a notice), block (error instead of the result), flag, off",
      ),
    server_requests: z
      .enum(["block", "flag", "off"])
      .default("block")
      .describe("injected sampling/createMessage and elicitation/create requests from the server"),
    tool_arguments: z
      .enum(["block", "flag", "off"])
      .default("flag")
      .describe("injection text in client→server tools/call arguments (flag: record only)"),
    learned_model: z
      .enum(["definitions", "all", "off"])
      .default("all")
      .describe(
        "where the learned scorer (a word n-gram model beside the rules) runs: all (tools/list, initialize instructions, tool results, resources, prompts, server requests, arguments; ~0.3 ms per 64 KiB of content), definitions (tools/list and initialize instructions only), off",
      ),
    allow_tools: z
      .array(z.string().min(1))
      .default([])
      .describe("tool names never quarantined (their findings are still recorded)"),
  })
  .describe("tool-poisoning and prompt-injection detection");

export type InjectionConfig = z.output<typeof InjectionConfigSchema>;

export function thresholdOf(c: Pick<InjectionConfig, "threshold" | "sensitivity">): number {
  if (c.threshold !== undefined) return c.threshold;
  if (typeof c.sensitivity === "number") return c.sensitivity;
  if (c.sensitivity !== undefined) return SENSITIVITY_THRESHOLD[c.sensitivity];
  return DEFAULT_THRESHOLD;
}
