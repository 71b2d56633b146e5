/** Messages and shared counters between the audit sink (main thread) and its writer worker. */
import type { JsonlRotation } from "./jsonl.ts";
import type { WriterKey } from "./store.ts";

/** Ring record types (the `word` of a ring record). */
export const REC_ENTRY = 1;
export const REC_FLUSH = 2;
export const REC_CLOSE = 3;

/** Writer states, in `Int32Array(stats)[STATE]`. */
export const STATE_STARTING = 0;
export const STATE_OK = 1;
export const STATE_FAILING = 2;
export const STATE_CLOSED = 3;

/** Int32 slots of the stats buffer. */
export const STATE = 0;
/** Float64 slots of the stats buffer (offset 8). */
export const F_COMMITTED = 0;
export const F_ERRORS = 1;
export const F_BATCHES = 2;
export const F_COMMIT_SECONDS = 3;
export const F_CHECKPOINTS = 4;
/** Entries the worker could not decode (never committed, no longer queued). */
export const F_DISCARDED = 5;
export const STATS_BYTES = 8 + 8 * 8;

export interface WorkerInit {
  readonly type: "init";
  readonly ring: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
  readonly file: string;
  readonly synchronous: "normal" | "full";
  readonly key?: WriterKey;
  readonly argsMode: "redacted" | "digest" | "none";
  readonly batchMs: number;
  readonly batchSize: number;
  /** How long to wait before retrying a failed commit. */
  readonly retryMs: number;
  readonly jsonl?: { readonly path: string; readonly rotation: JsonlRotation };
  readonly checkpoint?: { readonly pem: string; readonly keyId?: string; readonly intervalMs: number };
}

export type FromWorker =
  | { readonly type: "ready"; readonly seq: number; readonly gap?: { head: number; last: number } }
  | {
      readonly type: "error";
      readonly phase: "open" | "write" | "jsonl" | "checkpoint" | "entry";
      readonly message: string;
    }
  | { readonly type: "recovered"; readonly seq: number }
  | { readonly type: "ack"; readonly id: number; readonly ok: boolean; readonly seq: number }
  | { readonly type: "closed"; readonly seq: number; readonly unwritten: number };

export function statsViews(buf: SharedArrayBuffer): { state: Int32Array; f: Float64Array } {
  return { state: new Int32Array(buf, 0, 2), f: new Float64Array(buf, 8, 8) };
}
