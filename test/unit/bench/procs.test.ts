import { describe, expect, test } from "bun:test";
import { threadCpu, threadCpuDelta, threadGroup } from "../../../bench/harness/procs.ts";

describe("bench CPU by thread", () => {
  test("names the engine's threads by group", () => {
    expect(threadGroup("bun", true)).toBe("main");
    expect(threadGroup("Worker", false)).toBe("worker");
    expect(threadGroup("JITWorker", false)).toBe("jit");
    expect(threadGroup("HeapHelper", false)).toBe("gc");
    expect(threadGroup("JSCWarmUp", false)).toBe("gc");
    expect(threadGroup("mi-scavenger", false)).toBe("gc");
    expect(threadGroup("Bun Pool 0", false)).toBe("other");
  });

  test("reads this process's threads, the main one among them", () => {
    const now = threadCpu(process.pid);
    expect(now.get(process.pid)?.group).toBe("main");
    for (const t of now.values()) expect(t.us).toBeGreaterThanOrEqual(0);
    expect(threadCpu(undefined).size).toBe(0);
  });

  test("adds up what each group used between two readings, new threads from zero", () => {
    const before = new Map([
      [1, { group: "main", us: 1000 }],
      [2, { group: "gc", us: 50 }],
      [3, { group: "gc", us: 70 }],
    ]);
    const after = new Map([
      [1, { group: "main", us: 1500 }],
      [2, { group: "gc", us: 80 }],
      [3, { group: "gc", us: 90 }],
      [4, { group: "jit", us: 40 }],
    ]);
    expect(threadCpuDelta(before, after)).toEqual({ main: 500, gc: 50, jit: 40 });
  });
});
