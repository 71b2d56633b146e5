/** Real Worker threads running src/pool/worker.ts over real SharedArrayBuffer rings. */
import { afterEach, describe, expect, test } from "bun:test";
import { PoolError, type PoolEvent, WorkerPool } from "../../../src/pool/index.ts";

const slowStart = new URL("../../fixtures/workers/slow-start-worker-fixture.ts", import.meta.url);

const pools: WorkerPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

function makePool(over: Partial<ConstructorParameters<typeof WorkerPool>[0]> = {}): WorkerPool {
  const pool = new WorkerPool({ size: 1, queueDepth: 16, ringBytes: 64 * 1024, jobTimeoutMs: 30_000, ...over });
  pools.push(pool);
  return pool;
}

async function rejection(p: Promise<unknown>): Promise<PoolError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PoolError) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

describe("WorkerPool", () => {
  test("runs a task in a worker and returns its result as JSON text", async () => {
    const pool = makePool();
    const { generation, ready } = pool.publish("json_inspect", { max_depth: 8, max_nodes: 100 });
    await ready;
    const text = await pool.run("json_inspect", JSON.stringify({ a: [1, "two", { b: null }] }), generation);
    expect(JSON.parse(text)).toMatchObject({ ok: true, depth: 4, nodes: 6, strings: 3, string_chars: 5 });
  });

  test("reports a task's exception as TASK_FAILED without losing the worker", async () => {
    const pool = makePool();
    const fail = pool.publish("fail", null).generation;
    const echo = pool.publish("echo", null).generation;
    const err = await rejection(pool.run("fail", "boom", fail));
    expect(err.code).toBe("TASK_FAILED");
    expect(err.message).toBe("boom");
    expect(JSON.parse(await pool.run("echo", "still here", echo))).toBe("still here");
  });

  test("keeps results matched to their jobs under many concurrent callers and workers", async () => {
    const pool = makePool({ size: 2, queueDepth: 64, ringBytes: 8 * 1024 });
    const echo = pool.publish("echo", null).generation;
    const payloads = Array.from({ length: 2000 }, (_, i) => `job ${i} ${"∑".repeat(i % 50)}`);
    const results: string[] = [];
    // 32 async producers, each sending its share one at a time, retrying when the queue is full.
    await Promise.all(
      Array.from({ length: 32 }, async (_, lane) => {
        for (let i = lane; i < payloads.length; i += 32) {
          for (;;) {
            try {
              results[i] = JSON.parse(await pool.run("echo", payloads[i]!, echo));
              break;
            } catch (e) {
              if (!(e instanceof PoolError && e.code === "POOL_FULL")) throw e;
              await Bun.sleep(1);
            }
          }
        }
      }),
    );
    expect(results).toEqual(payloads);
    expect(pool.inflight).toBe(0);
  });

  test("rejects with POOL_FULL at once when every worker holds queue_depth jobs", async () => {
    const pool = makePool({ queueDepth: 2 });
    const spin = pool.publish("spin", null).generation;
    const a = pool.run("spin", "200", spin);
    const b = pool.run("spin", "1", spin);
    const c = await rejection(pool.run("spin", "1", spin));
    expect(c.code).toBe("POOL_FULL");
    expect(typeof JSON.parse(await a)).toBe("number");
    await b;
  });

  test("holds jobs that do not fit the ring now until the worker frees room, in order, refusing none", async () => {
    const pool = makePool({ queueDepth: 64, ringBytes: 64 * 1024 });
    const echo = pool.publish("echo", null).generation;
    // Twenty 20 KiB jobs at once: six times the ring, well under queue_depth.
    const payloads = Array.from({ length: 20 }, (_, i) => `${i}:${"ü".repeat(5000)}${"x".repeat(10_000)}`);
    const first = payloads.map((p) => pool.run("echo", p, echo));
    // A configuration published while jobs wait reaches the worker behind them, before its own jobs.
    const later = pool.publish("config_echo", { n: 42 }).generation;
    const configured = pool.run("config_echo", "", later);
    expect((await Promise.all(first)).map((t) => JSON.parse(t))).toEqual(payloads);
    expect(JSON.parse(await configured)).toEqual({ n: 42 });
    expect(pool.inflight).toBe(0);
  });

  test("fails the jobs still waiting for room closed, with the rest, when the worker dies", async () => {
    const pool = makePool({ queueDepth: 64, ringBytes: 64 * 1024 });
    const spin = pool.publish("spin", null).generation;
    const echo = pool.publish("echo", null).generation;
    await pool.run("echo", "warm", echo);
    const victim = pool.workers[0]!;
    const busy = pool.run("spin", "5000", spin);
    const waiting = Array.from({ length: 10 }, () => pool.run("echo", "w".repeat(20_000), echo));
    victim.terminate();
    const codes = await Promise.all([busy, ...waiting].map((p) => rejection(p).then((e) => e.code)));
    expect(codes).toEqual(Array(11).fill("WORKER_CRASHED"));
    expect(JSON.parse(await pool.run("echo", "after", echo))).toBe("after");
  });

  test("rejects a payload larger than the queue with TOO_LARGE", async () => {
    const pool = makePool({ ringBytes: 4096 });
    const echo = pool.publish("echo", null).generation;
    const err = await rejection(pool.run("echo", "z".repeat(5000), echo));
    expect(err.code).toBe("TOO_LARGE");
  });

  test("fails a killed worker's in-flight jobs closed and serves the next jobs from a replacement", async () => {
    const events: PoolEvent[] = [];
    const pool = makePool({ onEvent: (e) => events.push(e) });
    const spin = pool.publish("spin", null).generation;
    const echo = pool.publish("echo", null).generation;
    await pool.run("echo", "warm", echo);
    const victim = pool.workers[0]!;
    const midJob = pool.run("spin", "5000", spin);
    const queued = pool.run("echo", "behind the long job", echo);
    victim.terminate();
    const [e1, e2] = await Promise.all([rejection(midJob), rejection(queued)]);
    expect(e1.code).toBe("WORKER_CRASHED");
    expect(e2.code).toBe("WORKER_CRASHED");
    expect(pool.workers[0]).not.toBe(victim);
    // The replacement received every published configuration before this job.
    expect(JSON.parse(await pool.run("echo", "after", echo))).toBe("after");
    expect(events.filter((e) => e.type === "worker_exit")).toEqual([
      expect.objectContaining({ type: "worker_exit", worker: 0, failedJobs: 2 }),
    ]);
  });

  test("replaces a worker stuck past the job timeout and fails its jobs", async () => {
    const pool = makePool({ jobTimeoutMs: 300 });
    const spin = pool.publish("spin", null).generation;
    const echo = pool.publish("echo", null).generation;
    const stuck = pool.workers[0]!;
    const err = await rejection(pool.run("spin", "60000", spin));
    expect(err.code).toBe("WORKER_TIMEOUT");
    expect(pool.workers[0]).not.toBe(stuck);
    expect(JSON.parse(await pool.run("echo", "fresh", echo))).toBe("fresh");
  });

  test("counts a job's timeout from when its worker is ready, not while the worker starts", async () => {
    // The worker takes 1500 ms to load; a 500 ms timeout counted from the enqueue would fire.
    const pool = makePool({ url: slowStart, jobTimeoutMs: 500 });
    const echo = pool.publish("echo", null).generation;
    expect(JSON.parse(await pool.run("echo", "after start-up", echo))).toBe("after start-up");
  });

  test("replaces a worker that is not ready within the start-up bound and fails its jobs", async () => {
    const events: PoolEvent[] = [];
    const pool = makePool({ url: slowStart, startupTimeoutMs: 200, onEvent: (e) => events.push(e) });
    const echo = pool.publish("echo", null).generation;
    const first = pool.workers[0]!;
    const err = await rejection(pool.run("echo", "x", echo));
    expect(err.code).toBe("WORKER_TIMEOUT");
    expect(err.message).toContain("did not start within 200 ms");
    expect(pool.workers[0]).not.toBe(first);
    expect(events).toContainEqual(expect.objectContaining({ type: "worker_exit", worker: 0, failedJobs: 1 }));
  });

  test("delivers a new configuration to every worker before a job of that generation runs", async () => {
    const pool = makePool({ size: 2 });
    const g1 = pool.publish("config_echo", { rule: "old" }).generation;
    const g2 = pool.publish("config_echo", { rule: "new" });
    await g2.ready;
    // Jobs of both generations interleave on both workers; each sees its own configuration.
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool.run("config_echo", "", i % 2 ? g2.generation : g1)),
    );
    runs.forEach((text, i) => {
      expect(JSON.parse(text)).toEqual({ rule: i % 2 ? "new" : "old" });
    });
    pool.retire(g1);
    expect((await rejection(pool.run("config_echo", "", g1))).code).toBe("UNKNOWN_GENERATION");
  });

  test("fails every job of a configuration the task refuses", async () => {
    const pool = makePool();
    const bad = pool.publish("json_inspect", { max_depth: 0 });
    const err = await rejection(pool.run("json_inspect", "{}", bad.generation));
    expect(err.code).toBe("TASK_FAILED");
    expect(err.message).toContain("max_depth must be >= 1");
  });

  test("stops respawning a worker that cannot start and reports POOL_BROKEN", async () => {
    const events: PoolEvent[] = [];
    const pool = makePool({
      url: new URL("../../fixtures/workers/missing-worker.ts", import.meta.url),
      onEvent: (e) => events.push(e),
    });
    const echo = pool.publish("echo", null).generation;
    // Three failed starts take milliseconds; the deadline only bounds a very loaded machine.
    const until = performance.now() + 10_000;
    while (pool.usable && performance.now() < until) await Bun.sleep(10);
    expect(pool.usable).toBe(false);
    expect(events.some((e) => e.type === "worker_abandoned")).toBe(true);
    expect((await rejection(pool.run("echo", "x", echo))).code).toBe("POOL_BROKEN");
  });

  test("rejects in-flight jobs with POOL_CLOSED on close", async () => {
    const pool = makePool();
    const spin = pool.publish("spin", null).generation;
    const job = pool.run("spin", "2000", spin);
    await pool.close();
    expect((await rejection(job)).code).toBe("POOL_CLOSED");
    expect((await rejection(pool.run("spin", "1", spin))).code).toBe("POOL_CLOSED");
  });
});
