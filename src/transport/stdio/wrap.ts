/**
 * `mcpgw wrap -- CMD ARGS`: the gateway between a stdio MCP client (our stdin/stdout) and a
 * child server process (its stdin/stdout).
 *
 *   our stdin  → LineScanner → chain(c2s) → child stdin
 *   child stdout → LineScanner → chain(s2c) → our stdout
 *   child stderr → our stderr (inherited); child exit code → our exit code
 *
 * stdout carries only protocol frames. Frames keep their order per direction even when an
 * interceptor answers asynchronously.
 */
import type { Subprocess } from "bun";
import type { AuditSink } from "../../audit/sink.ts";
import type { Direction, Identity } from "../../chain/index.ts";
import type { Runtime, RuntimeHolder } from "../../config/index.ts";
import { ErrorCode, errorResponse } from "../../jsonrpc/errors.ts";
import { type FrameTooLargeError, LineScanner } from "../../jsonrpc/scanner.ts";
import type { Logger } from "../../log/index.ts";
import { Session } from "../../session/index.ts";
import { type JudgeDeps, type Judged, judgeFrame, judgeUndecodable, oversizeError, recordOversize } from "../judge.ts";
import { createFrameSink, type FrameSink } from "./writer.ts";

export interface WrapOptions {
  readonly command: readonly string[];
  readonly holder: RuntimeHolder;
  readonly logger: Logger;
  readonly audit: AuditSink;
  readonly identity: Identity;
  /** Our input; defaults to process stdin. */
  readonly input?: ReadableStream<Uint8Array>;
  /** Our output sink; defaults to process stdout. */
  readonly output?: FrameSink;
  readonly env?: Record<string, string | undefined>;
}

