/** Public surface of server risk evaluation. */

export { RiskLevelSchema, type ServerEvalConfig, ServerEvalSchema, type ServerRiskLevel } from "./schema.ts";
export {
  createServerEvalInterceptor,
  evaluateManifest,
  NAME,
  RISK_SCORE,
  type ServerRisk,
  type ToolRisk,
} from "./servereval.ts";
