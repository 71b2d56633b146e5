/** Public surface of the worker pool. */
export { createOffloader, messageText, type Offloader, type OffloadTarget } from "./offload.ts";
export { PoolError, type PoolErrorCode, type PoolEvent, type PoolOptions, WorkerPool } from "./pool.ts";
export { DEFAULT_OFFLOAD_MIN_BYTES, DEFAULT_WORKERS, type WorkersConfig, WorkersSchema } from "./schema.ts";
export { closeSharedPool, offloadTarget, resolvePoolSize, ringBytesFor, sharedPool } from "./shared.ts";
export {
  injectionPartHead,
  injectionToolsHead,
  type JsonInspectConfig,
  type JsonInspectResult,
  type PoolTask,
  piiScanHead,
  TASK_NAMES,
  TASKS,
  type TaskConfig,
  type TaskName,
  type TaskResult,
} from "./tasks.ts";
