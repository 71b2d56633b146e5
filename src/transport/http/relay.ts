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
  readonly abort: AbortController;
  onClose(how: RelayEnd): void;
}

const ENCODER = new TextEncoder();

class IdleTimeout extends Error {}

type ReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };

export function relaySse(body: ReadableStream<Uint8Array>, o: RelayOptions): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let queue: (string | Promise<string>)[] = (o.prefix ?? []).map((d) => formatSseEvent({ data: d }));
  if (o.opening) queue.unshift(o.opening);
  const saw = { eventIds: false, oversized: false };
  let closed = false;

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
      onEvent: (ev) => queue.push(onEvent(ev)),
      onComment: (t) => queue.push(`:${t}\n\n`),
      onError: (err) => {
        saw.oversized = true;
        const text = o.oversize(err);
        if (text !== null) queue.push(formatSseEvent({ data: text }));
      },
    },
    o.maxFrameBytes,
  );

  const read = (): Promise<ReadResult> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IdleTimeout()), o.idleMs);
    });
    return Promise.race([reader.read() as Promise<ReadResult>, idle]).finally(() => clearTimeout(timer));
  };

  const drain = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> => {
    if (queue.length === 0) return false;
    const items = queue;
    queue = [];
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
          for (const t of await o.failPending(kind, saw)) queue.push(formatSseEvent({ data: t }));
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
