/**
 * The audit writer worker: the only owner of the SQLite connection. Reads pending entries from
 * the ring, finalises (redacts) them, chains, signs and commits them in groups:
 *
 *   1. a commit happens when `batchSize` entries are waiting, when the oldest waiting entry is
 *      `batchMs` old, or when a flush/close marker arrives (everything before it is committed
 *      before the marker is acknowledged); while a group is being collected, single records do
 *      not wake the writer (the sink wakes it for a marker and for every `batchSize` records);
 *   2. a failed commit keeps its entries and the chain state; the worker stops reading (so the
 *      bounded queue fills and the sink applies `on_failure`) and retries every `retryMs`;
 *   3. after a successful commit the records are mirrored to JSONL and, when due, a signed
 *      checkpoint is written.
 */

import { Ring } from "../pool/ring.ts";
import type { PendingEntry } from "./entry.ts";
import { finalizeEntry, type UnchainedRecord } from "./finalize.ts";
import { JsonlMirror } from "./jsonl.ts";
import {
  F_BATCHES,
  F_CHECKPOINTS,
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
  STATE_OK,
  statsViews,
  type WorkerInit,
} from "./protocol.ts";
import { type CheckpointSigner, createCheckpointSigner } from "./signer.ts";
import { AuditWriter } from "./store.ts";

declare const self: Worker;

