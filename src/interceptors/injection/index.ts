/** Public surface of the injection detector: the interceptor, the pure scanners, the config schema. */
export { createInjectionInterceptor, type InjectionState, NAME, stateOf } from "./interceptor.ts";
export { MULTILINGUAL_RULES, type Role, RULES, type Rule } from "./rules.ts";
export {
  type ContentReport,
  combine,
  DEFAULT_LEARNED_MODEL,
  DETECTOR,
  type LearnedModel,
  type RiskLevel,
  riskLevel,
  type ScanOptions,
  scanContent,
  scanPayload,
  scanText,
  scanTools,
  type ToolReport,
  warmRules,
  warmRulesSoon,
} from "./scan.ts";
export {
  DEFAULT_THRESHOLD,
  type InjectionConfig,
  InjectionConfigSchema,
  SENSITIVITY_THRESHOLD,
  thresholdOf,
} from "./schema.ts";
