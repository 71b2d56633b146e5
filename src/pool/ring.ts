/**
 * A bounded byte ring over a SharedArrayBuffer, for records passed between threads.
 *
 * Layout: a 32-byte control block of Int32 slots, then `capacity` bytes of data. A record is a
 * 16-byte header (payload length, id, word, generation) followed by its UTF-8 payload, padded
 * to 4 bytes. A record never wraps: when it does not fit before the end, the producer writes a
 * skip marker (length −1) and starts again at offset 0.
 *
 * Concurrency:
 *   1. Any number of producers: `tryWrite` takes a spin lock (one CAS when uncontended).
 *   2. One consumer: `read` is called by a single thread.
 *   3. `used` is the only counter both sides change, with Atomics.add/sub; the payload bytes
 *      written before the `add` are visible to the consumer after it loads `used` (Atomics are
 *      sequentially consistent).
 *   4. `signal` is bumped after every write; consumers wait on it with `Atomics.wait` (workers)
 *      or `Atomics.waitAsync` (the main thread, never blocking).
 *   5. A write notifies only while the consumer is registered in `waiters` (it registers in
 *      `wait`/`waitAsync` before comparing the signal): `Atomics.notify` to a waitAsync waiter
 *      costs a cross-thread task (~10 µs of the producer's CPU), so a busy consumer is not
 *      woken per record. No wake-up is lost: a producer that sees no waiter bumped the signal
 *      before the consumer registered, so the consumer's wait returns at once. Consumers must
 *      read until the ring is empty between taking `signal` and waiting on it.
 *
 * The payload is copied once: `Buffer#write` writes the string's UTF-8 straight into the shared
 * bytes, through one Buffer view made when the ring is attached (no view or result object per
 * record, unlike `TextEncoder.encodeInto` over a subarray), and `read` decodes straight out of it.
 */

const HEAD = 0;
const TAIL = 1;
const USED = 2;
const LOCK = 3;
const SIGNAL = 4;
const WAITERS = 5;
const CONTROL_BYTES = 32;
export const RECORD_HEADER_BYTES = 16;
const SKIP = -1;
/** Spins before a producer gives up on the lock and reports the ring as busy. */
const LOCK_SPINS = 1 << 16;

export interface RingRecord {
  readonly id: number;
  /** Record type and task index, packed by the caller. */
  readonly word: number;
  readonly generation: number;
  readonly payload: string;
}

const align4 = (n: number) => (n + 3) & ~3;

export class Ring {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly ctrl: Int32Array;
  /** The data bytes, as a Buffer: its UTF-8 `write` and `toString` take offsets, no view per record. */
  private readonly bytes: Buffer;
  private readonly view: DataView;
  /** The same bytes as a plain Uint8Array, whose `slice` copies (Buffer's is a view). */
  private readonly data: Uint8Array;

  /** Allocates a ring of `capacity` data bytes (rounded up to a multiple of 4). */
  static create(capacity: number): Ring {
    const cap = align4(Math.max(capacity, 64));
    return new Ring(new SharedArrayBuffer(CONTROL_BYTES + cap));
  }

  /** Attaches to a ring created elsewhere (e.g. in another thread). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.capacity = buffer.byteLength - CONTROL_BYTES;
    this.ctrl = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.bytes = Buffer.from(buffer, CONTROL_BYTES, this.capacity);
    this.view = new DataView(buffer, CONTROL_BYTES);
    this.data = new Uint8Array(buffer, CONTROL_BYTES, this.capacity);
  }

  /** Bytes currently occupied (records, padding and skipped tails). */
  get used(): number {
    return Atomics.load(this.ctrl, USED);
  }

  /** The most a single payload can be, in UTF-8 bytes. */
  get maxPayloadBytes(): number {
    return this.capacity - RECORD_HEADER_BYTES;
  }

