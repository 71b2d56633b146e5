/**
 * Deadlines of the requests in flight, on one shared timer. A timer per request costs a
 * setTimeout and a clearTimeout on every exchange although nearly every request is answered long
 * before its deadline; here a request costs a Set insertion and removal, and the one timer is
 * due at the earliest deadline. A deadline that passes fires on the next turn of the event loop
 * after it, as a setTimeout of its own would.
 */

/** One deadline: `at` on the `performance.now()` clock; `fire` runs once it has passed. */
export interface Deadline {
  at: number;
  fire(now: number): void;
}

export class Deadlines {
  private readonly items = new Set<Deadline>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the timer is due (Infinity when none is set). */
  private due = Number.POSITIVE_INFINITY;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Starts watching `d` (again, after it fired, with a new `at`). */
  add(d: Deadline): void {
    this.items.add(d);
    if (d.at < this.due) this.arm(d.at);
  }

  /** Stops watching `d`; the timer stays set and finds nothing due. */
  delete(d: Deadline): void {
    this.items.delete(d);
  }

  /** Deadlines being watched (for tests). */
  get size(): number {
    return this.items.size;
  }

  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(this.tick, Math.max(0, at - this.now()));
    this.timer.unref?.();
  }

  private readonly tick = (): void => {
    this.timer = null;
    this.due = Number.POSITIVE_INFINITY;
    const now = this.now();
    // Fired ones first leave the set; one that adds itself back is seen in this pass with its new `at`.
    for (const d of this.items) {
      if (d.at > now) continue;
      this.items.delete(d);
      try {
        d.fire(now);
      } catch {
        // a deadline's own failure must not stop the others
      }
    }
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.items) if (d.at < next) next = d.at;
    if (next < this.due) this.arm(next);
  };
}
