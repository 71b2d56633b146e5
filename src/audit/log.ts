/**
 * The audit sink transports call: queues records for the writer worker without waiting, and
 * applies `audit.on_failure` when the log cannot keep up or cannot write.
 *
 * Hot path per record: build a flat entry, JSON.stringify it, copy it into a SharedArrayBuffer
 * ring (one `encodeInto`; an Atomics notify only when the writer is idle, see pool/ring.ts). The worker does redaction, hashing, signing and
 * SQLite. The queue bound is `audit.queue_max` records written but not yet committed.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { UsageError } from "../config/errors.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/index.ts";
import { Counter, CounterFunc, Gauge, observeDecision, registry } from "../metrics/index.ts";
import { Ring } from "../pool/ring.ts";
import { AUDIT_WORKER_URL } from "../worker-urls.ts";
import { type Alerter, createAlerter } from "./alert.ts";
import { type EntryOptions, toPendingEntry } from "./entry.ts";
import {
  F_BATCHES,
  F_COMMIT_SECONDS,
  F_COMMITTED,
  F_DISCARDED,
  F_ERRORS,
  type FromWorker,
  REC_CLOSE,
  REC_ENTRY,
  REC_FLUSH,
  STATE,
  STATE_CLOSED,
  STATE_FAILING,
  STATS_BYTES,
  statsViews,
  type WorkerInit,
} from "./protocol.ts";
import { deriveKeyId } from "./record.ts";
import type { AuditConfig } from "./schema.ts";
import { createCheckpointSigner } from "./signer.ts";
import type { AuditEvent, AuditSink } from "./sink.ts";

const READY_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 30_000;
const RETRY_MS = 250;
const DROP_LOG_INTERVAL_MS = 10_000;

export function defaultAuditDb(env: Record<string, string | undefined> = process.env): string {
  return join(env.HOME || homedir(), ".mcpgw", "audit.db");
}

export interface AuditLogOptions {
  readonly file: string;
  readonly audit: AuditConfig;
  /** Whether traffic is refused when the log cannot write. */
  readonly blockOnFailure: boolean;
  readonly jsonl?: string;
  readonly logger: Logger;
}

const dropped = registry.register(
  new Counter("mcpgw_audit_dropped_total", "Audit records that could not be queued, by reason", ["reason"]),
);

/** The live audit log, read by the metrics below. */
let current: AuditLog | undefined;
const stat = (i: number) => () => (current ? current.stat(i) : 0);
registry.register(new CounterFunc("mcpgw_audit_records_total", "Audit records committed", stat(F_COMMITTED)));
registry.register(new CounterFunc("mcpgw_audit_write_errors_total", "Failed audit commits", stat(F_ERRORS)));
registry.register(new CounterFunc("mcpgw_audit_batches_total", "Audit group commits", stat(F_BATCHES)));
registry.register(
  new CounterFunc("mcpgw_audit_commit_seconds_total", "Time spent in audit commits", stat(F_COMMIT_SECONDS)),
);
registry.register(
  new Gauge("mcpgw_audit_queue_depth", "Audit records queued but not yet committed", [], () =>
    current ? [{ labels: [], value: current.depth }] : [],
  ),
);
registry.register(
  new Gauge("mcpgw_audit_failing", "1 while the audit log cannot write", [], () =>
    current ? [{ labels: [], value: current.failing ? 1 : 0 }] : [],
  ),
);

export class AuditLog implements AuditSink {
  private readonly ring: Ring;
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly f: Float64Array;
  private readonly entryOpts: EntryOptions;
  private readonly queueMax: number;
  private readonly batchSize: number;
  /** Records written since the writer was last woken explicitly. */
  private sinceWake = 0;
  private readonly logger: Logger;
  private written = 0;
  private closed = false;
  private markerId = 0;
  private readonly acks = new Map<number, (ok: boolean) => void>();
  private readonly closedWaiters: ((unwritten: number) => void)[] = [];
  private droppedSinceLog = 0;
  private lastDropLog = 0;
  /** Resolves once the worker opened the database (true) or failed to (false). */
  readonly ready: Promise<boolean>;
  readonly blockOnFailure: boolean;