  /** Current value of the wake-up counter; pass it to `wait`/`waitAsync`. */
  get signal(): number {
    return Atomics.load(this.ctrl, SIGNAL);
  }

  /**
   * Appends one record whose payload is `head` followed by `payload` (the two are written one
   * after the other, never joined into one string first). Returns "ok", "full" when there is not
   * room now, "too_large" when the payload can never fit, or "busy" when the producer lock could
   * not be taken.
   */
  tryWrite(
    id: number,
    word: number,
    generation: number,
    payload: string,
    head = "",
  ): "ok" | "full" | "too_large" | "busy" {
    // UTF-8 needs at least one byte per UTF-16 unit, so this is a cheap lower bound.
    if (payload.length + head.length > this.maxPayloadBytes) return "too_large";
    if (!this.lock()) return "busy";
    try {
      const result = this.writeLocked(id, word, generation, payload, head);
      if (result !== "ok") return result;
    } finally {
      Atomics.store(this.ctrl, LOCK, 0);
    }
    Atomics.add(this.ctrl, SIGNAL, 1);
    if (Atomics.load(this.ctrl, WAITERS) !== 0) Atomics.notify(this.ctrl, SIGNAL);
    return "ok";
  }

  /**
   * Encodes straight into the free bytes after `head`; only when that run is (nearly) too short
   * does it measure the exact size, and then either skips to offset 0 or reports the ring full.
   */
  private writeLocked(
    id: number,
    word: number,
    generation: number,
    payload: string,
    head: string,
  ): "ok" | "full" | "too_large" {
    const cap = this.capacity;
    const at = this.ctrl[HEAD]!;
    const free = cap - Atomics.load(this.ctrl, USED);
    const tailRoom = cap - at;
    const run = Math.min(tailRoom, free);
    const headLen = head === "" ? 0 : Buffer.byteLength(head, "utf8");
    let exact: number;
    if (run >= RECORD_HEADER_BYTES + headLen) {
      const room = run - RECORD_HEADER_BYTES - headLen;
      const start = at + RECORD_HEADER_BYTES;
      if (headLen !== 0) this.bytes.write(head, start, headLen, "utf8");
      const written = this.bytes.write(payload, start + headLen, room, "utf8");
      // `write` stops before a character that does not fit whole, so when it stopped early it
      // left at most 3 bytes unused: with more unused, the whole payload was written.
      if (written < room - 3) {
        this.commit(at, headLen + written, 0, id, word, generation);
        return "ok";
      }
      exact = Buffer.byteLength(payload, "utf8");
      if (written === exact) {
        this.commit(at, headLen + written, 0, id, word, generation);
        return "ok";
      }
    } else exact = Buffer.byteLength(payload, "utf8");
    const total = headLen + exact;
    if (total > this.maxPayloadBytes) return "too_large";
    const need = RECORD_HEADER_BYTES + align4(total);
    // Only a record that did not fit before the end may skip to offset 0.
    if (tailRoom >= free || need > free - tailRoom) return "full";
    this.view.setInt32(at, SKIP, true);
    if (headLen !== 0) this.bytes.write(head, RECORD_HEADER_BYTES, headLen, "utf8");
    const written = this.bytes.write(payload, RECORD_HEADER_BYTES + headLen, exact, "utf8");
    this.commit(0, headLen + written, tailRoom, id, word, generation);
    return "ok";
  }

  private commit(at: number, len: number, skipped: number, id: number, word: number, generation: number): void {
    this.view.setInt32(at, len, true);
    this.view.setInt32(at + 4, id, true);
    this.view.setInt32(at + 8, word, true);
    this.view.setInt32(at + 12, generation, true);
    const size = RECORD_HEADER_BYTES + align4(len);
    const next = at + size;
    this.ctrl[HEAD] = next === this.capacity ? 0 : next;
    Atomics.add(this.ctrl, USED, size + skipped);
  }

