/** Token-bucket rate limits per caller, per tool and per upstream. */
export { BucketSet, SWEEP_INTERVAL_MS } from "./buckets.ts";
export {
  callerKey,
  createRateLimitInterceptor,
  RATELIMIT_NAME,
  type RateLimitInterceptor,
  type RateLimitOptions,
  retryAfterSeconds,
} from "./ratelimit.ts";
export { type RateLimitConfig, RateLimitSchema, type ToolRateLimitConfig, ToolRateLimitSchema } from "./schema.ts";
