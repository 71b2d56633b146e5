/**
 * A fixed set of Workers fed through SharedArrayBuffer rings (ARCHITECTURE.md §6).
 *
 * Each worker has two single-producer rings: requests (main → worker) and responses (worker →
 * main). The main thread never blocks: it waits for responses with `Atomics.waitAsync`, only
 * while a worker has jobs in flight.
 *
 * Dispatch and failure, in order:
 *   1. A job goes to the live worker with the fewest jobs in flight.
 *   2. A worker holds at most `queueDepth` jobs; when every worker is at its bound the job is
 *      rejected at once with POOL_FULL: the caller's fail mode decides. A job that does not fit
 *      the worker's ring now (the ring holds one largest frame) waits, in order, in the slot's
 *      backlog on the main thread and is written as the worker frees room: many large messages
 *      in flight are queued up to `queueDepth`, not refused for the ring's byte size.
 *   3. A configuration is published once (`publish`) and gets a generation number. Its record
 *      is written to a worker's ring before any job of that generation, so a worker always
 *      holds the configuration a job names: a reload reaches every worker before it is used.
 *   4. A worker that dies (crash, uncaught error, terminate) rejects its in-flight jobs with
 *      WORKER_CRASHED and is replaced by a fresh worker with fresh rings.
 *   5. A worker whose oldest job runs past `jobTimeoutMs` is terminated: its jobs fail with
 *      WORKER_TIMEOUT and the replacement serves the next ones. A job's clock starts when it is
 *      queued or when its worker is ready (modules loaded, tables built), whichever is later: a
 *      fresh worker's start-up is not charged to the jobs waiting for it.
 *   6. A worker that is not ready within `startupTimeoutMs` is terminated the same way (its jobs
 *      fail with WORKER_TIMEOUT) and counts as a worker that died before answering.
 */
import { POOL_WORKER_URL } from "../worker-urls.ts";
import { packWord, REQ_CONFIG, REQ_DROP, REQ_RUN, RES_OK, WORKER_READY, type WorkerInit } from "./protocol.ts";
import { Ring } from "./ring.ts";
import { type TaskName, taskIndex } from "./tasks.ts";

export type PoolErrorCode =
  | "POOL_FULL"
  | "POOL_CLOSED"
  | "WORKER_CRASHED"
  | "WORKER_TIMEOUT"
  | "TASK_FAILED"
  | "TOO_LARGE"
  | "UNKNOWN_GENERATION"
  | "POOL_BROKEN";

/** A job that did not produce a result. Interceptors let it propagate: the chain applies the fail mode. */
export class PoolError extends Error {
  constructor(
    readonly code: PoolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PoolError";
  }
}

export interface PoolOptions {
  /** Number of workers (≥ 1). */
  readonly size: number;
  /** Most jobs in flight per worker. */
  readonly queueDepth: number;
  /** Data bytes of each ring; the largest payload is this minus a 16-byte header. */
  readonly ringBytes: number;
  /** A worker whose oldest job is older than this is terminated and replaced. */
  readonly jobTimeoutMs: number;
  /** A worker not ready (loaded and serving) this long after it was started is terminated and replaced. */
  readonly startupTimeoutMs?: number;
  /** Worker entry; defaults to the pool worker. */
  readonly url?: URL | string;
  /** Told about worker deaths and replacements (for logs and metrics). */
  readonly onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent =
  | { readonly type: "worker_exit"; readonly worker: number; readonly reason: string; readonly failedJobs: number }
  | { readonly type: "worker_started"; readonly worker: number }
  | { readonly type: "worker_abandoned"; readonly worker: number; readonly reason: string };

/** Workers that die this many times in a row without answering are not replaced again. */
const MAX_EARLY_DEATHS = 3;
/** Default bound on a worker's start-up: loading the detectors takes well under a second. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 10_000;

interface Job {
  /** Configuration acknowledgements do not count against the queue bound. */
  readonly isConfig: boolean;
  readonly resolve: (text: string) => void;
  readonly reject: (e: PoolError) => void;
  readonly startedAt: number;
}

/** A record waiting on the main thread for room in a worker's request ring. */
interface Pending {
  readonly id: number;
  readonly word: number;
  readonly generation: number;
  readonly payload: string;
  readonly head: string;
}

/** While records wait for room, the pump also looks at the ring this often (DROP records free room unannounced). */
const BACKLOG_POLL_MS = 10;

interface Published {
  readonly task: number;
  readonly configJson: string;
}

