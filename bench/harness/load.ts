/**
 * Load generation. Closed loop: each lane sends its next request when the previous one is
 * answered (fixed concurrency). Open loop: requests are due at a fixed rate whatever happens,
 * and latency counts from when a request was due, so a stall is charged to every request it
 * delayed (no coordinated omission).
 */
import { ErrorResponse, type Lane } from "./targets.ts";

export interface LoadResult {
  /** Latency of each request answered with a result, in ms. */
  readonly samples: Float64Array;
  readonly requests: number;
  readonly elapsedMs: number;
  readonly errors: number;
}

/** Runs until `count` requests completed or `durationMs` passed, whichever comes first. */
export async function closedLoop(lanes: Lane[], opts: { count?: number; durationMs?: number }): Promise<LoadResult> {
  const limit = opts.count ?? Number.POSITIVE_INFINITY;
  const samples: number[] = [];
  let started = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.durationMs;
  await Promise.all(
    lanes.map(async (lane) => {
      while (started < limit) {
        const now = performance.now();
        if (now >= deadline) return;
        started++;
        try {
          await lane.send();
          samples.push(performance.now() - now);
        } catch (e) {
          errors++;
          // An error answer still completed a round trip; a dead connection ends the lane.
          if (!(e instanceof ErrorResponse)) return;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  return { samples: Float64Array.from(samples), requests: samples.length, elapsedMs, errors };
}

/** Sends `ratePerSec` requests a second for `durationMs` over the lanes. */
export async function openLoop(lanes: Lane[], ratePerSec: number, durationMs: number): Promise<LoadResult> {
  const interval = 1000 / ratePerSec;
  const total = Math.floor((durationMs / 1000) * ratePerSec);
  const samples: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  let issued = 0;
  const idle = [...lanes];
  const queue: number[] = [];
  const { promise: finished, resolve } = Promise.withResolvers<void>();
  let inflight = 0;

  const pump = () => {
    while (idle.length > 0 && queue.length > 0) {
      const due = queue.shift()!;
      const lane = idle.pop()!;
      inflight++;
      lane.send().then(
        () => {
          samples.push(performance.now() - due);
          done(lane);
        },
        () => {
          errors++;
          done(lane);
        },
      );
    }
  };
  const done = (lane: Lane) => {
    inflight--;
    idle.push(lane);
    pump();
    if (issued >= total && queue.length === 0 && inflight === 0) resolve();
  };
  const tick = () => {
    const now = performance.now();
    while (issued < total && t0 + issued * interval <= now) queue.push(t0 + issued++ * interval);
    pump();
    if (issued < total) setTimeout(tick, Math.max(0, t0 + issued * interval - performance.now()));
    else if (queue.length === 0 && inflight === 0) resolve();
  };
  tick();
  await finished;
  return {
    samples: Float64Array.from(samples),
    requests: samples.length,
    elapsedMs: performance.now() - t0,
    errors,
  };
}