const post = (m: FromWorker) => self.postMessage(m);
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function run(init: WorkerInit): Promise<void> {
  const ring = new Ring(init.ring);
  const { state, f } = statsViews(init.stats);
  let writer: AuditWriter | undefined;
  let mirror: JsonlMirror | undefined;
  let signer: CheckpointSigner | undefined;
  let lastCheckpointSeq = 0;
  let lastCheckpointAt = performance.now();
  const batch: UnchainedRecord[] = [];
  let firstAt = 0;
  let failing = false;

  const fail = (phase: "open" | "write", e: unknown) => {
    f[F_ERRORS]! += 1;
    // State first: the sink may act on the message as soon as it arrives.
    Atomics.store(state, STATE, STATE_FAILING);
    if (!failing) post({ type: "error", phase, message: errText(e) });
    failing = true;
  };

  const open = (): boolean => {
    if (writer) return true;
    try {
      writer = new AuditWriter({ file: init.file, synchronous: init.synchronous, key: init.key });
      lastCheckpointSeq = writer.seq;
      post({ type: "ready", seq: writer.seq, gap: writer.gapAtOpen });
      return true;
    } catch (e) {
      fail("open", e);
      return false;
    }
  };

  if (init.checkpoint) {
    try {
      signer = await createCheckpointSigner(init.checkpoint.pem, init.checkpoint.keyId);
    } catch (e) {
      post({ type: "error", phase: "checkpoint", message: `checkpoint key unusable: ${errText(e)}` });
    }
  }
  if (init.jsonl) {
    try {
      mirror = new JsonlMirror(init.jsonl.path, init.jsonl.rotation);
    } catch (e) {
      post({ type: "error", phase: "jsonl", message: errText(e) });
    }
  }
  if (open()) Atomics.store(state, STATE, STATE_OK);
  // Here rather than on the main thread: the page faults of a fresh ring land on this thread.
  ring.prefault();

  const checkpoint = async (force: boolean) => {
    if (!signer || !writer || writer.seq === lastCheckpointSeq) return;
    if (!force && performance.now() - lastCheckpointAt < init.checkpoint!.intervalMs) return;
    const payload = { seq: writer.seq, hash: writer.prevHash, timestamp: new Date().toISOString() };
    try {
      const jws = await signer.sign(payload);
      writer.addCheckpoint({ ...payload, key_id: signer.keyId, jws });
      lastCheckpointSeq = payload.seq;
      lastCheckpointAt = performance.now();
      f[F_CHECKPOINTS]! += 1;
    } catch (e) {
      post({ type: "error", phase: "checkpoint", message: errText(e) });
    }
  };

  /** Commits what is waiting; true when nothing is left waiting. */
  const commit = (): boolean => {
    if (batch.length === 0) return true;
    if (!open()) return false;
    const t0 = performance.now();
    let done: ReturnType<AuditWriter["append"]>;
    let mirrorError: unknown;
    try {
      done = writer!.append(batch, (records) => {
        if (!mirror) return;
        try {
          mirror.append(records);
        } catch (e) {
          mirrorError = e;
        }
      });
    } catch (e) {
      fail("write", e);
      return false;
    }
    if (mirrorError !== undefined) post({ type: "error", phase: "jsonl", message: errText(mirrorError) });
    f[F_COMMIT_SECONDS]! += (performance.now() - t0) / 1000;
    f[F_BATCHES]! += 1;
    f[F_COMMITTED]! += done.length;
    batch.length = 0;
    if (failing) {
      failing = false;
      Atomics.store(state, STATE, STATE_OK);
      post({ type: "recovered", seq: writer!.seq });
    }
    return true;
  };

  const finish = async (id: number) => {
    const ok = commit();
    if (ok) await checkpoint(true);
    const seq = writer?.seq ?? 0;
    post({ type: "ack", id, ok, seq });
    try {
      writer?.close();
    } catch {
      // closing a broken database: nothing more to save
    }
    mirror?.close();
    Atomics.store(state, STATE, STATE_CLOSED);
    post({ type: "closed", seq, unwritten: batch.length });
  };

  for (;;) {
    if (failing) {
      await Bun.sleep(init.retryMs);
      commit();
    }
    const seen = ring.signal;
    let marker: { word: number; id: number } | undefined;
    // While failing, everything is read and kept for the retry: the sink's queue bound
    // (records written minus committed) limits how much that can be.
    const cap = failing ? Number.POSITIVE_INFINITY : init.batchSize;
    while (batch.length < cap) {
      const r = ring.read();
      if (r === undefined) break;
      if (r.word === REC_ENTRY) {
        try {
          batch.push(finalizeEntry(JSON.parse(r.payload) as PendingEntry, init.argsMode));
        } catch (e) {
          f[F_DISCARDED]! += 1;
          post({ type: "error", phase: "entry", message: errText(e) });
          continue;
        }
        if (batch.length === 1) firstAt = performance.now();
        continue;
      }
      marker = { word: r.word, id: r.id };
      break;
    }
    if (marker?.word === REC_CLOSE) {
      await finish(marker.id);
      return;
    }
    if (failing) {
      if (marker?.word === REC_FLUSH) post({ type: "ack", id: marker.id, ok: false, seq: writer?.seq ?? 0 });
      continue;
    }
    const due =
      batch.length >= init.batchSize ||
      marker !== undefined ||
      (batch.length > 0 && performance.now() - firstAt >= init.batchMs);
    if (due) {
      const ok = commit();
      if (ok) await checkpoint(false);
      if (marker?.word === REC_FLUSH) post({ type: "ack", id: marker.id, ok, seq: writer?.seq ?? 0 });
      continue;
    }
    if (batch.length > 0) {
      // Collecting a group: the batch deadline, a marker or a full batch wakes the writer (the
      // sink calls `wake` for those), not every record: a wake-up per record costs both threads
      // more than the record itself.
      const w = ring.waitAsync(seen, Math.max(0.1, init.batchMs - (performance.now() - firstAt)), false);
      if (w) await w;
    } else {
      const cp = signer
        ? Math.max(10, init.checkpoint!.intervalMs - (performance.now() - lastCheckpointAt))
        : undefined;
      const w = ring.waitAsync(seen, cp);
      if (w) await w;
      if (signer) await checkpoint(false);
    }
  }
}

let started = false;
// The handler stays installed: it keeps the worker's event loop alive while it waits on the ring.
self.onmessage = (ev: MessageEvent<WorkerInit>) => {
  if (ev.data?.type !== "init" || started) return;
  started = true;
  const init = ev.data;
  run(init).catch((e) => {
    // A bug stopped the writer: say so through the state, so on_failure applies at once.
    Atomics.store(statsViews(init.stats).state, STATE, STATE_FAILING);
    post({ type: "error", phase: "write", message: `writer stopped: ${errText(e)}` });
  });
};
