/**
 * `rate_limit:` and `tool_rate_limit:` config sections. `requests_per_second` / `burst` and
 * `requests_per_minute` / `burst` are the original mcpgw's keys; `upstreams` is new.
 */
import { z } from "zod";
import { LinkSettings } from "../../config/common.ts";

const Bucket = {
  requests_per_second: z.number().positive().describe("sustained rate (tokens added per second)"),
  burst: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("bucket size: requests allowed at once (default: the rate, at least 1)"),
};

export const UpstreamLimitSchema = z.strictObject(Bucket).describe("one bucket shared by every caller of an upstream");

export const RateLimitSchema = z
  .strictObject({
    requests_per_second: z
      .number()
      .nonnegative()
      .default(0)
      .describe("per caller (subject, or client address when anonymous); 0 = no per-caller limit"),
    burst: Bucket.burst,
    upstreams: z
      .record(z.string().min(1), UpstreamLimitSchema)
      .default({})
      .describe('per upstream name; "*" applies to every upstream not named'),
    max_buckets: z.number().int().min(100).max(10_000_000).default(100_000).describe("most buckets kept in memory"),
    ...LinkSettings,
  })
  .describe("token-bucket rate limits on client requests");

export const ToolRateLimitSchema = z
  .strictObject({
    requests_per_minute: z.number().positive().describe("tools/call per minute, per caller and tool"),
    burst: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("calls allowed at once (default: the per-second rate, at least 1)"),
  })
  .describe("token-bucket limit on tools/call per caller and tool");

export type RateLimitConfig = z.infer<typeof RateLimitSchema>;
export type ToolRateLimitConfig = z.infer<typeof ToolRateLimitSchema>;
