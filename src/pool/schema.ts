/** The `workers:` config section: the interceptor worker pool. */
import { z } from "zod";
import { ByteSize, Duration } from "../config/common.ts";

/**
 * Payloads at or above this many bytes are inspected in a pool worker, smaller ones inline.
 * Chosen from `bun run bench` (bench/README.md, micro-benchmarks, 2026-12-07): a pooled job
 * costs the event loop ~20-35 µs (copy into the ring, wake-up, reading the verdict) at any size
 * up to 16 KiB, so a message (pii + injection: two jobs) ~60 µs. At 4 KiB the two scans inline
 * cost about the same (~65 µs): pooling would only add the round trip. At 16 KiB they cost
 * ~350 µs inline, six times the pooled event-loop time. Smaller messages never pay a round trip.
 */
export const DEFAULT_OFFLOAD_MIN_BYTES = 16 * 1024;
export const DEFAULT_QUEUE_DEPTH = 256;
export const DEFAULT_JOB_TIMEOUT_MS = 10_000;

export const WorkersSchema = z
  .strictObject({
    size: z
      .union([z.literal("auto"), z.number().int().min(0).max(64)])
      .default("auto")
      .describe("number of pool workers: auto = CPU cores - 1 (at least 1); 0 = inspect everything inline"),
    offload_min_bytes: ByteSize.default(DEFAULT_OFFLOAD_MIN_BYTES).describe(
      "messages of at least this size are inspected in a worker; smaller ones inline",
    ),
    offload: z
      .enum(["adaptive", "always"])
      .default("adaptive")
      .describe(
        "adaptive: with nothing in flight (no pool job, no other tools/call result awaited), a large message is scanned on the event loop, its long strings split with an idle worker; pooled whole when busy. always: pooled whole at offload_min_bytes and above",
      ),
    queue_depth: z
      .number()
      .int()
      .min(1)
      .max(65_536)
      .default(DEFAULT_QUEUE_DEPTH)
      .describe("most jobs waiting per worker; when all are full the interceptor's fail_mode decides"),
    job_timeout: Duration.default(DEFAULT_JOB_TIMEOUT_MS).describe(
      "a worker busy on one job for longer is replaced, and its jobs fail closed",
    ),
  })
  .describe("the worker pool that runs heavy inspection off the event loop");

export type WorkersConfig = z.infer<typeof WorkersSchema>;

export const DEFAULT_WORKERS: WorkersConfig = Object.freeze({
  size: "auto",
  offload_min_bytes: DEFAULT_OFFLOAD_MIN_BYTES,
  offload: "adaptive",
  queue_depth: DEFAULT_QUEUE_DEPTH,
  job_timeout: DEFAULT_JOB_TIMEOUT_MS,
});