  constructor(opts: AuditLogOptions) {
    const a = opts.audit;
    this.logger = opts.logger;
    this.blockOnFailure = opts.blockOnFailure;
    this.queueMax = a.queue_max;
    this.batchSize = a.batch_size;
    this.entryOpts = { arguments: a.arguments, maxArgsBytes: a.max_args_bytes, labelClaims: a.label_claims };
    this.ring = Ring.create(Math.min(64 << 20, Math.max(1 << 20, a.queue_max * 256)));
    const stats = new SharedArrayBuffer(STATS_BYTES);
    ({ state: this.state, f: this.f } = statsViews(stats));
    const { promise, resolve: done } = Promise.withResolvers<boolean>();
    this.ready = promise;
    this.worker = new Worker(AUDIT_WORKER_URL);
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.onWorker(ev.data, done);
    this.worker.onerror = (ev) => {
      this.logger.error("audit writer crashed", { error: ev.message });
      Atomics.store(this.state, STATE, STATE_FAILING);
      done(false);
      for (const [, r] of this.acks) r(false);
      this.acks.clear();
      for (const w of this.closedWaiters.splice(0)) w(this.depth);
    };
    const init: WorkerInit = {
      type: "init",
      ring: this.ring.buffer,
      stats,
      file: opts.file,
      synchronous: a.synchronous,
      key: a.signing_key ? { id: a.key_id ?? deriveKeyId(a.signing_key), secret: a.signing_key } : undefined,
      argsMode: a.arguments,
      batchMs: a.batch_ms,
      batchSize: a.batch_size,
      retryMs: RETRY_MS,
      jsonl: opts.jsonl ? { path: resolve(opts.jsonl), rotation: a.jsonl } : undefined,
      checkpoint: a.checkpoint_key
        ? { pem: a.checkpoint_key, keyId: a.checkpoint_key_id, intervalMs: a.checkpoint_interval }
        : undefined,
    };
    this.worker.postMessage(init);
    this.worker.unref();
    current = this;
  }

  private onWorker(m: FromWorker, ready: (ok: boolean) => void): void {
    switch (m.type) {
      case "ready":
        if (m.gap)
          this.logger.error("audit log was cut short while mcpgw was stopped; continuing after the recorded head", {
            head_seq: m.gap.head,
            last_seq: m.gap.last,
          });
        ready(true);
        return;
      case "error": {
        const consequence =
          m.phase === "open" || m.phase === "write"
            ? this.blockOnFailure
              ? "traffic is refused until it recovers (audit.on_failure: block)"
              : "traffic continues; records queue up and are dropped when the queue is full (audit.on_failure: continue)"
            : undefined;
        this.logger.error(`audit log ${m.phase} failed`, { error: m.message, consequence });
        if (m.phase === "open") ready(false);
        return;
      }
      case "recovered":
        this.logger.info("audit log writable again", { seq: m.seq });
        return;
      case "ack": {
        const r = this.acks.get(m.id);
        this.acks.delete(m.id);
        r?.(m.ok);
        return;
      }
      case "closed":
        for (const w of this.closedWaiters.splice(0)) w(m.unwritten);
        return;
    }
  }

  /** A writer counter (see protocol.ts). */
  stat(i: number): number {
    return this.f[i] ?? 0;
  }

  /** Records queued but not yet committed (or discarded). */
  get depth(): number {
    return this.written - this.f[F_COMMITTED]! - this.f[F_DISCARDED]!;
  }

  get failing(): boolean {
    return Atomics.load(this.state, STATE) === STATE_FAILING;
  }

  get refusing(): boolean {
    if (!this.blockOnFailure) return false;
    return this.closed || this.failing || this.depth >= this.queueMax;
  }

  record(ev: AuditEvent): boolean {
    if (this.closed) return this.drop("closed");
    if (this.depth >= this.queueMax) return this.drop("queue_full");
    const entry = toPendingEntry(ev, this.entryOpts);
    let r = this.ring.tryWrite(0, REC_ENTRY, 0, JSON.stringify(entry));
    if (r === "too_large" && entry.args !== undefined) {
      entry.args = undefined;
      entry.an = "omitted: record too large for the audit queue";
      r = this.ring.tryWrite(0, REC_ENTRY, 0, JSON.stringify(entry));
    }
    if (r !== "ok") return this.drop(r === "too_large" ? "too_large" : "queue_full");
    this.written++;
    // The writer collecting a group is not woken per record (see worker.ts): a full group wakes it.
    if (++this.sinceWake >= this.batchSize) {
      this.sinceWake = 0;
      this.ring.wake();
    }
    return true;
  }

  private drop(reason: string): false {
    dropped.inc([reason]);
    this.droppedSinceLog++;
    const now = Date.now();
    if (now - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
      this.logger.error("audit records dropped", {
        count: this.droppedSinceLog,
        reason,
        on_failure: this.blockOnFailure ? "block" : "continue",
      });
      this.droppedSinceLog = 0;
      this.lastDropLog = now;
    }
    return false;
  }

