/**
 * When a target is warm. JavaScriptCore compiles the chain's code in tiers over its first tens of
 * thousands of messages; on a busy 2-core box the optimising tier can take well over the fixed
 * warm-up, and a run that starts before it is done charges compile time and slower code to every
 * request. A long-running gateway has paid that once. So after the fixed `--warmup`, untimed
 * traffic goes on in slices until two consecutive slices cost the same CPU per request and the
 * compiler threads are nearly idle, or the cap is reached.
 */

/** One slice of untimed traffic: the measured process's CPU and its compiler threads' share. */
export interface WarmSlice {
  readonly requests: number;
  /** Whole-process CPU during the slice, µs. */
  readonly cpuUs: number;
  /** CPU of the JIT threads during the slice, µs. */
  readonly jitUs: number;
}

/** Two slices within this relative difference of CPU per request count as the same. */
export const SETTLE_TOLERANCE = 0.05;
/** The compiler's share of the last slice's CPU under which it counts as idle. */
export const JIT_IDLE_SHARE = 0.02;

/** True when the last two slices show a settled process (see the module comment). */
export function settled(slices: readonly WarmSlice[]): boolean {
  if (slices.length < 2) return false;
  const a = slices[slices.length - 2]!;
  const b = slices[slices.length - 1]!;
  if (a.requests <= 0 || b.requests <= 0 || b.cpuUs <= 0) return false;
  const perA = a.cpuUs / a.requests;
  const perB = b.cpuUs / b.requests;
  return Math.abs(perB - perA) <= SETTLE_TOLERANCE * Math.max(perA, perB) && b.jitUs <= JIT_IDLE_SHARE * b.cpuUs;
}
