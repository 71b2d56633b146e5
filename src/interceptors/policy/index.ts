export { MCP_METHODS } from "../../jsonrpc/methods.ts";
export { analysePolicy, type DiffEntry, diffPolicies, type PolicyWarning } from "./analyse.ts";
export { type ArgLimits, buildArgs, Leaf, parseKeySpec } from "./args.ts";
export { DEFAULT_POLICY_YAML, defaultPolicy } from "./default.ts";
export {
  ALLOWED_TOOLS_RULE,
  type CompiledPolicy,
  compilePolicy,
  type DecideInput,
  type Decision,
  DUPLICATE_KEYS_RULE,
  IMPLICIT_DENY,
} from "./engine.ts";
export { compileGlob, compileGlobList, type GlobMatcher } from "./glob.ts";
export { analyseCommand, normalizePath } from "./normalize.ts";
export {
  createPolicyInterceptor,
  decideInputOf,
  inputFromMessage,
  type PolicyInterceptorOptions,
  type Sender,
} from "./policy.ts";
export { type Policy, type PolicyInput, type PolicyRule, PolicySchema, regexProblem } from "./schema.ts";
