/**
 * Builds the read-only {@link MessageContext} for one message and keeps the session's request
 * table in step: a request is remembered, a response settles the request it answers.
 */
import type { Direction, MessageContext, PendingRequest } from "../chain/types.ts";
import type { JsonRpcMessage, MessageKind } from "../jsonrpc/message.ts";
import { paramsObject } from "../jsonrpc/message.ts";
import type { Session } from "./session.ts";

/** Tool name for tools/call, prompt name for prompts/get, uri for resources/*. */
export function targetOf(method: string, msg: JsonRpcMessage): string | undefined {
  const p = paramsObject(msg);
  if (!p) return undefined;
  switch (method) {
    case "tools/call":
    case "prompts/get": {
      const name = p.name;
      return typeof name === "string" ? name : undefined;
    }
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe": {
      const uri = p.uri;
      return typeof uri === "string" ? uri : undefined;
    }
    default:
      return undefined;
  }
}

export function buildContext(
  session: Session,
  direction: Direction,
  msg: JsonRpcMessage,
  kind: MessageKind,
  size: number,
  receivedAt = performance.now(),
): MessageContext {
  session.lastSeen = receivedAt;
  let method: string | undefined;
  let target: string | undefined;
  let request: PendingRequest | undefined;
  if ("method" in msg) {
    method = msg.method;
    target = targetOf(method, msg);
    if (kind === "request" && "id" in msg) {
      session.track({ id: msg.id, method, target, startedAt: receivedAt, direction });
    }
    if (method === "initialize" && direction === "c2s") {
      const v = paramsObject(msg)?.protocolVersion;
      if (typeof v === "string") session.protocolVersion = v;
    }
  } else if ("id" in msg && msg.id !== null) {
    request = session.settle(direction, msg.id);
    method = request?.method;
    target = request?.target;
    if (method === "initialize" && direction === "s2c" && "result" in msg) {
      const v = (msg.result as { protocolVersion?: unknown } | null)?.protocolVersion;
      if (typeof v === "string") session.protocolVersion = v;
    }
  }
  return {
    direction,
    kind,
    sessionId: session.id,
    identity: session.identity,
    upstream: session.upstream,
    method,
    target,
    request,
    protocolVersion: session.protocolVersion,
    size,
    receivedAt,
    session,
  };
}
