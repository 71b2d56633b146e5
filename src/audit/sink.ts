/**
 * What transports hand to the audit log: one decision about one message. Audit is a sink, never
 * a link of the chain, so its position cannot change what it sees.
 */
import type { ChainResult, MessageContext } from "../chain/types.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";

export interface AuditEvent {
  readonly ctx: MessageContext;
  /** The message as received (before any modification). */
  readonly message: JsonRpcMessage | undefined;
  readonly result: ChainResult;
  /** For frames that could not be parsed: what was wrong. The raw bytes are never recorded. */
  readonly invalid?: { readonly reason: string; readonly size: number };
  /** The transport's request id (e.g. HTTP `X-Request-Id`), recorded as `request_id`. */
  readonly requestId?: string;
}

export interface AuditSink {
  /** Queues one record without waiting. Returns false when the record could not be queued. */
  record(ev: AuditEvent): boolean;
  /** True when the log cannot take records and `on_failure: block` applies. */
  readonly refusing: boolean;
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const NULL_AUDIT_SINK: AuditSink = Object.freeze({
  record: () => true,
  refusing: false,
  flush: async () => {},
  close: async () => {},
});
