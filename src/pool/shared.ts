/**
 * The process-wide pool. Workers are started on first use and never keep the process alive
 * (they are unref'd). It is built from the first configuration that asks for it: a reload that
 * changes `workers.size`, `queue_depth` or `job_timeout` takes effect at the next start;
 * `offload_min_bytes` and every task configuration apply on reload.
 */
import { availableParallelism } from "node:os";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/index.ts";
import type { OffloadTarget } from "./offload.ts";
import { type PoolEvent, WorkerPool } from "./pool.ts";
import type { WorkersConfig } from "./schema.ts";

/** Smallest and largest ring per direction per worker. A payload larger than the ring runs inline. */
const MIN_RING_BYTES = 1024 * 1024;
const MAX_RING_BYTES = 64 * 1024 * 1024;

let shared: WorkerPool | null | undefined;

/** `auto` = cores − 1, at least 1. */
export function resolvePoolSize(size: WorkersConfig["size"]): number {
  return size === "auto" ? Math.max(1, availableParallelism() - 1) : size;
}

/** Ring size for a frame limit: room for one largest frame plus its header. */
export function ringBytesFor(maxFrameBytes: number): number {
  return Math.min(MAX_RING_BYTES, Math.max(MIN_RING_BYTES, maxFrameBytes + 4096));
}

/** Worker deaths are warnings (their jobs failed closed); a worker that cannot start is an error. */
function logEvent(logger: Logger | undefined, e: PoolEvent): void {
  if (!logger) return;
  if (e.type === "worker_started") logger.debug("pool worker started", { worker: e.worker });
  else if (e.type === "worker_exit")
    logger.warn("pool worker exited; its jobs failed closed", {
      worker: e.worker,
      reason: e.reason,
      jobs: e.failedJobs,
    });
  else logger.error("pool worker cannot start; inspecting inline", { worker: e.worker, reason: e.reason });
}

/** The shared pool for a configuration, or null when `workers.size` is 0. */
export function sharedPool(config: Pick<Config, "workers" | "limits">, logger?: Logger): WorkerPool | null {
  if (shared !== undefined) return shared;
  const size = resolvePoolSize(config.workers.size);
  shared =
    size === 0
      ? null
      : new WorkerPool({
          size,
          queueDepth: config.workers.queue_depth,
          ringBytes: ringBytesFor(config.limits.max_frame_bytes),
          jobTimeoutMs: config.workers.job_timeout,
          onEvent: (e) => logEvent(logger, e),
        });
  if (shared)
    logger?.debug("worker pool started", { workers: size, offload_min_bytes: config.workers.offload_min_bytes });
  return shared;
}

/** What an interceptor passes to createOffloader: the shared pool and the threshold. */
export function offloadTarget(config: Pick<Config, "workers" | "limits">, logger?: Logger): OffloadTarget {
  const size = resolvePoolSize(config.workers.size);
  return {
    pool: size === 0 ? null : sharedPool(config, logger),
    minBytes: config.workers.offload_min_bytes,
    adaptive: config.workers.offload === "adaptive",
  };
}

/** Stops the shared pool (tests and shutdown); the next sharedPool() call starts a new one. */
export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}
