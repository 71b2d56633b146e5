/**
 * Coalesced, line-atomic writes: frames queued in one tick go out in one write, and a frame is
 * never split by another writer's output.
 */
import type { FileSink } from "bun";

export interface FrameSink {
  /** Queues one frame; a newline is appended. */
  writeLine(text: string | Uint8Array): void;
  flush(): Promise<void>;
  end(): Promise<void>;
}

const NL = new Uint8Array([10]);

export function createFrameSink(sink: FileSink, onError: (e: unknown) => void): FrameSink {
  let scheduled = false;
  let closed = false;
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
