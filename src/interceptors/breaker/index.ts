/**
 * A circuit breaker per upstream: closed → (max_failures consecutive failures) → open →
 * (timeout elapsed) → half-open, where exactly one trial request goes through; its success
 * closes the breaker, its failure opens it again. Connect errors, timeouts and 5xx are failures.
 *
 * The proxy asks {@link CircuitBreaker.admit} before each upstream request and answers a JSON-RPC
 * error (ErrorCode.CIRCUIT_OPEN) at once when it says no.
 */

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerSettings {
  readonly maxFailures: number;
  /** Milliseconds the breaker stays open. */
  readonly timeoutMs: number;
  /** Milliseconds clock; injectable for tests. */
  readonly now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private stateNow: BreakerState = "closed";
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly settings: BreakerSettings,
  ) {
    this.now = settings.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    if (this.stateNow === "open" && this.now() - this.openedAt >= this.settings.timeoutMs) return "half-open";
    return this.stateNow;
  }

  /** Milliseconds until an open breaker lets a trial through (0 when not open). */
  retryAfterMs(): number {
    if (this.stateNow !== "open") return 0;
    return Math.max(0, this.settings.timeoutMs - (this.now() - this.openedAt));
  }

  /**
   * May a request go upstream now? In half-open state only one trial is admitted until it
   * reports back. A caller that is admitted must call {@link success} or {@link failure}
   * (or {@link release} when the outcome says nothing about the upstream's health).
   */
  admit(): boolean {
    const s = this.state;
    if (s === "closed") return true;
    if (s === "open") return false;
    if (this.trialInFlight) return false;
    this.stateNow = "half-open";
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.stateNow = "closed";
  }

  failure(): void {
    this.trialInFlight = false;
    if (this.stateNow === "half-open") {
      this.open();
      return;
    }
    this.failures++;
    if (this.failures >= this.settings.maxFailures) this.open();
  }

  /** The admitted request ended without saying anything about the upstream (e.g. the client left). */
  release(): void {
    this.trialInFlight = false;
  }

  private open(): void {
    this.stateNow = "open";
    this.openedAt = this.now();
    this.failures = 0;
  }
}
