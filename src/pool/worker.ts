/**
 * A pool worker: reads jobs from its request ring, runs the named task, writes the result to
 * its response ring. Between batches it waits with `Atomics.waitAsync` and so returns to its
 * own event loop (where the engine finishes garbage collection work); a full response ring is
 * the only place it blocks, briefly, in `Atomics.wait`.
 */
import {
  REQ_CONFIG,
  REQ_DROP,
  REQ_RUN,
  RES_ERR,
  RES_OK,
  WORKER_READY,
  type WorkerInit,
  wordTask,
  wordType,
} from "./protocol.ts";
import { Ring, type RingRecord } from "./ring.ts";
import { type PoolTask, taskAt } from "./tasks.ts";

declare const self: Worker;

interface Prepared {
  readonly task: PoolTask<unknown, unknown, unknown>;
  readonly state: unknown;
}

/** How long a worker sleeps when its response ring is full, before retrying. */
const FULL_BACKOFF_MS = 1;
const backoff = new Int32Array(new SharedArrayBuffer(4));

async function serve(requests: Ring, responses: Ring): Promise<never> {
  const generations = new Map<number, Prepared | Error>();

  const reply = (id: number, type: number, payload: string) => {
    for (;;) {
      const r = responses.tryWrite(id, type, 0, payload);
      if (r === "ok") return;
      if (r === "too_large") {
        const msg = `result of ${payload.length} characters does not fit the response queue`;
        if (responses.tryWrite(id, RES_ERR, 0, msg) === "ok") return;
      }
      Atomics.wait(backoff, 0, 0, FULL_BACKOFF_MS);
    }
  };

  const handle = (rec: RingRecord) => {
    const type = wordType(rec.word);
    if (type === REQ_CONFIG) {
      const task = taskAt(wordTask(rec.word));
      try {
        if (!task) throw new Error(`unknown task index ${wordTask(rec.word)}`);
        generations.set(rec.generation, { task, state: task.prepare(JSON.parse(rec.payload)) });
        reply(rec.id, RES_OK, "null");
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        generations.set(rec.generation, err);
        reply(rec.id, RES_ERR, `configuration ${rec.generation} rejected: ${err.message}`);
      }
      return;
    }
    if (type === REQ_DROP) {
      generations.delete(rec.generation);
      return;
    }
    if (type !== REQ_RUN) {
      reply(rec.id, RES_ERR, `unknown record type ${type}`);
      return;
    }
    const prepared = generations.get(rec.generation);
    if (prepared === undefined) {
      reply(rec.id, RES_ERR, `no configuration ${rec.generation} in this worker`);
      return;
    }
    if (prepared instanceof Error) {
      reply(rec.id, RES_ERR, `configuration ${rec.generation} is unusable: ${prepared.message}`);
      return;
    }
    let out: string;
    try {
      out = JSON.stringify(prepared.task.run(rec.payload, prepared.state)) ?? "null";
    } catch (e) {
      reply(rec.id, RES_ERR, e instanceof Error ? e.message : String(e));
      return;
    }
    reply(rec.id, RES_OK, out);
  };

  // Between batches the worker waits with waitAsync, not Atomics.wait: returning to its event
  // loop lets the engine finish garbage collection work it schedules there (blocking forever in
  // Atomics.wait let the heap grow by tens of MiB per batch of 1 MiB jobs).
  for (;;) {
    const seen = requests.signal;
    for (let rec = requests.read(); rec !== undefined; rec = requests.read()) handle(rec);
    const wait = requests.waitAsync(seen);
    if (wait) await wait;
  }
}

self.onmessage = (event: MessageEvent<WorkerInit>) => {
  self.onmessage = null;
  // A pending waitAsync does not keep a worker alive: this timer does (the pool decides when it ends).
  setInterval(() => {}, 1 << 30);
  // Modules are loaded: from now on the pool counts the timeouts of this worker's jobs. Said
  // before serving, which runs the jobs already queued before it first waits.
  self.postMessage(WORKER_READY);
  void serve(new Ring(event.data.requests), new Ring(event.data.responses));
};
