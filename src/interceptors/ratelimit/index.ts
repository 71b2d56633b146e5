/** Token-bucket rate limits per caller, per tool and per upstream. */
export { BucketSet, SWEEP_INTERVAL_MS } from "./buckets.ts";
export {
  BucketStore,
  callerKey,
  createRateLimitInterceptor,
  RATELIMIT_NAME,
  type RateLimitInterceptor,
  type RateLimitOptions,
  retryAfterSeconds,
  SHARED_BUCKETS,
} from "./ratelimit.ts";
export { type RateLimitConfig, RateLimitSchema, type ToolRateLimitConfig, ToolRateLimitSchema } from "./schema.ts";
