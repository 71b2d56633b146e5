/**
 * Relays an upstream SSE stream to the client event by event, as it arrives. Each event's data
 * goes through the s2c chain (judgeFrame); ids, event types and retry hints are kept so
 * `Last-Event-ID` resumption works through mcpgw. A blocked event is replaced in-stream (a
 * response becomes an error response with the same id; a dropped message leaves an empty event
 * that still carries its id). Pull-based: the upstream is read only as fast as the client takes
 * events, so a slow client never makes mcpgw buffer without bound.
 */

import { type FrameTooLargeError, formatSseEvent, type SseEvent, SseScanner } from "../../jsonrpc/scanner.ts";
import type { Judged } from "../judge.ts";

export type RelayEnd = "end" | "error" | "timeout" | "client";

export interface RelayOptions {
  /** Judges one event's data in the s2c direction. */
  judge(text: string, size: number): Judged | Promise<Judged>;
  /** A blocked server→client request is answered back to the upstream with this text. */
  replyUpstream(text: string): void;
  /** Error responses (already judged, as data texts) for requests left unanswered by a failed stream. */
  failPending(
    kind: "error" | "timeout" | "end",
    saw: { readonly eventIds: boolean; readonly oversized: boolean },
  ): Promise<string[]>;
  /** A frame over the size limit was skipped; the error text for its id, if someone waits on it. */
  oversize(err: FrameTooLargeError): string | null;
  /** Rewrites a forwarded data text (e.g. cache hints); identity when unchanged. */
  rewrite?(text: string): string;
  /** Events (data texts) sent before the upstream's. */
  readonly prefix?: readonly string[];
  /** Raw text sent first (e.g. an SSE comment so the client gets the response head at once). */
  readonly opening?: string;
  readonly idleMs: number;
  readonly maxFrameBytes: number;
  /** Aborts the upstream request. */
  readonly abort: { abort(): void };
  onClose(how: RelayEnd): void;
}

const ENCODER = new TextEncoder();

class IdleTimeout extends Error {}

type ReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };

interface EventPipe {
  readonly scanner: SseScanner;
  /** Output texts so far (or promises of them, while the chain runs), in order; taken by the writer. */
  queue: (string | Promise<string>)[];
  readonly saw: { eventIds: boolean; oversized: boolean };
}

/** The scanner and the judged output queue shared by the streaming and the whole-body relay. */
function eventPipe(o: RelayOptions): EventPipe {
  const saw = { eventIds: false, oversized: false };
  const queue: (string | Promise<string>)[] = (o.prefix ?? []).map((d) => formatSseEvent({ data: d }));
  if (o.opening) queue.unshift(o.opening);

  const onEvent = (ev: SseEvent): string | Promise<string> => {
    if (ev.id !== undefined) saw.eventIds = true;
    // Priming / keep-alive events carry no message: pass them on as they are.
    if (ev.data.length === 0) return formatSseEvent({ data: "", event: ev.event, id: ev.id, retry: ev.retry });
    const finish = (j: Judged): string => {
      if (j.toSender !== null) o.replyUpstream(j.toSender);
      if (j.toRecipient === null)
        return ev.id !== undefined || ev.retry !== undefined
          ? formatSseEvent({ data: "", id: ev.id, retry: ev.retry })
          : "";
      let data = j.toRecipient === "original" ? ev.data : j.toRecipient;
      if (o.rewrite) data = o.rewrite(data);
      return formatSseEvent({ data, event: ev.event, id: ev.id, retry: ev.retry });
    };
    const j = o.judge(ev.data, ev.data.length);
    return j instanceof Promise ? j.then(finish) : finish(j);
  };

  const scanner = new SseScanner(
    {
      onEvent: (ev) => pipe.queue.push(onEvent(ev)),
      onComment: (t) => pipe.queue.push(`:${t}\n\n`),
      onError: (err) => {
        saw.oversized = true;
        const text = o.oversize(err);
        if (text !== null) pipe.queue.push(formatSseEvent({ data: text }));
      },
    },
    o.maxFrameBytes,
  );
  const pipe: EventPipe = { scanner, queue, saw };
  return pipe;
}

/**
 * A complete SSE body (the upstream declared its length, within the frame limit): judged event
 * by event like a stream, answered as one text. `onClose` is called with "end".
 */
export async function relaySseWhole(body: Uint8Array, o: RelayOptions): Promise<string> {
  const pipe = eventPipe(o);
  pipe.scanner.push(body);
  pipe.scanner.end();
  let out = "";
  for (const item of pipe.queue) out += typeof item === "string" ? item : await item;
  for (const t of await o.failPending("end", pipe.saw)) out += formatSseEvent({ data: t });
  o.onClose("end");
  return out;
}

export function relaySse(body: ReadableStream<Uint8Array>, o: RelayOptions): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const pipe = eventPipe(o);
  const { scanner, saw } = pipe;
  let closed = false;

  const read = (): Promise<ReadResult> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IdleTimeout()), o.idleMs);
    });
    return Promise.race([reader.read() as Promise<ReadResult>, idle]).finally(() => clearTimeout(timer));
  };

  const drain = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> => {
    if (pipe.queue.length === 0) return false;
    const items = pipe.queue;
    pipe.queue = [];
    let wrote = false;
    for (const item of items) {
      const s = typeof item === "string" ? item : await item;
      if (s.length > 0) {
        controller.enqueue(ENCODER.encode(s));
        wrote = true;
      }
    }
    return wrote;
  };

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, how: RelayEnd) => {
    if (closed) return;
    closed = true;
    try {
      controller.close();
    } catch {
      // already closed by a cancel
    }
    o.onClose(how);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (closed) return;
        if (await drain(controller)) return;
        let r: ReadResult;
        try {
          r = await read();
        } catch (e) {
          const kind = e instanceof IdleTimeout ? "timeout" : "error";
          if (kind === "timeout") o.abort.abort();
          for (const t of await o.failPending(kind, saw)) pipe.queue.push(formatSseEvent({ data: t }));
          await drain(controller);
          finish(controller, kind);
          return;
        }
        if (r.done) {
          scanner.end();
          await drain(controller);
          for (const t of await o.failPending("end", saw))
            controller.enqueue(ENCODER.encode(formatSseEvent({ data: t })));
          finish(controller, "end");
          return;
        }
        scanner.push(r.value);
      }
    },
    cancel() {
      if (closed) return;
      closed = true;
      o.abort.abort();
      reader.cancel().catch(() => {});
      o.onClose("client");
    },
  });
}
