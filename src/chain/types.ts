/**
 * The interceptor contract (ARCHITECTURE.md §4). Interceptors never see bytes, sockets or HTTP:
 * transports own framing and delivery, and turn a {@link ChainResult} into what the peers see.
 */
import type { JsonRpcId, JsonRpcMessage, MessageKind } from "../jsonrpc/message.ts";

/** c2s: client → server. s2c: server → client. */
export type Direction = "c2s" | "s2c";

/** Who is calling. Established once at the transport edge and read-only afterwards. */
export interface Identity {
  readonly subject: string;
  readonly roles: readonly string[];
  /** OAuth scopes, when the credential carries them. */
  readonly scopes: readonly string[];
  /** Free-form labels (from token claims or `X-MCPGW-Label-*` headers) recorded in audit. */
  readonly labels: Readonly<Record<string, string>>;
  /** How the identity was established. */
  readonly method: "api_key" | "jwt" | "oauth" | "os_user" | "anonymous" | "configured";
}

/** What a session remembers about a request it forwarded, so the response can be judged. */
export interface PendingRequest {
  readonly id: JsonRpcId;
  readonly method: string;
  /** Tool name for `tools/call`, prompt name for `prompts/get`, uri for `resources/read`. */
  readonly target: string | undefined;
  readonly startedAt: number;
  readonly direction: Direction;
}

/** Read-only facts about one message, built by the transport before the chain runs. */
export interface MessageContext {
  readonly direction: Direction;
  readonly kind: MessageKind;
  readonly sessionId: string;
  readonly identity: Identity | null;
  /** Name of the upstream server this message goes to or comes from. */
  readonly upstream: string;
  /**
   * Method of the message; for responses, the method of the request it answers (looked up by
   * id), or `undefined` when the request is unknown.
   */
  readonly method: string | undefined;
  /** Tool / prompt / resource the message concerns, when known (see {@link PendingRequest.target}). */
  readonly target: string | undefined;
  /** For responses: the request this answers. */
  readonly request: PendingRequest | undefined;
  /** Negotiated protocol revision, when known (e.g. "2025-06-18", "2026-07-28"). */
  readonly protocolVersion: string | undefined;
  /** Size of the message as received, in bytes (0 when not known). */
  readonly size: number;
  /** Monotonic milliseconds (performance.now()) when the message was received. */
  readonly receivedAt: number;
  /** Per-session scratch space shared by interceptors across messages (e.g. the advertised tools). */
  readonly session: SessionState;
  /**
   * True when the raw frame had an object with the same key twice and different values (parsers
   * disagree on which wins). Set by the transport for frames that may carry tool arguments.
   */
  readonly duplicateKeys?: boolean;
}

/** Mutable per-session state interceptors may keep (e.g. tool catalogue, pins). */
export interface SessionState {
  readonly id: string;
  /** Interceptor-owned slots, keyed by interceptor name. */
  readonly slots: Map<string, unknown>;
}

export interface Finding {
  /** Interceptor or detector that produced it ("injection", "pii", …). */
  readonly detector: string;
  /** Which signal fired, e.g. "exfiltrate_files", "aws_access_key_id". */
  readonly signal: string;
  /** Where in the message, as a JSON path, e.g. "result.tools[3].description". */
  readonly where: string;
  /** A short, already redacted excerpt. */
  readonly excerpt?: string;
  /** 0…1 */
  readonly score: number;
  readonly severity?: "low" | "medium" | "high" | "critical";
}