  /** Takes the next record, or returns undefined when the ring is empty. Single consumer only. */
  read(): RingRecord | undefined {
    let used = Atomics.load(this.ctrl, USED);
    if (used === 0) return undefined;
    const cap = this.capacity;
    let tail = this.ctrl[TAIL]!;
    if (cap - tail < RECORD_HEADER_BYTES || this.view.getInt32(tail, true) === SKIP) {
      const skipped = cap - tail;
      Atomics.sub(this.ctrl, USED, skipped);
      used -= skipped;
      tail = 0;
      this.ctrl[TAIL] = 0;
      if (used === 0) return undefined;
    }
    const len = this.view.getInt32(tail, true);
    const id = this.view.getInt32(tail + 4, true);
    const word = this.view.getInt32(tail + 8, true);
    const generation = this.view.getInt32(tail + 12, true);
    const start = tail + RECORD_HEADER_BYTES;
    // Decoded from a private copy: Bun decodes UTF-8 straight out of shared memory several times
    // slower than it copies it out and decodes that (1 MiB: ~2.6 ms against ~0.4 ms).
    const payload = len === 0 ? "" : Buffer.from(this.data.slice(start, start + len).buffer).toString("utf8");
    const size = RECORD_HEADER_BYTES + align4(len);
    let next = tail + size;
    if (next === cap) next = 0;
    this.ctrl[TAIL] = next;
    Atomics.sub(this.ctrl, USED, size);
    return { id, word, generation, payload };
  }

  /**
   * Makes every data page resident now, from the calling thread (e.g. the consumer, once, after
   * it started). A SharedArrayBuffer's pages are mapped on first write, and that fault costs the
   * producer ~10 µs per 4 KiB page here (gVisor): ~1 µs per record until the ring has wrapped once.
   * One atomic add of 0 per page takes the fault without changing a byte, so it is safe while
   * producers write.
   */
  prefault(pageBytes = 4096): void {
    const words = new Int32Array(this.buffer);
    const step = pageBytes >> 2;
    for (let i = CONTROL_BYTES >> 2; i < words.length; i += step) Atomics.add(words, i, 0);
  }

  /** Blocks the calling thread (a worker, never the main thread) until the signal moves from `seen`. */
  wait(seen: number, timeoutMs?: number): void {
    Atomics.add(this.ctrl, WAITERS, 1);
    try {
      Atomics.wait(this.ctrl, SIGNAL, seen, timeoutMs);
    } finally {
      Atomics.sub(this.ctrl, WAITERS, 1);
    }
  }

  /**
   * Resolves when the signal moves from `seen` (or after the timeout); never blocks. With
   * `onWrite` false the consumer is not registered as a waiter: writes do not wake it, only
   * {@link wake} and the timeout do (a writer that must be seen soon calls `wake` after writing).
   */
  waitAsync(seen: number, timeoutMs?: number, onWrite = true): Promise<unknown> | undefined {
    if (!onWrite) {
      const r = Atomics.waitAsync(this.ctrl, SIGNAL, seen, timeoutMs);
      return r.async ? r.value : undefined;
    }
    Atomics.add(this.ctrl, WAITERS, 1);
    const r = Atomics.waitAsync(this.ctrl, SIGNAL, seen, timeoutMs);
    if (!r.async) {
      Atomics.sub(this.ctrl, WAITERS, 1);
      return undefined;
    }
    return r.value.then((v) => {
      Atomics.sub(this.ctrl, WAITERS, 1);
      return v;
    });
  }

  /** Moves the signal without writing, waking any waiter (used when the producer is gone). */
  wake(): void {
    Atomics.add(this.ctrl, SIGNAL, 1);
    Atomics.notify(this.ctrl, SIGNAL);
  }

  private lock(): boolean {
    for (let i = 0; i < LOCK_SPINS; i++) {
      if (Atomics.compareExchange(this.ctrl, LOCK, 0, 1) === 0) return true;
    }
    return false;
  }
}