class Slot {
  readonly requests: Ring;
  readonly responses: Ring;
  readonly worker: Worker;
  readonly inflight = new Map<number, Job>();
  /** In-flight jobs that are not configuration records: what `queueDepth` bounds. */
  jobs = 0;
  /** Generations whose configuration record is already in this worker's ring (or its backlog). */
  readonly configured = new Set<number>();
  /**
   * Records that did not fit in the request ring when sent, in order: written as the worker frees
   * room (the pump runs while they wait, as their jobs are in flight). The ring holds one largest
   * frame; `queueDepth` bounds the jobs, so many large messages wait here instead of being refused.
   * Nothing is copied: a record holds the strings the caller passed.
   */
  readonly backlog: Pending[] = [];
  alive = true;
  pumping = false;
  /** Set once the worker answered anything: a worker that dies before that may be unable to start. */
  served = false;
  readonly spawnedAt = performance.now();
  /** When the worker said it was ready to take work; jobs' timeout clocks start no earlier. */
  readyAt: number | undefined;

  constructor(
    readonly index: number,
    ringBytes: number,
    url: URL | string,
  ) {
    this.requests = Ring.create(ringBytes);
    this.responses = Ring.create(ringBytes);
    this.worker = new Worker(url, { smol: true });
    this.worker.addEventListener("message", (e) => {
      if ((e as MessageEvent).data !== WORKER_READY || this.readyAt !== undefined) return;
      this.readyAt = performance.now();
      // A pump waiting on the start-up deadline recomputes its deadline from the jobs.
      this.responses.wake();
    });
    const init: WorkerInit = { requests: this.requests.buffer, responses: this.responses.buffer };
    this.worker.postMessage(init);
    this.worker.unref();
  }

  /**
   * Writes a record to the request ring, or queues it behind the records already waiting.
   * "too_large" when it can never fit the ring.
   */
  send(id: number, word: number, generation: number, payload: string, head = ""): "ok" | "queued" | "too_large" {
    if (this.backlog.length === 0) {
      const r = this.requests.tryWrite(id, word, generation, payload, head);
      if (r === "ok" || r === "too_large") return r;
    } else if (payload.length + head.length > this.requests.maxPayloadBytes) return "too_large";
    this.backlog.push({ id, word, generation, payload, head });
    return "queued";
  }

  /** Writes waiting records while they fit; returns the ids of those that can never fit. */
  flush(): number[] {
    const backlog = this.backlog;
    const tooLarge: number[] = [];
    let n = 0;
    for (; n < backlog.length; n++) {
      const p = backlog[n]!;
      const r = this.requests.tryWrite(p.id, p.word, p.generation, p.payload, p.head);
      if (r === "too_large") tooLarge.push(p.id);
      else if (r !== "ok") break;
    }
    if (n > 0) backlog.splice(0, n);
    return tooLarge;
  }
}

