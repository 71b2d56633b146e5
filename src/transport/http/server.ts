/**
 * `mcpgw proxy`: the Streamable HTTP gateway (ARCHITECTURE.md §3, §9, §10).
 *
 *   client ──HTTP──▶ edge checks (Host, Origin, CORS, sizes, auth) ──▶ judgeFrame(c2s)
 *          ──fetch──▶ upstream ──JSON or SSE──▶ judgeFrame(s2c) per message / per event ──▶ client
 *
 * 2025 era: mcpgw mints the client's Mcp-Session-Id (random, bound to the identity that created
 * it) and maps it to the upstream's own id, which the client never sees; GET opens the server's
 * stream, DELETE ends the session on both sides. 2026-07-28: requests whose
 * body claims a modern revision are handled statelessly, with their headers checked against the
 * body. Upstream failures become JSON-RPC errors that go through the s2c chain like any response.
 */
import { isAscii } from "node:buffer";
import type { Server } from "bun";
import { type AuditSink, NULL_AUDIT_SINK } from "../../audit/sink.ts";
import type { Identity } from "../../chain/types.ts";
import type { RuntimeHolder } from "../../config/index.ts";
import { ErrorCode, errorResponseText } from "../../jsonrpc/errors.ts";
import type { JsonRpcId } from "../../jsonrpc/message.ts";
import type { FrameTooLargeError } from "../../jsonrpc/scanner.ts";
import type { Logger } from "../../log/index.ts";
import { Session } from "../../session/index.ts";
import { type JudgeDeps, type Judged, judgeFrame, judgeUndecodable, oversizeError, recordOversize } from "../judge.ts";
import { ANONYMOUS_AUTHENTICATOR, type Authenticator } from "./auth-hook.ts";
import { type Deadline, Deadlines } from "./deadlines.ts";
import {
  checkHostAndOrigin,
  exceedsDepth,
  type HeaderScan,
  isLoopbackHost,
  type OriginPolicy,
  requestHeader,
  scanHeaders,
  upstreamHeaders,
} from "./edge.ts";
import {
  type BodyFacts,
  bodyFacts,
  checkHeaders,
  HEADER_MISMATCH,
  isModernVersion,
  learnParamHeaders,
  recomputeHeaders,
} from "./era.ts";
import { AbortHook, H1Client, H1Reply, type H1RequestInit } from "./h1-client.ts";
import { type RelayOptions, relaySse, relaySseWhole } from "./relay.ts";
import { type ProxySession, SessionTable } from "./sessions.ts";
import { type Upstream, UpstreamRegistry, type UpstreamSet } from "./upstreams.ts";

export interface ProxyOptions {
  readonly holder: RuntimeHolder;
  readonly logger: Logger;
  readonly audit?: AuditSink;
  readonly authenticator?: Authenticator;
  readonly hostname: string;
  readonly port: number;
  /** `--upstream`: overrides `upstream:` of the config. */
  readonly upstream?: string;
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Milliseconds clock for breakers and sessions (tests inject one). */
  readonly now?: () => number;
}

export interface ProxyServer {
  readonly url: string;
  readonly hostname: string;
  readonly port: number;
  /** Re-reads upstreams, routes and edge settings after the holder reloaded. */
  refresh(): void;
  /** Stops accepting, waits for in-flight exchanges up to `drainMs`, then closes everything. */
  shutdown(drainMs: number): Promise<void>;
}

const JSON_HEADERS = { "content-type": "application/json" } as const;
const SSE_RESPONSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" };
/**
 * The usual reply heads, built once: a Response copies its init headers, and copying a Headers
 * costs about half of building one from an object.
 */
const JSON_REPLY_HEADERS = new Headers(JSON_HEADERS);
const SSE_REPLY_HEADERS = new Headers(SSE_RESPONSE_HEADERS);
const READY_CACHE_MS = 2_000;
/** Seconds a connection may stay silent before its request is authenticated (slow headers, idle keep-alive). */
const IDLE_TIMEOUT_S = 30;
const MAX_SESSION_ID = 256;
/** Milliseconds an upstream request may run before the client's disconnect is watched for (see handlePost). */
const CLIENT_WATCH_MS = 5;
/** Lossy: only to find the id of a body that is not valid UTF-8 (judgeUndecodable), never to forward. */
const DECODER = new TextDecoder();
const STRICT_DECODER = new TextDecoder("utf-8", { fatal: true });

class TooLarge extends Error {}

/**
 * UTF-8 text of a body, or undefined when its bytes are not valid UTF-8: such a body is refused
 * (judgeUndecodable), since what a peer decodes from the original bytes may differ from what was
 * inspected. ASCII (the usual JSON) is copied as Latin-1, several times cheaper than TextDecoder.
 */
function utf8Text(b: Uint8Array): string | undefined {
  return isAscii(b) ? asciiText(b) : strictUtf8(b);
}

/** The text of bytes that are not all ASCII, or undefined when they are not valid UTF-8. */
function strictUtf8(b: Uint8Array): string | undefined {
  try {
    return STRICT_DECODER.decode(b);
  } catch {
    return undefined;
  }
}

