/**
 * What interceptors call: run a pool task inline for small payloads and in a worker for large
 * ones, with the same task function either way, so a verdict never depends on where it ran.
 *
 *   const scan = createOffloader("json_inspect", { max_depth: 64 }, poolFor(config));
 *   const result = await scan.run(text);   // inline below workers.offload_min_bytes
 *
 * A pool failure (full queue, crashed worker, timeout) rejects: the interceptor lets it
 * propagate and the chain applies its fail mode (closed by default → INSPECTION_FAILED).
 * A payload larger than the worker queue, or a pool whose workers cannot start at all, is
 * inspected inline instead: still inspected, only not off the event loop.
 */
import { frameTextOf } from "../jsonrpc/frame-text.ts";
import { PoolError, type WorkerPool } from "./pool.ts";
import { type PoolTask, TASKS, type TaskConfig, type TaskName, type TaskResult } from "./tasks.ts";

export interface Offloader<T extends TaskName> {
  readonly task: T;
  /** Configuration generation in the pool, or 0 when everything runs inline. */
  readonly generation: number;
  /**
   * Judges `head + payload`: synchronously inline, or a promise when it went to a worker. The
   * two parts are copied into the worker queue one after the other, never joined on this thread:
   * `payload` is typically a received message's text, `head` a short line of per-job settings.
   */
  run(payload: string, head?: string): TaskResult<T> | Promise<TaskResult<T>>;
  /** Runs inline whatever the size. */
  runInline(payload: string, head?: string): TaskResult<T>;
  /**
   * True when a message of `size` bytes (as received) should be inspected in a worker. Lets an
   * interceptor decide before serialising anything: below the threshold it keeps its own inline
   * code path on the parsed message.
   */
  wants(size: number): boolean;
  /** True when a worker would start a job sent now (one is idle); false without a usable pool. */
  readonly idle: boolean;
  /**
   * True when the pool has no job in flight at all (and is usable): the gateway is not busy, so a
   * message gains nothing from leaving the event loop whole, only a round trip.
   */
  readonly quiet: boolean;
  /** Runs in a worker (inline when the payload is larger than the worker queue or the pool is broken). */
  runPooled(payload: string, head?: string): Promise<TaskResult<T>>;
  /** Where the last call ran (for tests and metrics). */
  readonly lastPlace: "inline" | "pool" | "none";
  /** Retires the configuration in the pool, after a grace period. Call from the interceptor's close(). */
  close(): void;
}

/**
 * The JSON text of a message to send to a worker: the text it was received as when it is still
 * that message (no serialisation on the event loop), else the message serialised.
 */
export function messageText(message: object): string {
  return frameTextOf(message) ?? JSON.stringify(message);
}

/** How long a closed offloader's configuration stays in the workers. */
export const RETIRE_GRACE_MS = 30_000;

export interface OffloadTarget {
  /** The pool, or null for inline only (`workers.size: 0`). */
  readonly pool: WorkerPool | null;
  /** Payloads of at least this many UTF-16 units go to the pool. */
  readonly minBytes: number;
  /**
   * `workers.offload: adaptive`: an interceptor that can share a scan with a worker does so when
   * the pool is {@link Offloader.quiet}, and pools the whole message only when it is busy. Absent:
   * every payload from `minBytes` on is pooled whole (`always`).
   */
  readonly adaptive?: boolean;
}

/**
 * Prepares `config` for `task` once on this thread (throws on a bad configuration, at build
 * time) and publishes it to the pool, whose workers prepare it before any job names it.
 */
export function createOffloader<T extends TaskName>(
  task: T,
  config: TaskConfig<T>,
  target: OffloadTarget,
): Offloader<T> {
  const impl = TASKS[task] as unknown as PoolTask<TaskConfig<T>, unknown, TaskResult<T>>;
  const state = impl.prepare(config);
  const pool = target.pool;
  const generation = pool ? pool.publish(task, config).generation : 0;
  const maxPooled = pool ? pool.maxPayloadBytes : 0;
  let lastPlace: "inline" | "pool" | "none" = "none";

  const runInline = (payload: string, head = ""): TaskResult<T> => {
    lastPlace = "inline";
    return impl.run(head + payload, state);
  };

  const runPooled = async (payload: string, head = ""): Promise<TaskResult<T>> => {
    if (pool === null || payload.length + head.length > maxPooled) return runInline(payload, head);
    lastPlace = "pool";
    let text: string;
    try {
      text = await pool!.run(task, payload, generation, head);
    } catch (e) {
      if (e instanceof PoolError && (e.code === "TOO_LARGE" || e.code === "POOL_BROKEN"))
        return runInline(payload, head);
      throw e;
    }
    return JSON.parse(text) as TaskResult<T>;
  };

  return {
    task,
    generation,
    get lastPlace() {
      return lastPlace;
    },
    get idle() {
      return pool?.usable === true && pool.idle;
    },
    get quiet() {
      return pool?.usable === true && pool.inflight === 0 && pool.idle;
    },
    run(payload, head = "") {
      // Length in UTF-16 units is a lower bound of the UTF-8 size: cheap, and good enough here.
      const length = payload.length + head.length;
      if (pool === null || length < target.minBytes || length > maxPooled || !pool.usable) {
        return runInline(payload, head);
      }
      return runPooled(payload, head);
    },
    runInline,
    runPooled,
    wants(size) {
      return pool !== null && size >= target.minBytes && size <= maxPooled && pool.usable;
    },
    close() {
      if (!pool || !generation) return;
      // After a reload the old chain may still be judging messages that started under it: keep
      // its configuration in the workers a while, so they are not failed for a missing one.
      const timer = setTimeout(() => pool.retire(generation), RETIRE_GRACE_MS);
      timer.unref?.();
    },
  };
}