export class WorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly published = new Map<number, Published>();
  private nextGeneration = 1;
  private nextId = 1;
  private closed = false;
  private readonly url: URL | string;
  /** Jobs that produced a result (not configuration acknowledgements). */
  completed = 0;
  /** Deaths in a row, per slot index, of workers that never answered. */
  private readonly earlyDeaths: number[] = [];

  constructor(private readonly opts: PoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new RangeError("pool size must be an integer >= 1");
    if (!Number.isInteger(opts.queueDepth) || opts.queueDepth < 1) throw new RangeError("queueDepth must be >= 1");
    this.size = opts.size;
    this.url = opts.url ?? POOL_WORKER_URL;
    for (let i = 0; i < opts.size; i++) this.slots.push(this.spawn(i));
  }

  /** The largest payload a job may carry, in UTF-8 bytes; larger ones must run inline. */
  get maxPayloadBytes(): number {
    return this.slots[0]!.requests.maxPayloadBytes;
  }

  /** Jobs in flight across all workers. */
  get inflight(): number {
    let n = 0;
    for (const s of this.slots) n += s.jobs;
    return n;
  }

  /** True when a live worker has nothing in flight or waiting: a job sent now starts at once. */
  get idle(): boolean {
    for (const s of this.slots) if (s.alive && s.jobs === 0 && s.backlog.length === 0) return true;
    return false;
  }

  /** The live Worker objects (for tests that kill one). */
  get workers(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  /**
   * Registers a task configuration and returns its generation. The record is queued to every
   * worker now (so they prepare it off the request path); `ready` settles when all have it.
   */
  publish(task: TaskName, config: unknown): { generation: number; ready: Promise<void> } {
    if (this.closed) throw new PoolError("POOL_CLOSED", "worker pool is closed");
    const generation = this.nextGeneration++;
    const entry = { task: taskIndex(task), configJson: JSON.stringify(config ?? null) };
    this.published.set(generation, entry);
    const acks = this.slots.map((slot) => this.sendConfig(slot, generation, entry));
    const ready = Promise.all(acks).then(() => undefined);
    // Nobody has to wait for it: a refused or lost configuration fails the jobs that name it.
    ready.catch(() => undefined);
    return { generation, ready };
  }

  /** Forgets a generation: workers drop its prepared state; later jobs naming it are refused. */
  retire(generation: number): void {
    if (!this.published.delete(generation)) return;
    for (const slot of this.slots) {
      // Behind any waiting jobs of that generation, never ahead of them.
      if (slot.configured.delete(generation)) slot.send(0, packWord(REQ_DROP, 0), generation, "");
    }
  }

  /**
   * Runs `task` on `head + payload` in a worker under configuration `generation` (the two are
   * copied into the ring one after the other, never joined on this thread); resolves with the
   * task's result as JSON text. Rejects with a {@link PoolError}; never throws synchronously.
   */
  run(task: TaskName, payload: string, generation: number, head = ""): Promise<string> {
    if (this.closed) return Promise.reject(new PoolError("POOL_CLOSED", "worker pool is closed"));
    const entry = this.published.get(generation);
    if (entry === undefined || entry.task !== taskIndex(task)) {
      return Promise.reject(
        new PoolError("UNKNOWN_GENERATION", `no configuration ${generation} published for task ${task}`),
      );
    }
    // The least-loaded live worker; the others only when it cannot take the job (its ring is
    // never "full" for a job: one that does not fit now waits in the slot's backlog).
    const slots = this.slots;
    let best: Slot | undefined;
    for (const slot of slots) if (slot.alive && (best === undefined || slot.jobs < best.jobs)) best = slot;
    if (best === undefined) return Promise.reject(new PoolError("POOL_BROKEN", "no pool worker could be started"));
    let sawTooLarge = false;
    for (let k = -1; k < slots.length; k++) {
      const slot: Slot = k < 0 ? best : slots[k]!;
      if ((k >= 0 && slot === best) || !slot.alive || slot.jobs >= this.opts.queueDepth) continue;
      if (!slot.configured.has(generation) && !this.writeConfig(slot, generation, entry)) continue;
      const id = this.takeId();
      const r = slot.send(id, packWord(REQ_RUN, entry.task), generation, payload, head);
      if (r !== "too_large") return this.track(slot, id, false);
      sawTooLarge = true;
      break;
    }
    if (sawTooLarge) {
      return Promise.reject(
        new PoolError("TOO_LARGE", `payload is larger than the worker queue (${this.maxPayloadBytes} bytes)`),
      );
    }
    return Promise.reject(new PoolError("POOL_FULL", "worker pool queue is full"));
  }

  /** Terminates every worker; in-flight jobs fail with POOL_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      this.kill(slot, new PoolError("POOL_CLOSED", "worker pool is closed"));
      slot.worker.terminate();
    }
  }

  private spawn(index: number): Slot {
    const slot = new Slot(index, this.opts.ringBytes, this.url);
    const onDeath = (reason: string) => {
      if (!slot.alive) return;
      this.kill(slot, new PoolError("WORKER_CRASHED", `pool worker ${index} died (${reason}); job not inspected`));
      this.replace(slot, reason);
    };
    slot.worker.addEventListener("error", (e) => {
      onDeath(`uncaught error: ${(e as ErrorEvent).message ?? "unknown"}`);
      slot.worker.terminate();
    });
    slot.worker.addEventListener("close", (e) => onDeath(`exited with code ${(e as CloseEvent).code}`));
    for (const [generation, entry] of this.published) this.writeConfig(slot, generation, entry);
    this.opts.onEvent?.({ type: "worker_started", worker: index });
    return slot;
  }

  /** Marks a slot dead and rejects everything it held. */
  private kill(slot: Slot, error: PoolError): void {
    if (!slot.alive) return;
    slot.alive = false;
    const jobs = [...slot.inflight.values()];
    slot.inflight.clear();
    slot.backlog.length = 0;
    slot.jobs = 0;
    for (const job of jobs) job.reject(error);
    // Wake a pump waiting on this slot so it sees the slot is gone.
    slot.responses.wake();
    if (error.code === "POOL_CLOSED") return;
    this.opts.onEvent?.({
      type: "worker_exit",
      worker: slot.index,
      reason: error.message,
      failedJobs: jobs.filter((j) => !j.isConfig).length,
    });
  }

  /**
   * Starts a fresh worker in a dead one's place, unless workers at that place keep dying before
   * they answer anything (a worker that cannot start would otherwise be respawned forever).
   */
  private replace(dead: Slot, reason: string): void {
    if (this.closed) return;
    const i = this.slots.indexOf(dead);
    if (i < 0) return;
    const early = dead.served ? 0 : (this.earlyDeaths[dead.index] ?? 0) + 1;
    this.earlyDeaths[dead.index] = early;
    if (early >= MAX_EARLY_DEATHS) {
      this.opts.onEvent?.({ type: "worker_abandoned", worker: dead.index, reason });
      return;
    }
    this.slots[i] = this.spawn(dead.index);
  }

  /** True while at least one worker is alive; false once every place has been abandoned. */
  get usable(): boolean {
    return !this.closed && this.slots.some((s) => s.alive);
  }

  private sendConfig(slot: Slot, generation: number, entry: Published): Promise<void> {
    if (slot.configured.has(generation)) return Promise.resolve();
    const id = this.takeId();
    // A configuration larger than the ring is not an error here: the jobs that name it fail.
    if (slot.send(id, packWord(REQ_CONFIG, entry.task), generation, entry.configJson) === "too_large")
      return Promise.resolve();
    slot.configured.add(generation);
    return this.track(slot, id, true).then(() => undefined);
  }

  /** Sends a configuration record (written or queued) without waiting for its acknowledgement. */
  private writeConfig(slot: Slot, generation: number, entry: Published): boolean {
    const id = this.takeId();
    if (slot.send(id, packWord(REQ_CONFIG, entry.task), generation, entry.configJson) === "too_large") return false;
    slot.configured.add(generation);
    // The acknowledgement is consumed like any response; a rejected configuration shows up as
    // an error on every job of that generation.
    this.track(slot, id, true).catch(() => undefined);
    return true;
  }

  private track(slot: Slot, id: number, isConfig: boolean): Promise<string> {
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    slot.inflight.set(id, { isConfig, resolve, reject, startedAt: performance.now() });
    if (!isConfig) slot.jobs++;
    if (!slot.pumping) void this.pump(slot);
    return promise;
  }

  /** A waiting job whose payload turned out larger than the ring: the offloader runs it inline. */
  private refuseTooLarge(slot: Slot, id: number): void {
    const job = slot.inflight.get(id);
    if (!job) return;
    slot.inflight.delete(id);
    if (!job.isConfig) slot.jobs--;
    job.reject(new PoolError("TOO_LARGE", `payload is larger than the worker queue (${this.maxPayloadBytes} bytes)`));
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= 0x7fffffff ? 1 : id + 1;
    return id;
  }

  private get startupTimeoutMs(): number {
    return this.opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  }

  /**
   * Milliseconds until the slot's deadline: its start-up bound while the worker is not ready,
   * then its oldest job's timeout, counted from max(queued, worker ready).
   */
  private timeLeft(slot: Slot): number {
    const now = performance.now();
    if (slot.readyAt === undefined) return slot.spawnedAt + this.startupTimeoutMs - now;
    const oldest = slot.inflight.values().next().value as Job;
    return Math.max(oldest.startedAt, slot.readyAt) + this.opts.jobTimeoutMs - now;
  }

  /** Drains a slot's responses while it has jobs in flight, waiting without blocking. */
  private async pump(slot: Slot): Promise<void> {
    slot.pumping = true;
    try {
      while (slot.alive && slot.inflight.size > 0) {
        const seen = slot.responses.signal;
        for (let rec = slot.responses.read(); rec !== undefined; rec = slot.responses.read()) {
          const job = slot.inflight.get(rec.id);
          if (!job) continue;
          slot.inflight.delete(rec.id);
          if (!job.isConfig) slot.jobs--;
          slot.served = true;
          if (rec.word === RES_OK) {
            if (!job.isConfig) this.completed++;
            job.resolve(rec.payload);
          } else job.reject(new PoolError("TASK_FAILED", rec.payload));
        }
        // The worker read records, so waiting ones may fit now.
        if (slot.backlog.length > 0) for (const id of slot.flush()) this.refuseTooLarge(slot, id);
        if (!slot.alive || slot.inflight.size === 0) break;
        const left = this.timeLeft(slot);
        if (left <= 0) {
          const message =
            slot.readyAt === undefined
              ? `pool worker ${slot.index} did not start within ${this.startupTimeoutMs} ms`
              : `pool worker ${slot.index} exceeded ${this.opts.jobTimeoutMs} ms`;
          this.kill(slot, new PoolError("WORKER_TIMEOUT", message));
          slot.worker.terminate();
          this.replace(slot, "timeout");
          break;
        }
        const wait = slot.responses.waitAsync(
          seen,
          slot.backlog.length > 0 ? Math.min(BACKLOG_POLL_MS, Math.ceil(left)) : Math.ceil(left),
        );
        if (wait) await wait;
      }
    } finally {
      slot.pumping = false;
    }
  }
}
