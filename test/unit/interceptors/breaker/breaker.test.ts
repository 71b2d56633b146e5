import { describe, expect, test } from "bun:test";
import { CircuitBreaker } from "../../../../src/interceptors/breaker/index.ts";

function clocked(maxFailures = 3, timeoutMs = 1000) {
  let t = 0;
  const b = new CircuitBreaker("up", { maxFailures, timeoutMs, now: () => t });
  return { b, advance: (ms: number) => (t += ms) };
}

describe("circuit breaker", () => {
  test("stays closed below max_failures and a success resets the count", () => {
    const { b } = clocked(3);
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).toBe("closed");
    expect(b.admit()).toBe(true);
  });

  test("opens after max_failures consecutive failures and refuses until the timeout passes", () => {
    const { b, advance } = clocked(2, 1000);
    b.failure();
    b.failure();
    expect(b.state).toBe("open");
    expect(b.admit()).toBe(false);
    expect(b.retryAfterMs()).toBe(1000);
    advance(999);
    expect(b.admit()).toBe(false);
    advance(1);
    expect(b.state).toBe("half-open");
  });

  test("half-open admits exactly one trial; its success closes the breaker", () => {
    const { b, advance } = clocked(1, 10);
    b.failure();
    advance(10);
    expect(b.admit()).toBe(true);
    expect(b.admit()).toBe(false);
    b.success();
    expect(b.state).toBe("closed");
    expect(b.admit()).toBe(true);
  });

  test("a failed trial opens the breaker again for a full timeout", () => {
    const { b, advance } = clocked(1, 10);
    b.failure();
    advance(10);
    expect(b.admit()).toBe(true);
    b.failure();
    expect(b.state).toBe("open");
    advance(9);
    expect(b.admit()).toBe(false);
  });

  test("a released trial lets the next request try", () => {
    const { b, advance } = clocked(1, 10);
    b.failure();
    advance(10);
    expect(b.admit()).toBe(true);
    b.release();
    expect(b.admit()).toBe(true);
  });
});
