/**
 * Block semantics (ARCHITECTURE.md §3): turns a chain result into what each peer receives.
 *
 * | blocked message | delivery                                                    |
 * |-----------------|-------------------------------------------------------------|
 * | request         | an error response with the same id goes back to the sender  |
 * | response        | the recipient gets an error response with the same id       |
 * | notification    | dropped                                                     |
 *
 * This holds in both directions, so a blocked s2c request (sampling, elicitation, roots) is
 * answered to the server, and a blocked response never leaves its requester waiting.
 */
import { errorResponse } from "../jsonrpc/errors.ts";
import type { JsonRpcId, JsonRpcMessage, MessageKind } from "../jsonrpc/message.ts";
import type { ChainResult } from "./types.ts";

export type Delivery =
  /** Send the original bytes on to the recipient: nothing changed. */
  | { readonly kind: "forward-original" }
  /** Send this (modified or replacement) message on to the recipient. */
  | { readonly kind: "forward"; readonly message: JsonRpcMessage }
  /** Send this message back to the sender; nothing reaches the recipient. */
  | { readonly kind: "reply"; readonly message: JsonRpcMessage }
  | { readonly kind: "drop" };

const FORWARD_ORIGINAL: Delivery = Object.freeze({ kind: "forward-original" });
const DROP: Delivery = Object.freeze({ kind: "drop" });

function idOf(m: JsonRpcMessage): JsonRpcId | null {
  return "id" in m ? m.id : null;
}

/**
 * A tool execution error (MCP 2025-11-25: input validation failures are tool errors, not protocol
 * errors). `resultType: "complete"` is the discriminator 2026-07-28 clients require on every
 * result; earlier revisions allow extra result members, so it is always present.
 */
function toolError(id: JsonRpcId, text: string): JsonRpcMessage {
  return { jsonrpc: "2.0", id, result: { content: [{ type: "text", text }], isError: true, resultType: "complete" } };
}

export function deliver(result: ChainResult, kind: MessageKind): Delivery {
  if (result.action !== "block")
    return result.modified ? { kind: "forward", message: result.message } : FORWARD_ORIGINAL;
  const block = result.block!;
  const id = idOf(result.message);
  const data = block.conceal
    ? undefined
    : { interceptor: result.decidedBy ?? "gateway", ...(block.rule ? { rule: block.rule } : {}) };
  switch (kind) {
    case "request": {
      if (id === null) return DROP;
      const message = block.asToolError
        ? toolError(id, block.reason)
        : errorResponse(id, block.code, block.reason, data);
      return { kind: "reply", message };
    }
    case "response":
    case "error": {
      if (id === null) return DROP;
      const message = block.asToolError
        ? toolError(id, block.reason)
        : errorResponse(id, block.code, block.reason, data);
      return { kind: "forward", message };
    }
    case "notification":
      return DROP;
  }
}