  private async marker(word: number, timeoutMs: number): Promise<boolean> {
    const id = ++this.markerId;
    const { promise, resolve: done } = Promise.withResolvers<boolean>();
    this.acks.set(id, done);
    const deadline = performance.now() + timeoutMs;
    while (this.ring.tryWrite(id, word, 0, "") !== "ok") {
      if (performance.now() > deadline || Atomics.load(this.state, STATE) === STATE_CLOSED) {
        this.acks.delete(id);
        return false;
      }
      await Bun.sleep(1);
    }
    this.ring.wake();
    const timer = setTimeout(() => {
      this.acks.delete(id);
      done(false);
    }, timeoutMs);
    const ok = await promise;
    clearTimeout(timer);
    return ok;
  }

  /** Waits until everything queued before the call is committed (or the writer reports failure). */
  async flush(): Promise<void> {
    if (this.closed) return;
    const ok = await this.marker(REC_FLUSH, CLOSE_TIMEOUT_MS);
    if (!ok) this.logger.error("audit flush incomplete: the log cannot write", { queued: this.depth });
  }

  /** Commits everything queued, writes a final checkpoint, closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { promise, resolve: done } = Promise.withResolvers<number>();
    this.closedWaiters.push(done);
    const ok = await this.marker(REC_CLOSE, CLOSE_TIMEOUT_MS);
    const timer = setTimeout(() => done(this.depth), ok ? CLOSE_TIMEOUT_MS : 0);
    const unwritten = await promise;
    clearTimeout(timer);
    if (!ok || unwritten > 0)
      this.logger.error("audit log closed with records unwritten", { unwritten: Math.max(unwritten, this.depth) });
    this.worker.terminate();
    if (current === this) current = undefined;
  }
}

/** A sink that records metrics and alerts, and forwards to the audit log when there is one. */
class GatewaySink implements AuditSink {
  constructor(
    private readonly log: AuditLog | undefined,
    private readonly alerter: Alerter | undefined,
  ) {}
  record(ev: AuditEvent): boolean {
    const r = ev.result;
    const lat = ev.ctx.request ? ev.ctx.receivedAt - ev.ctx.request.startedAt : undefined;
    observeDecision(ev.ctx.direction, ev.ctx.method, r.action, r.decidedBy, r.durationMs, lat);
    if (this.alerter !== undefined && r.action === "block") this.alerter.notify(ev);
    return this.log ? this.log.record(ev) : true;
  }
  get refusing(): boolean {
    return this.log?.refusing ?? false;
  }
  flush(): Promise<void> {
    return this.log ? this.log.flush() : Promise.resolve();
  }
  async close(): Promise<void> {
    await Promise.all([this.log?.close(), this.alerter?.close()]);
  }
}

/** Where the database is: the config value (flag / env / file), else ~/.mcpgw/audit.db. */
export function auditDbPath(config: Pick<Config, "audit">): string {
  return resolve(config.audit.db ?? defaultAuditDb());
}

/**
 * The one factory transports call. Starts the writer worker and waits until the database is
 * open (or has failed to open: then `on_failure` applies from the first message on).
 */
export async function createAuditSink(config: Config, logger: Logger): Promise<AuditSink> {
  const alerter = createAlerter(config.alerting, logger);
  if (!config.audit.enabled) {
    logger.info("audit log disabled");
    return new GatewaySink(undefined, alerter);
  }
  if (config.audit.checkpoint_key !== undefined) {
    // A configured but unusable checkpoint key is a configuration error, not a silent downgrade.
    try {
      await createCheckpointSigner(config.audit.checkpoint_key, config.audit.checkpoint_key_id);
    } catch (e) {
      throw new UsageError(`audit.checkpoint_key: ${(e as Error).message}`);
    }
  }
  const file = auditDbPath(config);
  const onFailure = config.audit.on_failure ?? (config.mode === "enforce" ? "block" : "continue");
  const log = new AuditLog({
    file,
    audit: config.audit,
    blockOnFailure: onFailure === "block",
    jsonl: config.audit_log,
    logger,
  });
  const timeout = Bun.sleep(READY_TIMEOUT_MS).then(() => false);
  const opened = await Promise.race([log.ready, timeout]);
  if (opened) logger.info("audit log open", { db: file, signed: config.audit.signing_key !== undefined });
  return new GatewaySink(log, alerter);
}
