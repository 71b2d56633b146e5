/**
 * The only place where errors sent on the wire to MCP peers are built.
 *
 * Standard JSON-RPC codes are used where they fit. Gateway decisions use fixed codes from the
 * implementation-defined range -32000…-32099, avoiding the ones the MCP SDK already uses
 * (-32000 connection closed, -32001 request timeout, -32042 URL elicitation required).
 * `data` carries `{ interceptor, rule }` at most: never stack traces or internal detail.
 */
import type { JsonRpcError, JsonRpcId } from "./message.ts";

export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** An interceptor blocked the message. */
  BLOCKED: -32010,
  /** A rate limit or quota refused the message. */
  RATE_LIMITED: -32011,
  /** The upstream server could not be reached, failed, or answered garbage. */
  UPSTREAM_UNAVAILABLE: -32012,
  /** Inspection itself failed (an interceptor threw or timed out) and the fail mode is closed. */
  INSPECTION_FAILED: -32013,
  /** The message is over a size, depth or batch limit. */
  MESSAGE_TOO_LARGE: -32014,
  /** The caller is not authenticated or not allowed. */
  UNAUTHORIZED: -32015,
  /** The audit log cannot record the message and `audit.on_failure` is `block`. */
  AUDIT_UNAVAILABLE: -32016,
  /** The upstream did not answer in time. */
  UPSTREAM_TIMEOUT: -32017,
  /** The upstream's circuit breaker is open. */
  CIRCUIT_OPEN: -32018,
  /** The server is shutting down. */
  SHUTTING_DOWN: -32019,
} as const;

export interface WireErrorData {
  readonly interceptor?: string;
  readonly rule?: string;
  readonly [key: string]: unknown;
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: WireErrorData): JsonRpcError {
  return data === undefined
    ? { jsonrpc: "2.0", id, error: { code, message } }
    : { jsonrpc: "2.0", id, error: { code, message, data } };
}

/** Serialised form, for transports that write bytes. */
export function errorResponseText(id: JsonRpcId | null, code: number, message: string, data?: WireErrorData): string {
  return JSON.stringify(errorResponse(id, code, message, data));
}
