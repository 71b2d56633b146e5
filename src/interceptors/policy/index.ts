export { compileGlob, compileGlobList, type GlobMatcher } from "./glob.ts";
export {
  type CompiledPolicy,
  compilePolicy,
  createPolicyInterceptor,
  DEFAULT_POLICY,
  IMPLICIT_DENY,
} from "./policy.ts";
export { type Policy, type PolicyRule, PolicySchema } from "./schema.ts";