/** Text of bytes known to be ASCII. */
function asciiText(b: Uint8Array): string {
  return (b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString("latin1");
}

/** Responses whose stream releases its in-flight slot when it closes (SSE relays). */
const STREAMING = new WeakSet<Response>();

function streamingResponse(
  stream: ReadableStream<Uint8Array>,
  status: number,
  headers: Readonly<Record<string, string>>,
): Response {
  const r = new Response(stream, { status, headers });
  STREAMING.add(r);
  return r;
}

function jsonError(
  status: number,
  id: JsonRpcId | null,
  code: number,
  message: string,
  extra?: Record<string, string>,
): Response {
  const headers = new Headers(JSON_HEADERS);
  if (extra) for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return new Response(errorResponseText(id, code, message), { status, headers });
}

/**
 * Reads a body up to `limit` bytes; rejects with {@link TooLarge} past it. A declared
 * Content-Length (`declared`, when the caller has read it already) within the limit is read in
 * one native call, with no promise of ours around it; a chunked body is counted as it streams.
 */
function readBounded(
  source: Request | Response,
  limit: number,
  declared = source.headers.get("content-length"),
): Promise<Uint8Array> {
  if (declared === null) return readCounted(source, limit);
  if (Number(declared) > limit) return refuseBody(source);
  return source.bytes();
}

async function refuseBody(source: Request | Response): Promise<never> {
  await source.body?.cancel().catch(() => {});
  throw new TooLarge();
}

async function readCounted(source: Request | Response, limit: number): Promise<Uint8Array> {
  const stream = source.body;
  if (stream === null) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    total += r.value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new TooLarge();
    }
    parts.push(r.value);
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** An upstream answer: the pooled client's reply (no Response built for a whole body) or fetch()'s. */
type Answer = H1Reply | Response;

function headerOf(a: Answer, name: string): string | null {
  return a instanceof H1Reply ? a.header(name) : a.headers.get(name);
}

function hasBody(a: Answer): boolean {
  return a instanceof H1Reply ? a.whole !== null || a.stream !== null : a.body !== null;
}

async function discard(a: Answer): Promise<void> {
  await (a instanceof H1Reply ? a.stream : a.body)?.cancel().catch(() => {});
}

/** The body of an answer that has one ({@link hasBody}), as a stream (for the streaming SSE relay). */
function streamOf(a: Answer): ReadableStream<Uint8Array> {
  return (a instanceof H1Reply ? (a.stream ?? a.toResponse().body) : a.body) as ReadableStream<Uint8Array>;
}

/** Ids of the requests in a parsed body (single or batch) whose answers the session waits for. */
function awaitedIds(parsed: unknown, session: Session): JsonRpcId[] {
  const out: JsonRpcId[] = [];
  if (Array.isArray(parsed)) for (const m of parsed) pushAwaited(m, session, out);
  else pushAwaited(parsed, session, out);
  return out;
}

function pushAwaited(m: unknown, session: Session, out: JsonRpcId[]): void {
  if (typeof m !== "object" || m === null) return;
  const o = m as Record<string, unknown>;
  const id = o.id;
  if (typeof o.method === "string" && (typeof id === "string" || typeof id === "number"))
    if (session.peek("s2c", id) !== undefined) out.push(id);
}

function idOf(parsed: unknown): JsonRpcId | null {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const id = (parsed as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/** Blocked-request reply: 429 when the one request was refused by a rate limit. */
function blockedResponse(toSender: string): Response {
  if (toSender.charCodeAt(0) === 123 && toSender.includes(`"code":${ErrorCode.RATE_LIMITED}`)) {
    let retry = "1";
    try {
      const msg = (JSON.parse(toSender) as { error?: { message?: string } }).error?.message ?? "";
      const m = /(\d{1,6}(?:\.\d+)?)\s*(?:s\b|sec|second)/i.exec(msg);
      if (m) retry = String(Math.max(1, Math.ceil(Number(m[1]))));
    } catch {
      // keep the default
    }
    return new Response(toSender, { status: 429, headers: { ...JSON_HEADERS, "retry-after": retry } });
  }
  return new Response(toSender, { status: 200, headers: JSON_HEADERS });
}

/** Rewrites public cache hints to private (the result depends on who asked). */
function privateCacheHints(text: string): string {
  if (!text.includes('"cacheScope"') || !text.includes('"public"')) return text;
  try {
    const v = JSON.parse(text) as { result?: Record<string, unknown> };
    if (v.result && v.result.cacheScope === "public") {
      v.result.cacheScope = "private";
      return JSON.stringify(v);
    }
  } catch {
    // not JSON: leave it to the client
  }
  return text;
}

/**
 * An upstream request waiting for its answer's head, on the shared {@link Deadlines} timer.
 * Watching `req.signal` while the upstream request is open costs Bun.serve ~70 µs per request:
 * the watch is armed only once the upstream has kept us waiting CLIENT_WATCH_MS; then
 * `first_byte_timeout` (from the send) aborts the request. A stream the client leaves later is
 * cancelled through its body (relaySse's cancel).
 */
class FirstByteWait implements Deadline {
  at: number;
  timedOut = false;
  private readonly sentAt = performance.now();
  private onClientGone: (() => void) | null = null;

  constructor(
    private readonly req: Request,
    private readonly ac: AbortHook,
    private readonly timeoutMs: number,
    private readonly deadlines: Deadlines,
  ) {
    this.at = this.sentAt + Math.min(timeoutMs, CLIENT_WATCH_MS);
    deadlines.add(this);
  }

  fire(): void {
    if (this.onClientGone === null) {
      const ac = this.ac;
      this.onClientGone = () => ac.abort();
      this.req.signal.addEventListener("abort", this.onClientGone, { once: true });
      if (this.req.signal.aborted) ac.abort();
      this.at = this.sentAt + this.timeoutMs;
      this.deadlines.add(this);
      return;
    }
    this.timedOut = true;
    this.ac.abort();
  }

  /** The answer's head arrived (or the request failed): the deadline is over. */
  done(): void {
    this.deadlines.delete(this);
  }

  /** Stops watching the client (the exchange is over). */
  unwatch(): void {
    if (this.onClientGone !== null) this.req.signal.removeEventListener("abort", this.onClientGone);
  }
}

interface Edge {
  readonly upstreams: UpstreamSet;
  readonly origin: OriginPolicy;
  readonly cors: ReadonlySet<string>;
}

export function startProxy(opts: ProxyOptions): ProxyServer {
  const { holder, logger } = opts;
  const audit = opts.audit ?? NULL_AUDIT_SINK;
  const auth = opts.authenticator ?? ANONYMOUS_AUTHENTICATOR;
  const registry = new UpstreamRegistry(opts.now);
  const loopbackBind = isLoopbackHost(opts.hostname);

  const buildEdge = (): Edge => {
    const c = holder.current.config;
    const cors = new Set((c.cors?.allowed_origins ?? []).map((o) => o.toLowerCase()));
    const origins = new Set([...(c.allowed_origins ?? []).map((o) => o.toLowerCase()), ...cors]);
    const hosts = new Set((c.allowed_hosts ?? []).map((h) => h.toLowerCase()));
    return {
      upstreams: registry.build(c, opts.upstream),
      origin: { loopbackBind, origins, hosts },
      cors,
    };
  };
  let edge = buildEdge();
  // The upstream HTTP client (transport.client): pooled keep-alive HTTP/1.1 for http:// upstreams
  // (auto, pooled), fetch() for https:// and when asked for. One pool per transport config generation.
  let pool: { t: unknown; client: H1Client } | undefined;
  const viaFetch = (url: string, init: H1RequestInit): Promise<Response> => {
    const signal = init.signal instanceof AbortHook ? init.signal.signal : init.signal;
    return fetch(url, { ...init, signal, redirect: "manual" });
  };
  const pooled = (t: typeof holder.current.config.transport): H1Client => {
    if (pool?.t !== t) {
      pool?.client.close();
      pool = {
        t,
        client: new H1Client({
          connectTimeoutMs: t.connect_timeout,
          idleTimeoutMs: t.idle_conn_timeout,
          maxIdlePerHost: t.max_idle_conns_per_host,
          maxIdle: t.max_idle_conns,
        }),
      };
    }
    return pool.client;
  };
  const send = (url: string, init: H1RequestInit): Promise<Response> => {
    const t = holder.current.config.transport;
    if (t.client === "fetch" || !/^http:/i.test(url)) return viaFetch(url, init);
    return pooled(t).request(url, init);
  };
  /** {@link send} for the request path: the pooled client answers without building a Response. */
  const sendFast = (url: string, init: H1RequestInit): Promise<Answer> => {
    const t = holder.current.config.transport;
    if (t.client === "fetch" || !/^http:/i.test(url)) return viaFetch(url, init);
    return pooled(t).send(url, init);
  };
  const sc = holder.current.config.session;
  /** Ends the upstream sessions behind a gateway session (expired, evicted or deleted by the client). */
  const endUpstreamSessions = (entry: ProxySession, includeOwner: boolean) => {
    const targets: [Upstream | undefined, string | null][] = [...entry.routed].map(([name, id]) => [
      edge.upstreams.all.get(name),
      id,
    ]);
    if (includeOwner) targets.push([edge.upstreams.all.get(entry.upstream), entry.upstreamId]);
    for (const [up, id] of targets) {
      if (!up || id === null) continue;
      send(up.url, {
        method: "DELETE",
        headers: { ...up.headers, "mcp-session-id": id },
        signal: AbortSignal.timeout(10_000),
      })
        .then((r) => r.body?.cancel())
        .catch(() => {});
    }
  };
  const sessions = new SessionTable(sc.ttl, sc.max_sessions, opts.now, (e) => endUpstreamSessions(e, true));
  const sweeper = setInterval(() => sessions.sweep(), 30_000);
  sweeper.unref?.();

  let inflight = 0;
  let draining = false;
  const deadlines = new Deadlines();
  const active = new Set<{ abort(): void }>();
  let idleWaiters: (() => void)[] = [];
  const release = () => {
    inflight--;
    if (inflight === 0) for (const w of idleWaiters.splice(0)) w();
  };

  // Built once per runtime generation (hot reload swaps holder.current).
  let depsFor: { rt: typeof holder.current; deps: JudgeDeps } | undefined;
  const deps = (): JudgeDeps => {
    const rt = holder.current;
    if (depsFor?.rt !== rt)
      depsFor = {
        rt,
        deps: {
          chain: rt.chain,
          audit,
          enforce: rt.config.mode === "enforce",
          maxBatch: rt.config.limits.max_batch,
          maxDepth: rt.config.limits.max_depth,
        },
      };
    return depsFor.deps;
  };

  /** Judges a gateway-made error response for `id` in the s2c direction; what the client gets. */
  const judgedError = async (
    session: Session,
    id: JsonRpcId,
    code: number,
    message: string,
  ): Promise<string | null> => {
    const text = errorResponseText(id, code, message);
    const j = await judgeFrame(deps(), session, "s2c", text, text.length);
    return j.toRecipient === null ? null : j.toRecipient === "original" ? text : j.toRecipient;
  };

  /** One JSON-RPC error per forwarded request, judged; as an HTTP JSON response. */
  const errorsFor = async (
    session: Session,
    ids: readonly JsonRpcId[],
    code: number,
    message: string,
    batch: boolean,
    extra: readonly string[] = [],
  ): Promise<Response> => {
    const texts = [...extra];
    for (const id of ids) {
      if (session.peek("s2c", id) === undefined) continue;
      const t = await judgedError(session, id, code, message);
      if (t !== null) texts.push(t);
    }
    if (texts.length === 0) return new Response(null, { status: 202 });
    const body = batch || texts.length > 1 ? `[${texts.join(",")}]` : texts[0]!;
    return new Response(body, { status: 200, headers: JSON_HEADERS });
  };

  const corsHeaders = (origin: string | null): Record<string, string> | null => {
    if (origin === null || edge.cors.size === 0) return null;
    const o = origin.toLowerCase();
    if (!edge.cors.has("*") && !edge.cors.has(o)) return null;
    return {
      "access-control-allow-origin": edge.cors.has("*") ? "*" : origin,
      "access-control-expose-headers": "Mcp-Session-Id, MCP-Protocol-Version",
      vary: "Origin",
    };
  };

  /** Sends a gateway-built message to the upstream (blocked s2c requests answered, cancellations). */
  const sendUpstream = (up: Upstream, sessionId: string | null, version: string | undefined, text: string) => {
    const headers: Record<string, string> = {
      ...up.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    if (sessionId !== null) headers["mcp-session-id"] = sessionId;
    if (version) headers["mcp-protocol-version"] = version;
    send(up.url, { method: "POST", headers, body: text, signal: AbortSignal.timeout(10_000) })
      .then((r) => r.body?.cancel())
      .catch((e) => logger.debug("upstream notification failed", { upstream: up.name, error: e }));
  };

  /**
   * The upstream answered 404 (its session is gone): a routed upstream's session is reopened on
   * the next routed call; the owner's ends the gateway session, so the client starts over.
   */
  const forgetUpstreamSession = (entry: ProxySession, up: Upstream) => {
    if (up.name !== entry.upstream) entry.routed.delete(up.name);
    else {
      sessions.delete(entry.id);
      endUpstreamSessions(entry, false);
    }
  };

  /** Opens a session on a routed upstream for a 2025-era client session (replaying its initialize). */
  const routedSession = async (entry: ProxySession, up: Upstream): Promise<string | null> => {
    const known = entry.routed.get(up.name);
    if (known !== undefined || entry.routed.has(up.name)) return known ?? null;
    const headers: Record<string, string> = {
      ...up.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const init = JSON.stringify({
      jsonrpc: "2.0",
      id: `mcpgw-init-${crypto.randomUUID()}`,
      method: "initialize",
      params: entry.initParams ?? {},
    });
    const r = await send(up.url, {
      method: "POST",
      headers,
      body: init,
      signal: AbortSignal.timeout(holder.current.config.transport.first_byte_timeout),
    });
    await r.arrayBuffer();
    const sid = r.headers.get("mcp-session-id");
    if (!r.ok) throw new Error(`routed upstream ${up.name} refused initialize (HTTP ${r.status})`);
    // An upstream that mints no id is remembered too, so it is initialized once per session.
    entry.routed.set(up.name, sid);
    sendUpstream(
      up,
      sid,
      entry.session.protocolVersion,
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    );
    return sid;
  };

  const handlePost = async (req: Request, identity: Identity, scan: HeaderScan): Promise<Response> => {
    const cfg = holder.current.config;
    const fwd = scan.forward;
    const ct = requestHeader(scan, "content-type");
    if (ct === null || !ct.toLowerCase().includes("application/json"))
      return jsonError(415, null, ErrorCode.INVALID_REQUEST, "Content-Type must be application/json");
    let body: Uint8Array;
    try {
      body = await readBounded(req, cfg.limits.max_body_bytes, requestHeader(scan, "content-length"));
    } catch (e) {
      if (e instanceof TooLarge)
        return jsonError(
          413,
          null,
          ErrorCode.MESSAGE_TOO_LARGE,
          `Request body exceeds the limit of ${cfg.limits.max_body_bytes} bytes`,
        );
      throw e;
    }
    const strictText = utf8Text(body);
    const text = strictText ?? DECODER.decode(body);
    if (exceedsDepth(text, cfg.limits.max_depth))
      return jsonError(
        400,
        null,
        ErrorCode.MESSAGE_TOO_LARGE,
        `Message nesting exceeds the limit of ${cfg.limits.max_depth}`,
      );
    // Parsed once: judgeFrame takes this value rather than parsing the text again. Nothing here
    // changes it (bodyFacts, awaitedIds and idOf only read), nor may an interceptor.
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined; // judgeFrame parses again and answers the parse error
    }
    const facts: BodyFacts | undefined = bodyFacts(parsed);
    const headerVersion = requestHeader(scan, "mcp-protocol-version");
    const modern = facts?.claim !== undefined ? isModernVersion(facts.claim) : isModernVersion(headerVersion);
    if (modern && facts) {
      const mm = checkHeaders(req.headers, facts);
      if (mm)
        return jsonError(
          400,
          idOf(parsed),
          HEADER_MISMATCH,
          `Bad Request: the request headers and body disagree: ${mm.message}`,
        );
    }
    const { upstreams } = edge;
    const tool =
      facts?.method === "tools/call" && typeof facts.params?.name === "string" ? facts.params.name : undefined;
    let up = upstreams.route(tool);

    // Session: 2025-era ids are bound to their creator; modern requests are stateless.
    const sid = modern ? null : requestHeader(scan, "mcp-session-id");
    let entry: ProxySession | undefined;
    let session: Session;
    if (sid !== null) {
      if (sid.length > MAX_SESSION_ID)
        return jsonError(400, null, ErrorCode.INVALID_REQUEST, "Mcp-Session-Id is too long");
      const l = sessions.lookup(sid, identity);
      if (l.kind !== "found") return jsonError(404, idOf(parsed), ErrorCode.INVALID_REQUEST, "Session not found");
      entry = l.entry;
      session = entry.session;
      if (tool === undefined) up = upstreams.all.get(entry.upstream) ?? upstreams.primary;
    } else {
      session = new Session(crypto.randomUUID(), identity, up.name);
      if (headerVersion !== null) session.protocolVersion = headerVersion;
    }
    if (modern && facts?.claim) session.protocolVersion = facts.claim;

    const dj =
      strictText === undefined
        ? judgeUndecodable(deps(), session, "c2s", text, body.length)
        : judgeFrame(deps(), session, "c2s", text, body.length, parsed);
    const judged: Judged = dj instanceof Promise ? await dj : dj;
    if (judged.toRecipient === null) {
      if (judged.toSender === null) return new Response(null, { status: 202 });
      return blockedResponse(judged.toSender);
    }
    const batch = Array.isArray(parsed);
    const ids = awaitedIds(parsed, session);
    const ourReplies: string[] = [];
    if (judged.toSender !== null) {
      const r = JSON.parse(judged.toSender) as unknown;
      for (const m of Array.isArray(r) ? r : [r]) ourReplies.push(JSON.stringify(m));
    }

    let headers = upstreamHeaders(fwd, up.headers);
    // The client's id is ours: the upstream gets its own id (or none), never the client's.
    if (entry === undefined) delete headers["mcp-session-id"];
    else if (up.name === entry.upstream) {
      if (entry.upstreamId === null) delete headers["mcp-session-id"];
      else headers["mcp-session-id"] = entry.upstreamId;
    } else {
      try {
        const routed = await routedSession(entry, up);
        if (routed === null) delete headers["mcp-session-id"];
        else headers["mcp-session-id"] = routed;
      } catch (e) {
        logger.warn("routed upstream unavailable", { upstream: up.name, error: e });
        return errorsFor(
          session,
          ids,
          ErrorCode.UPSTREAM_UNAVAILABLE,
          `Upstream ${up.name} is unavailable`,
          batch,
          ourReplies,
        );
      }
    }
    const forwarded = judged.toRecipient === "original" ? body : judged.toRecipient;
    if (modern && judged.toRecipient !== "original") {
      const h = new Headers(headers);
      recomputeHeaders(h, judged.toRecipient, up.paramHeaders);
      headers = Object.fromEntries(h);
    }

    if (!up.breaker.admit())
      return errorsFor(
        session,
        ids,
        ErrorCode.CIRCUIT_OPEN,
        `Upstream ${up.name} is unavailable (circuit open)`,
        batch,
        ourReplies,
      );

    const ac = new AbortHook();
    active.add(ac);
    const firstByte = new FirstByteWait(req, ac, cfg.transport.first_byte_timeout, deadlines);
    let streaming = false;
    const cleanup = () => {
      active.delete(ac);
      firstByte.unwatch();
    };
    try {
      let resp: Answer;
      try {
        resp = await sendFast(up.url, { method: "POST", headers, body: forwarded, signal: ac });
      } catch (e) {
        firstByte.done();
        if (req.signal.aborted) {
          up.breaker.release();
          return new Response(null, { status: 499 });
        }
        up.breaker.failure();
        logger.warn("upstream request failed", { upstream: up.name, error: firstByte.timedOut ? "timeout" : e });
        return firstByte.timedOut
          ? errorsFor(
              session,
              ids,
              ErrorCode.UPSTREAM_TIMEOUT,
              `Upstream ${up.name} did not answer in time`,
              batch,
              ourReplies,
            )
          : errorsFor(
              session,
              ids,
              ErrorCode.UPSTREAM_UNAVAILABLE,
              `Upstream ${up.name} is unreachable`,
              batch,
              ourReplies,
            );
      }
      firstByte.done();
      if (resp.status >= 500) {
        up.breaker.failure();
        await discard(resp);
        return errorsFor(
          session,
          ids,
          ErrorCode.UPSTREAM_UNAVAILABLE,
          `Upstream ${up.name} failed (HTTP ${resp.status})`,
          batch,
          ourReplies,
        );
      }
      up.breaker.success();

      // A 2025-era initialize accepted upstream: the session is born, bound to this identity, under
      // an id we mint; the upstream's id (if it minted one) stays here.
      const upstreamSid = modern ? null : headerOf(resp, "mcp-session-id");
      const outHeaders: Record<string, string> = {};
      if (!modern && entry === undefined && facts?.method === "initialize" && resp.status < 400) {
        if (upstreamSid !== null && upstreamSid.length > MAX_SESSION_ID) {
          await discard(resp);
          return errorsFor(
            session,
            ids,
            ErrorCode.UPSTREAM_UNAVAILABLE,
            `Upstream ${up.name} sent an invalid Mcp-Session-Id`,
            batch,
            ourReplies,
          );
        }
        const pending = session;
        entry = sessions.open(identity, up.name, upstreamSid, facts.params, (id) => {
          const s = new Session(id, identity, up.name);
          s.protocolVersion = pending.protocolVersion;
          for (const p of pending.pendingFromClient()) s.track(p);
          return s;
        });
        session = entry.session;
        if (upstreamSid !== null) headers["mcp-session-id"] = upstreamSid;
        outHeaders["mcp-session-id"] = entry.id;
      } else if (entry !== undefined && upstreamSid !== null) outHeaders["mcp-session-id"] = entry.id;

      if (resp.status === 202 || resp.status === 204 || !hasBody(resp)) {
        await discard(resp);
        if (ourReplies.length > 0) return errorsFor(session, [], 0, "", batch, ourReplies);
        return new Response(null, { status: resp.status === 204 ? 204 : 202, headers: outHeaders });
      }
      const upstream = resp;
      // The usual small answer came whole with its head: no read, no timer.
      const arrived =
        resp instanceof H1Reply && resp.whole !== null && resp.whole.length <= cfg.limits.max_frame_bytes
          ? resp.whole
          : null;
      /** The whole upstream body, read under request_timeout; on failure, the response to send instead. */
      const readWhole = async (): Promise<Uint8Array | Response> => {
        const whole = upstream instanceof H1Reply ? upstream.whole : null;
        // Came whole with the head: nothing left to wait for.
        const requestTimer = whole === null ? setTimeout(() => ac.abort(), cfg.transport.request_timeout) : undefined;
        try {
          if (whole !== null) {
            if (whole.length > cfg.limits.max_frame_bytes) throw new TooLarge();
            return whole;
          }
          return await readBounded(
            upstream instanceof H1Reply ? upstream.toResponse() : upstream,
            cfg.limits.max_frame_bytes,
          );
        } catch (e) {
          if (e instanceof TooLarge)
            return errorsFor(
              session,
              ids,
              ErrorCode.MESSAGE_TOO_LARGE,
              `Upstream response exceeds the limit of ${cfg.limits.max_frame_bytes} bytes`,
              batch,
              ourReplies,
            );
          if (req.signal.aborted) return new Response(null, { status: 499 });
          up.breaker.failure();
          return errorsFor(
            session,
            ids,
            ErrorCode.UPSTREAM_UNAVAILABLE,
            `Upstream ${up.name} failed mid-response`,
            batch,
            ourReplies,
          );
        } finally {
          clearTimeout(requestTimer);
        }
      };
      const rct = (headerOf(resp, "content-type") ?? "").toLowerCase();
      const learn = facts?.method === "tools/list";
      const rewrite = identity.method !== "anonymous" ? privateCacheHints : undefined;
      if (rct.startsWith("text/event-stream")) {
        Object.assign(outHeaders, SSE_RESPONSE_HEADERS);
        const pending = new Set(ids);
        // A body of declared length within the frame limit is complete once read: relayed whole,
        // without a stream (no per-read timers or chunked response); bounded by request_timeout.
        const declared = headerOf(resp, "content-length");
        const whole = declared !== null && Number(declared) <= cfg.limits.max_frame_bytes;
        const relayOptions: RelayOptions = {
          judge: (t, size) => {
            if (learn) learnParamHeaders(t, up.paramHeaders);
            return judgeFrame(deps(), session, "s2c", t, size);
          },
          replyUpstream: (t) =>
            sendUpstream(up, entry ? (headers["mcp-session-id"] ?? null) : null, session.protocolVersion, t),
          failPending: async (kind, saw) => {
            const left = [...pending].filter((id) => session.peek("s2c", id) !== undefined);
            // A stream that gave event ids and ended cleanly may be resumed by the client (GET + Last-Event-ID).
            // 2026-07-28 has no GET to resume on: an unanswered request there is always an error.
            const resumable = !modern && saw.eventIds && !saw.oversized;
            if (kind === "end" && (resumable || left.length === 0)) return [];
            if (kind !== "end") up.breaker.failure();
            const [code, message] =
              kind === "timeout"
                ? [ErrorCode.UPSTREAM_TIMEOUT, `Upstream ${up.name} went silent`]
                : saw.oversized
                  ? [
                      ErrorCode.MESSAGE_TOO_LARGE,
                      `Upstream message exceeds the size limit of ${cfg.limits.max_frame_bytes} bytes`,
                    ]
                  : [ErrorCode.UPSTREAM_UNAVAILABLE, `Upstream ${up.name} closed the stream before answering`];
            const out: string[] = [];
            for (const id of left) {
              const t = await judgedError(session, id, code, message);
              if (t !== null) out.push(t);
            }
            return out;
          },
          oversize: (err: FrameTooLargeError) => {
            recordOversize(deps(), session, "s2c", err.seen, err.limit);
            const id = err.id;
            if (id === null || session.settle("s2c", id) === undefined) return null;
            return oversizeError(id, err.limit);
          },
          rewrite,
          prefix: ourReplies,
          idleMs: cfg.transport.sse_idle_timeout,
          maxFrameBytes: cfg.limits.max_frame_bytes,
          abort: ac,
          onClose: (how) => {
            if (whole) return; // not streaming: the request's own finally cleans up
            cleanup();
            release();
            if (how === "client") {
              // 2026: the closed request is the cancellation. 2025: tell the session's server too.
              if (!modern && entry)
                for (const id of pending)
                  if (session.settle("s2c", id) !== undefined)
                    sendUpstream(
                      up,
                      headers["mcp-session-id"] ?? null,
                      session.protocolVersion,
                      JSON.stringify({
                        jsonrpc: "2.0",
                        method: "notifications/cancelled",
                        params: { requestId: id, reason: "client disconnected" },
                      }),
                    );
            }
          },
        };
        if (whole) {
          const raw = arrived ?? (await readWhole());
          if (raw instanceof Response) return raw;
          return new Response(await relaySseWhole(raw, relayOptions), {
            status: resp.status,
            headers: "mcp-session-id" in outHeaders ? outHeaders : SSE_REPLY_HEADERS,
          });
        }
        streaming = true;
        return streamingResponse(relaySse(streamOf(resp), relayOptions), resp.status, outHeaders);
      }
      if (rct.startsWith("application/json")) {
        const raw = arrived ?? (await readWhole());
        if (raw instanceof Response) return raw;
        // ASCII text encodes back to exactly these bytes, and a Response takes a string for about a
        // quarter of what it takes to copy a byte view (0.5 against 1.8 us small, 12 against 50 us
        // at 1 MiB): the original is answered as its text then, as its bytes otherwise.
        const ascii = isAscii(raw);
        const strictText = ascii ? asciiText(raw) : strictUtf8(raw);
        const rtext = strictText ?? DECODER.decode(raw);
        if (learn && strictText !== undefined) learnParamHeaders(rtext, up.paramHeaders);
        const sj =
          strictText === undefined
            ? judgeUndecodable(deps(), session, "s2c", rtext, raw.length)
            : judgeFrame(deps(), session, "s2c", rtext, raw.length);
        const j = sj instanceof Promise ? await sj : sj;
        if (j.toSender !== null)
          sendUpstream(up, headers["mcp-session-id"] ?? null, session.protocolVersion, j.toSender);
        outHeaders["content-type"] = "application/json";
        if (resp.status >= 400) {
          // The upstream's own refusal (400, 404 unknown session, …): relayed with its status.
          if (resp.status === 404 && entry !== undefined) forgetUpstreamSession(entry, up);
          return new Response(
            j.toRecipient === "original"
              ? raw
              : (j.toRecipient ??
                  errorResponseText(idOf(parsed), ErrorCode.INVALID_REQUEST, `Upstream answered HTTP ${resp.status}`)),
            { status: resp.status, headers: outHeaders },
          );
        }
        const leftover = ids.filter((id) => session.peek("s2c", id) !== undefined);
        if (j.toRecipient === "original" && ourReplies.length === 0 && leftover.length === 0) {
          if (rewrite === undefined)
            return new Response(ascii ? rtext : raw, {
              status: resp.status,
              headers: "mcp-session-id" in outHeaders ? outHeaders : JSON_REPLY_HEADERS,
            });
          return new Response(rewrite(rtext), { status: resp.status, headers: outHeaders });
        }
        const texts = [...ourReplies];
        const main = j.toRecipient === "original" ? rtext : j.toRecipient;
        // A message the chain replaced is already JSON.stringify's text of one object: it is used
        // as it is, not parsed and serialised again (a redacted 1 MiB result cost both). The
        // upstream's own text and batches are split and serialised here.
        if (main !== null && main !== rtext && main.charCodeAt(0) === 123) texts.push(rewrite ? rewrite(main) : main);
        else if (main !== null) {
          const v = JSON.parse(main) as unknown;
          for (const m of Array.isArray(v) ? v : [v])
            texts.push(rewrite ? rewrite(JSON.stringify(m)) : JSON.stringify(m));
        }
        // Requests the upstream's answer left unanswered would hang the client: answer them.
        for (const id of leftover) {
          const t = await judgedError(
            session,
            id,
            ErrorCode.UPSTREAM_UNAVAILABLE,
            `Upstream ${up.name} did not answer this request`,
          );
          if (t !== null) texts.push(t);
        }
        if (texts.length === 0) return new Response(null, { status: 202, headers: outHeaders });
        return new Response(batch || texts.length > 1 ? `[${texts.join(",")}]` : texts[0]!, {
          status: resp.status,
          headers: outHeaders,
        });
      }
      // Neither JSON nor SSE.
      await discard(resp);
      if (resp.status >= 400) {
        if (resp.status === 404 && entry !== undefined) forgetUpstreamSession(entry, up);
        return jsonError(resp.status, idOf(parsed), ErrorCode.INVALID_REQUEST, `Upstream answered HTTP ${resp.status}`);
      }
      return errorsFor(
        session,
        ids,
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `Upstream ${up.name} answered an unexpected content type`,
        batch,
        ourReplies,
      );
    } finally {
      if (!streaming) cleanup();
    }
  };

  const handleGetOrDelete = async (
    req: Request,
    identity: Identity,
    fwd: Record<string, string>,
  ): Promise<Response> => {
    const cfg = holder.current.config;
    if (isModernVersion(req.headers.get("mcp-protocol-version")))
      return jsonError(
        405,
        null,
        ErrorCode.INVALID_REQUEST,
        `${req.method} is not part of protocol revision 2026-07-28`,
        { allow: "POST" },
      );
    const sid = req.headers.get("mcp-session-id");
    let entry: ProxySession | undefined;
    if (sid !== null) {
      const l = sid.length <= MAX_SESSION_ID ? sessions.lookup(sid, identity) : ({ kind: "unknown" } as const);
      if (l.kind !== "found") return jsonError(404, null, ErrorCode.INVALID_REQUEST, "Session not found");
      entry = l.entry;
    }
    const up = (entry && edge.upstreams.all.get(entry.upstream)) || edge.upstreams.primary;
    if (req.method === "DELETE" && entry !== undefined && entry.upstreamId === null) {
      // The upstream keeps no session: ending ours (and the routed ones) is all there is to do.
      sessions.delete(entry.id);
      endUpstreamSessions(entry, false);
      return new Response(null, { status: 200 });
    }
    if (!up.breaker.admit())
      return jsonError(503, null, ErrorCode.CIRCUIT_OPEN, `Upstream ${up.name} is unavailable (circuit open)`, {
        "retry-after": String(Math.max(1, Math.ceil(up.breaker.retryAfterMs() / 1000))),
      });
    const headers = upstreamHeaders(fwd, up.headers);
    delete headers["content-type"];
    if (entry?.upstreamId) headers["mcp-session-id"] = entry.upstreamId;
    else delete headers["mcp-session-id"];
    const ac = new AbortController();
    active.add(ac);
    const onClientGone = () => ac.abort();
    req.signal.addEventListener("abort", onClientGone, { once: true });
    // A GET stream may stay silent until the server has something to say (and Bun's fetch resolves
    // only with the first body byte): the stream idle bound applies, not the first-byte one.
    const firstByte = setTimeout(
      () => ac.abort(),
      req.method === "GET" ? cfg.transport.sse_idle_timeout : cfg.transport.first_byte_timeout,
    );
    let streaming = false;
    const cleanup = () => {
      active.delete(ac);
      req.signal.removeEventListener("abort", onClientGone);
    };
    try {
      let resp: Response;
      try {
        resp = await send(up.url, { method: req.method, headers, signal: ac.signal });
      } catch (e) {
        if (req.signal.aborted) {
          up.breaker.release();
          return new Response(null, { status: 499 });
        }
        up.breaker.failure();
        logger.warn("upstream request failed", { upstream: up.name, error: e });
        return jsonError(502, null, ErrorCode.UPSTREAM_UNAVAILABLE, `Upstream ${up.name} is unreachable`);
      } finally {
        clearTimeout(firstByte);
      }
      if (resp.status >= 500) {
        up.breaker.failure();
        await resp.body?.cancel().catch(() => {});
        return jsonError(502, null, ErrorCode.UPSTREAM_UNAVAILABLE, `Upstream ${up.name} failed (HTTP ${resp.status})`);
      }
      up.breaker.success();
      if (req.method === "DELETE") {
        await resp.body?.cancel().catch(() => {});
        if ((resp.ok || resp.status === 404) && entry !== undefined) {
          sessions.delete(entry.id);
          endUpstreamSessions(entry, false);
        }
        return new Response(null, { status: resp.status });
      }
      const rct = (resp.headers.get("content-type") ?? "").toLowerCase();
      if (!resp.ok || resp.body === null || !rct.startsWith("text/event-stream")) {
        const t = resp.body ? await resp.text().catch(() => "") : "";
        if (resp.status === 404 && entry !== undefined) forgetUpstreamSession(entry, up);
        const isRpc = t.startsWith("{") && t.includes('"jsonrpc"');
        return isRpc
          ? new Response(t, { status: resp.status, headers: JSON_HEADERS })
          : jsonError(
              resp.ok ? 502 : resp.status,
              null,
              ErrorCode.INVALID_REQUEST,
              `Upstream answered HTTP ${resp.status}`,
              resp.headers.get("allow") ? { allow: resp.headers.get("allow")! } : undefined,
            );
      }
      const session = entry?.session ?? new Session(crypto.randomUUID(), identity, up.name);
      streaming = true;
      const rewrite = identity.method !== "anonymous" ? privateCacheHints : undefined;
      const stream = relaySse(resp.body, {
        judge: (t, size) => judgeFrame(deps(), session, "s2c", t, size),
        replyUpstream: (t) => sendUpstream(up, entry?.upstreamId ?? null, session.protocolVersion, t),
        failPending: async (kind) => {
          if (kind === "error") up.breaker.failure();
          return [];
        },
        oversize: (err) => {
          recordOversize(deps(), session, "s2c", err.seen, err.limit);
          const id = err.id;
          if (id === null || session.settle("s2c", id) === undefined) return null;
          return oversizeError(id, err.limit);
        },
        rewrite,
        // A comment first: Bun.serve withholds response headers until the first body chunk.
        opening: ": stream open\n\n",
        idleMs: cfg.transport.sse_idle_timeout,
        maxFrameBytes: cfg.limits.max_frame_bytes,
        abort: ac,
        onClose: () => {
          cleanup();
          release();
        },
      });
      return streamingResponse(stream, resp.status, SSE_RESPONSE_HEADERS);
    } finally {
      if (!streaming) cleanup();
    }
  };

  let readyCache: { at: number; ok: boolean; detail: string } | null = null;
  const ready = async (): Promise<{ ok: boolean; detail: string }> => {
    if (draining) return { ok: false, detail: "shutting down" };
    const t = performance.now();
    if (readyCache && t - readyCache.at < READY_CACHE_MS) return readyCache;
    const up = edge.upstreams.primary;
    let ok = false;
    let detail: string;
    if (up.breaker.state === "open") detail = `upstream ${up.name}: circuit open`;
    else {
      try {
        const r = await send(up.url, {
          method: "GET",
          headers: { ...up.headers, accept: "text/event-stream" },
          signal: AbortSignal.timeout(2_000),
        });
        await r.body?.cancel().catch(() => {});
        ok = r.status < 500;
        detail = `upstream ${up.name}: HTTP ${r.status}`;
      } catch {
        detail = `upstream ${up.name}: unreachable`;
      }
    }
    readyCache = { at: t, ok, detail };
    return readyCache;
  };

  const fetchHandler = async (req: Request, server: Server<undefined>): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === "/healthz") return Response.json({ status: "ok" });
    if (path === "/readyz") {
      const r = await ready();
      return Response.json({ status: r.ok ? "ready" : "not ready", detail: r.detail }, { status: r.ok ? 200 : 503 });
    }
    const cfg = holder.current.config;
    const scanned = scanHeaders(req.headers, cfg.telemetry?.propagate ?? true);
    if (scanned.bytes > cfg.limits.max_header_bytes)
      return jsonError(
        431,
        null,
        ErrorCode.MESSAGE_TOO_LARGE,
        `Request headers exceed the limit of ${cfg.limits.max_header_bytes} bytes`,
      );
    const origin = requestHeader(scanned, "origin");
    const refused = checkHostAndOrigin(requestHeader(scanned, "host"), origin, edge.origin);
    if (refused !== null) return jsonError(403, null, ErrorCode.UNAUTHORIZED, `Forbidden: ${refused}`);
    const wk = auth.wellKnown(req, url);
    if (wk !== null) return wk;
    const cors = corsHeaders(origin);
    if (req.method === "OPTIONS") {
      if (cors === null) return new Response(null, { status: 204, headers: { allow: "GET, POST, DELETE, OPTIONS" } });
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
          "access-control-allow-headers":
            req.headers.get("access-control-request-headers") ??
            "Content-Type, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name",
          "access-control-max-age": "600",
        },
      });
    }
    if (draining)
      return jsonError(503, null, ErrorCode.SHUTTING_DOWN, "mcpgw is shutting down", { connection: "close" });
    if (inflight >= cfg.limits.max_concurrent_streams)
      return jsonError(
        503,
        null,
        ErrorCode.MESSAGE_TOO_LARGE,
        `Too many concurrent requests (limit ${cfg.limits.max_concurrent_streams})`,
        { "retry-after": "1" },
      );
    // The address costs a system call: found only when a credential check or a label read needs it.
    const outcome = await auth.authenticate(req, url, () => server.requestIP(req)?.address ?? "unknown");
    if (!outcome.ok) return outcome.response;
    // From here our own bounds apply (request_timeout, sse_idle_timeout, drain); before it, the
    // server's idle timeout stops connections that never finish their headers.
    server.timeout(req, 0);
    inflight++;
    let handed = false;
    try {
      let resp: Response;
      if (req.method === "POST") resp = await handlePost(req, outcome.identity, scanned);
      else if (req.method === "GET" || req.method === "DELETE")
        resp = await handleGetOrDelete(req, outcome.identity, scanned.forward);
      else
        resp = jsonError(405, null, ErrorCode.INVALID_REQUEST, `Method ${req.method} not allowed`, {
          allow: "GET, POST, DELETE, OPTIONS",
        });
      handed = STREAMING.has(resp);
      if (cors) for (const [k, v] of Object.entries(cors)) resp.headers.set(k, v);
      return resp;
    } catch (e) {
      logger.error("request handling failed", { error: e });
      return jsonError(500, null, ErrorCode.INTERNAL_ERROR, "Internal error");
    } finally {
      // SSE responses release when their stream closes.
      if (!handed) release();
    }
  };

  const server = Bun.serve({
    hostname: opts.hostname,
    port: opts.port,
    idleTimeout: IDLE_TIMEOUT_S,
    // Our own bounded reader enforces limits.max_body_bytes with a JSON-RPC error body.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    ...(opts.tls ? { tls: { cert: Bun.file(opts.tls.cert), key: Bun.file(opts.tls.key) } } : {}),
    fetch: fetchHandler,
    error(e) {
      logger.error("server error", { error: e });
      return jsonError(500, null, ErrorCode.INTERNAL_ERROR, "Internal error");
    },
  });
  const scheme = opts.tls ? "https" : "http";
  const host = server.hostname ?? opts.hostname;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const port = server.port ?? opts.port;

  return {
    url: `${scheme}://${shownHost}:${port}`,
    hostname: host,
    port,
    refresh() {
      edge = buildEdge();
      const s = holder.current.config.session;
      sessions.configure(s.ttl, s.max_sessions);
    },
    async shutdown(drainMs: number) {
      draining = true;
      void server.stop(false);
      if (inflight > 0) {
        await Promise.race([new Promise<void>((r) => idleWaiters.push(r)), Bun.sleep(drainMs)]);
      }
      idleWaiters = [];
      for (const ac of active) ac.abort();
      await server.stop(true);
      clearInterval(sweeper);
      pool?.client.close();
      await auth.close?.();
    },
  };
}
