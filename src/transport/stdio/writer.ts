/**
 * Coalesced, line-atomic writes: frames queued in one tick go out in one write, and a frame is
 * never split by another writer's output. Bounded: past {@link HIGH_WATER_BYTES} not yet written
 * to the peer, {@link FrameSink.backpressure} returns a promise the reader awaits before reading
 * more, so a peer that stops reading cannot make mcpgw buffer without limit.
 */
import type { FileSink } from "bun";

export interface FrameSink {
  /** Queues one frame; a newline is appended. */
  writeLine(text: string | Uint8Array): void;
  flush(): Promise<void>;
  end(): Promise<void>;
  /** A promise to await before reading more input when too much is waiting to be written; else undefined. */
  backpressure(): Promise<void> | undefined;
}

/** Bytes queued for a peer beyond which readers pause. */
export const HIGH_WATER_BYTES = 4 * 1024 * 1024;

const NL = new Uint8Array([10]);

export function createFrameSink(sink: FileSink, onError: (e: unknown) => void): FrameSink {
  let scheduled = false;
  let closed = false;
  /** Bytes queued since the last completed flush. */
  let queued = 0;
  let draining: Promise<void> | undefined;
  const flushSoon = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (closed) return;
      try {
        const r = sink.flush();
        if (r instanceof Promise) r.catch(onError);
      } catch (e) {
        onError(e);
      }
    });
  };
  return {
    writeLine(text) {
      if (closed) return;
      try {
        sink.write(text);
        sink.write(NL);
        queued += text.length + 1;
      } catch (e) {
        onError(e);
        return;
      }
      flushSoon();
    },
    async flush() {
      if (closed) return;
      try {
        await sink.flush();
      } catch (e) {
        onError(e);
      }
    },
    backpressure() {
      if (closed || queued < HIGH_WATER_BYTES) return undefined;
      draining ??= (async () => {
        try {
          await sink.flush();
        } catch (e) {
          onError(e);
        }
        queued = 0;
        draining = undefined;
      })();
      return draining;
    },
    async end() {
      if (closed) return;
      closed = true;
      try {
        await sink.end();
      } catch (e) {
        onError(e);
      }
    },
  };
}
