import { describe, expect, test } from "bun:test";
import { settled } from "../../../bench/harness/warmup.ts";

const slice = (requests: number, cpuUs: number, jitUs = 0) => ({ requests, cpuUs, jitUs });

describe("bench warm-up: when a target has settled", () => {
  test("needs two slices", () => {
    expect(settled([])).toBe(false);
    expect(settled([slice(1000, 100_000)])).toBe(false);
  });

  test("two slices at the same CPU per request with the compiler idle have settled", () => {
    expect(settled([slice(1000, 100_000, 500), slice(2000, 203_000, 1000)])).toBe(true);
  });

  test("CPU per request still falling (code still being optimised) has not", () => {
    expect(settled([slice(1000, 150_000), slice(1000, 120_000)])).toBe(false);
  });

  test("a busy compiler has not, even at a steady cost per request", () => {
    expect(settled([slice(1000, 100_000, 10_000), slice(1000, 100_000, 10_000)])).toBe(false);
  });

  test("a slice without requests or CPU readings (no /proc) never counts as settled", () => {
    expect(settled([slice(0, 0), slice(0, 0)])).toBe(false);
    expect(settled([slice(1000, 0), slice(1000, 0)])).toBe(false);
  });
});