export class ChildStartError extends Error {
  readonly code = "CHILD_START_FAILED";
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** Invalid messages logged one by one before logging switches to one line per INVALID_LOG_EVERY. */
const INVALID_LOG_FIRST = 10;
const INVALID_LOG_EVERY = 1000;
/** After the server exits, how long its stdout may stay open before mcpgw stops waiting for it. */
const STDOUT_DRAIN_MS = 2000;
const SIGNUM: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs until the child exits; resolves to the exit code mcpgw should exit with. */
export async function runWrap(opts: WrapOptions): Promise<number> {
  const { holder, logger, audit } = opts;
  const cfg = () => holder.current.config;
  const maxFrame = cfg().limits.max_frame_bytes;

  let child: Subprocess<"pipe", "pipe", "inherit">;
  try {
    child = Bun.spawn({
      cmd: [...opts.command],
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
      env: opts.env ?? process.env,
    });
  } catch (e) {
    throw new ChildStartError(`cannot start ${opts.command[0]}: ${(e as Error).message}`);
  }
  logger.info("started MCP server", { command: opts.command[0], pid: child.pid });

  const out: FrameSink =
    opts.output ?? createFrameSink(Bun.stdout.writer(), (e) => logger.error("stdout write failed", { error: e }));
  const toChild = createFrameSink(child.stdin, (e) => logger.debug("child stdin write failed", { error: e }));
  const session = new Session(crypto.randomUUID(), opts.identity, cfg().wrap.upstream_name);
  let childExited = false;

  // Built once per runtime (a reload swaps the runtime), not once per frame.
  let depsFor: Runtime | undefined;
  let depsCache: JudgeDeps | undefined;
  const deps = (): JudgeDeps => {
    const rt = holder.current;
    if (rt !== depsFor || depsCache === undefined) {
      const { limits } = rt.config;
      depsFor = rt;
      depsCache = {
        chain: rt.chain,
        audit,
        enforce: rt.config.mode === "enforce",
        maxBatch: limits.max_batch,
        maxDepth: limits.max_depth,
      };
    }
    return depsCache;
  };
  // Strict: bytes that are not UTF-8 are refused, since the peer might decode them differently
  // from what was inspected (the original bytes are what gets forwarded).
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const lossy = new TextDecoder();

  const invalidCount: Record<Direction, number> = { c2s: 0, s2c: 0 };

  /** Per-direction ordering: a frame is delivered after every frame received before it. */
  const tails: Record<Direction, Promise<void> | null> = { c2s: null, s2c: null };

  const emit = (direction: Direction, raw: Uint8Array, j: Judged) => {
    if (j.invalid !== undefined) {
      // A server that prints its logs on stdout produces one invalid line per log line: the first
      // few are logged, then one line per 1000 with the running count.
      const n = ++invalidCount[direction];
      if (n <= INVALID_LOG_FIRST || n % INVALID_LOG_EVERY === 0) {
        const what =
          j.toRecipient !== null
            ? "invalid message forwarded (audit mode)"
            : j.toSender !== null
              ? "invalid message answered with an error"
              : "invalid message dropped";
        const fields: Record<string, unknown> = { direction, reason: j.invalid, bytes: raw.length };
        if (n > INVALID_LOG_FIRST) fields.total = n;
        logger.warn(what, fields);
        if (n === INVALID_LOG_FIRST) logger.warn("further invalid messages are logged once per 1000", { direction });
      }
    }
    const recipient = direction === "c2s" ? toChild : out;
    const sender = direction === "c2s" ? out : toChild;
    if (j.toRecipient === "original") recipient.writeLine(raw);
    else if (j.toRecipient !== null) recipient.writeLine(j.toRecipient);
    if (j.toSender !== null) sender.writeLine(j.toSender);
  };

  const onLine = (direction: Direction, raw: Uint8Array) => {
    if (direction === "c2s" && childExited) return;
    let j: Judged | Promise<Judged>;
    try {
      let text: string | undefined;
      try {
        text = decoder.decode(raw);
      } catch {
        text = undefined;
      }
      j =
        text === undefined
          ? judgeUndecodable(deps(), session, direction, lossy.decode(raw), raw.length)
          : judgeFrame(deps(), session, direction, text, raw.length);
    } catch (e) {
      logger.error("frame handling failed", { direction, error: e });
      return;
    }
    const tail = tails[direction];
    if (tail === null && !(j instanceof Promise)) {
      emit(direction, raw, j);
      return;
    }
    const next = (tail ?? Promise.resolve())
      .then(() => j)
      .then((r) => emit(direction, raw, r))
      .catch((e) => logger.error("frame handling failed", { direction, error: e }));
    tails[direction] = next;
    void next.then(() => {
      if (tails[direction] === next) tails[direction] = null;
    });
  };

  const onOversize = (direction: Direction, err: FrameTooLargeError) => {
    const id = err.id;
    logger.warn("frame over the size limit skipped", { direction, bytes: err.seen, limit: err.limit });
    recordOversize(deps(), session, direction, err.seen, err.limit);
    if (id === null) return;
    const text = oversizeError(id, err.limit);
    const toRecipient = direction === "c2s" ? toChild : out;
    const toSender = direction === "c2s" ? out : toChild;
    // Only the frame's ends are known. An id the other side is waiting on makes it a response:
    // the requester gets the error instead (a client's sampling answer, a server's tool result).
    // Otherwise it is taken as a request, never delivered: its sender gets the error.
    if (session.settle(direction, id)) toRecipient.writeLine(text);
    else toSender.writeLine(text);
  };

  const pump = async (direction: Direction, stream: ReadableStream<Uint8Array>) => {
    const scanner = new LineScanner(
      { onLine: (l) => onLine(direction, l), onError: (e) => onOversize(direction, e) },
      maxFrame,
    );
    try {
      const recipient = direction === "c2s" ? toChild : out;
      for await (const chunk of stream) {
        scanner.push(chunk);
        // A peer that does not read stops us reading from the other one (bounded buffering).
        const wait = recipient.backpressure();
        if (wait) await wait;
      }
    } catch (e) {
      logger.debug("stream ended with an error", { direction, error: e });
    }
    scanner.end();
  };

  // Signals go to the child; SIGHUP also reloads the policy.
  const handlers = SIGNALS.map((sig) => {
    const h = () => {
      if (sig === "SIGHUP") {
        holder.reload();
        if (!cfg().wrap.forward_sighup) return;
      }
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });

  const input = opts.input ?? (Bun.stdin.stream() as ReadableStream<Uint8Array>);
  const fromClient = pump("c2s", input).then(async () => {
    // Our stdin closed: close the child's, then give it a grace period before terminating it.
    await tails.c2s;
    await toChild.end();
    const grace = cfg().wrap.shutdown_grace;
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(grace).then(() => false)]);
    if (!exited && !childExited) {
      logger.info("MCP server still running after stdin closed; terminating", { grace_ms: grace });
      child.kill("SIGTERM");
      const gone = await Promise.race([child.exited.then(() => true), Bun.sleep(2000).then(() => false)]);
      if (!gone) child.kill("SIGKILL");
    }
  });
  const fromServer = pump("s2c", child.stdout);

  const code = await child.exited;
  childExited = true;
  // What the server wrote before exiting still goes out; but a process it left behind may hold
  // its stdout open forever, so the wait is bounded.
  const drained = await Promise.race([fromServer.then(() => true), Bun.sleep(STDOUT_DRAIN_MS).then(() => false)]);
  if (!drained) logger.warn("MCP server exited but its stdout is still open (a child process?); not waiting for it");
  await tails.s2c;

  // Requests the server never answered get an error, through the s2c chain like any response.
  for (const req of session.pendingFromClient()) {
    const msg = errorResponse(
      req.id,
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `MCP server exited before answering (${describeExit(child)})`,
    );
    const text = JSON.stringify(msg);
    const j = judgeFrame(deps(), session, "s2c", text, text.length);
    emit("s2c", new TextEncoder().encode(text), j instanceof Promise ? await j : j);
  }
  for (const [sig, h] of handlers) process.off(sig, h);
  await out.flush();
  void fromClient;
  logger.info("MCP server exited", { code, signal: child.signalCode ?? undefined });
  if (child.signalCode) return 128 + (SIGNUM[child.signalCode] ?? 15);
  return code;
}

function describeExit(child: Subprocess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
}