export type Verdict =
  | { readonly kind: "pass"; readonly rule?: string; readonly findings?: readonly Finding[] }
  | {
      readonly kind: "modify";
      readonly message: JsonRpcMessage;
      readonly note: string;
      readonly rule?: string;
      readonly findings?: readonly Finding[];
    }
  | {
      readonly kind: "block";
      /** JSON-RPC error code the peer receives. */
      readonly code: number;
      /** Human-readable reason; sent to the peer as the error message. */
      readonly reason: string;
      readonly rule?: string;
      readonly findings?: readonly Finding[];
      /**
       * When true, the deciding rule is itself in audit mode: the chain records `would_block`
       * and lets the message pass, whatever the interceptor's own mode.
       */
      readonly auditOnly?: boolean;
      /**
       * For a blocked `tools/call` response: deliver a tool execution error (`isError: true`)
       * instead of a JSON-RPC error, as MCP 2025-11-25 asks for input validation failures.
       */
      readonly asToolError?: boolean;
      /**
       * Send the bare error, without `data: { interceptor, rule }`: the refusal must read exactly
       * like the server's own answer (a denied tool that is also hidden from the caller's list
       * looks like a missing one). Audit still records the interceptor and rule.
       */
      readonly conceal?: boolean;
    };

export const PASS: Verdict = Object.freeze({ kind: "pass" });

export interface Interceptor {
  /** Same string as the config key, the folder name, the audit `decided_by` and the metrics label. */
  readonly name: string;
  /** Cheap pre-filter; the chain skips the interceptor when false. */
  applies(ctx: MessageContext): boolean;
  /**
   * Judges one message. Must not mutate `msg`: return a new message in a `modify` verdict.
   * Returns a verdict; throws only on bugs (the chain then applies the interceptor's fail mode).
   */
  inspect(msg: JsonRpcMessage, ctx: MessageContext): Verdict | Promise<Verdict>;
  /**
   * True when judging this message has no side effects and depends on nothing but `msg` and
   * `ctx`: the chain may then call `inspect` before the verdicts of earlier links that cannot
   * modify it (see `mayModify`) are known, while one of them waits for the worker pool. After a
   * `block` it drops the verdict. Absent: never called early.
   */
  concurrent?(ctx: MessageContext): boolean;
  /**
   * False when `inspect` never returns `modify` for this message (absent: it may). Only past a
   * link that cannot modify does the chain start later links before its verdict is known: a
   * verdict judged on a message that is then replaced would be thrown away and judged again.
   */
  mayModify?(ctx: MessageContext): boolean;
  /**
   * True when `inspect` would send this message to the worker pool. Among links that may run
   * concurrently the chain starts these first, so the others run on the event loop meanwhile.
   */
  offloads?(ctx: MessageContext): boolean;
  /** Releases resources (workers, timers). Called once on shutdown or after a reload swapped it out. */
  close?(): Promise<void>;
}

export type InterceptorMode = "enforce" | "audit";
export type FailMode = "closed" | "open";

/** One link of a compiled chain: the interceptor and how the chain treats its verdicts. */
export interface ChainLink {
  readonly interceptor: Interceptor;
  /** audit: a block is recorded as `would_block` and the message passes. */
  readonly mode: InterceptorMode;
  /** What happens when `inspect` throws or times out. */
  readonly failMode: FailMode;
  /** Upper bound for an asynchronous `inspect`, in milliseconds. */
  readonly timeoutMs: number;
}

/** Final action recorded in audit and metrics. */
export type Action = "pass" | "modify" | "block" | "would_block";

export interface TrailEntry {
  readonly name: string;
  readonly kind: Verdict["kind"] | "would_block" | "error";
  readonly rule?: string;
  readonly reason?: string;
  readonly note?: string;
}

export interface ChainResult {
  /** What deliver() sends: the original object if nothing modified it. */
  readonly message: JsonRpcMessage;
  /** True when `message` is not the original (re-serialise instead of forwarding original bytes). */
  readonly modified: boolean;
  readonly action: Action;
  /** The blocking verdict when `action` is `block`. */
  readonly block: Extract<Verdict, { kind: "block" }> | undefined;
  /** Interceptor that decided the action (the blocker, the last modifier, or the first would-blocker). */
  readonly decidedBy: string | null;
  readonly rule: string | undefined;
  readonly reason: string | undefined;
  readonly findings: readonly Finding[];
  readonly trail: readonly TrailEntry[];
  /** Chain time in milliseconds. */
  readonly durationMs: number;
}
