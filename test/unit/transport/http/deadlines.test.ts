import { describe, expect, test } from "bun:test";
import { type Deadline, Deadlines } from "../../../../src/transport/http/deadlines.ts";

/** A deadline that records when it fired, and resolves `fired`. */
function deadline(at: number): Deadline & { fired: Promise<number>; count: number } {
  const { promise, resolve } = Promise.withResolvers<number>();
  const d = {
    at,
    count: 0,
    fired: promise,
    fire(now: number) {
      d.count++;
      resolve(now);
    },
  };
  return d;
}

describe("shared deadlines", () => {
  test("each deadline fires once, not before its time, earliest first", async () => {
    const ds = new Deadlines();
    const t0 = performance.now();
    const late = deadline(t0 + 40);
    const early = deadline(t0 + 10);
    ds.add(late);
    ds.add(early);
    const firedEarly = await early.fired;
    expect(firedEarly).toBeGreaterThanOrEqual(early.at);
    expect(late.count).toBe(0);
    const firedLate = await late.fired;
    expect(firedLate).toBeGreaterThanOrEqual(late.at);
    await Bun.sleep(20);
    expect([early.count, late.count]).toEqual([1, 1]);
    expect(ds.size).toBe(0);
  });

  test("a deleted deadline never fires; the others still do", async () => {
    const ds = new Deadlines();
    const t0 = performance.now();
    const gone = deadline(t0 + 5);
    const kept = deadline(t0 + 15);
    ds.add(gone);
    ds.add(kept);
    ds.delete(gone);
    await kept.fired;
    await Bun.sleep(10);
    expect(gone.count).toBe(0);
    expect(kept.count).toBe(1);
  });

  test("a deadline added after the timer was set for a later one fires at its own time", async () => {
    const ds = new Deadlines();
    const t0 = performance.now();
    const far = deadline(t0 + 5_000);
    ds.add(far);
    const near = deadline(t0 + 5);
    ds.add(near);
    await near.fired;
    expect(far.count).toBe(0);
    ds.delete(far);
  });

  test("a deadline may add itself again from fire (two stages), and one that throws stops no other", async () => {
    const ds = new Deadlines();
    const t0 = performance.now();
    const stages: number[] = [];
    const { promise, resolve } = Promise.withResolvers<void>();
    const twoStage: Deadline = {
      at: t0 + 5,
      fire(now) {
        stages.push(now);
        if (stages.length === 1) {
          twoStage.at = t0 + 20;
          ds.add(twoStage);
        } else resolve();
      },
    };
    const thrower: Deadline = {
      at: t0 + 5,
      fire() {
        throw new Error("boom");
      },
    };
    ds.add(thrower);
    ds.add(twoStage);
    await promise;
    expect(stages).toHaveLength(2);
    expect(stages[1]!).toBeGreaterThanOrEqual(t0 + 20);
    expect(ds.size).toBe(0);
  });
});
