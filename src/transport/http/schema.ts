/**
 * Config sections of `mcpgw proxy` (assembled into the config schema in src/config/schema.ts).
 * Keys follow the original mcpgw where it had them (`upstream`, `listen`, `routing.routes`,
 * `cors.allowed_origins`, `transport.*`, `circuit_breaker.*`, `session.ttl`, `telemetry.*`).
 */
import { z } from "zod";
import { ByteSize, Duration } from "../../config/common.ts";

const HttpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}, "must be an http:// or https:// URL");

export const UpstreamSchema = z
  .strictObject({
    url: HttpUrl.describe("the upstream's MCP endpoint"),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        "static headers sent to this upstream (credentials from environment variables); the client's are never forwarded",
      ),
  })
  .describe("one named upstream MCP server");

export const RouteSchema = z
  .strictObject({
    match_tools: z.array(z.string().min(1)).min(1).describe("tool name globs routed to `upstream`"),
    upstream: z.string().min(1).describe("name of an entry of `upstreams`, or a URL"),
  })
  .describe("tools/call whose tool matches goes to `upstream`");

/** The original README's spelling: `routing: { routes: [{ match: [globs], upstream: URL }] }`. */
export const RoutingSchema = z
  .strictObject({
    routes: z
      .array(
        z.strictObject({
          match: z.array(z.string().min(1)).min(1).describe("tool name globs"),
          upstream: z.string().min(1).describe("name of an entry of `upstreams`, or a URL"),
        }),
      )
      .default([]),
  })
  .describe("tool routing, as in the original mcpgw (same meaning as `routes`)");

export const CorsSchema = z
  .strictObject({
    allowed_origins: z
      .array(z.string().min(1))
      .default([])
      .describe('origins allowed to call from a browser ("*" allows any); also allowed by the Origin check'),
  })
  .describe("CORS for browser clients");

export const TransportSchema = z
  .strictObject({
    client: z
      .enum(["auto", "fetch", "pooled"])
      .default("auto")
      .describe(
        "upstream HTTP client: pooled (keep-alive HTTP/1.1 over TCP, http:// only), fetch (Bun's fetch), auto (pooled for http://, fetch for https://)",
      ),
    max_idle_conns: z.number().int().min(0).default(100).describe("idle upstream connections kept (all hosts)"),
    max_idle_conns_per_host: z.number().int().min(0).default(64).describe("idle upstream connections kept per host"),
    idle_conn_timeout: Duration.default(90_000).describe("how long an idle upstream connection is kept"),
    connect_timeout: Duration.default(10_000).describe("upper bound to connect to the upstream"),
    first_byte_timeout: Duration.default(60_000).describe("upper bound until the upstream's response headers"),
    request_timeout: Duration.default(300_000).describe("upper bound for a whole JSON (non-streaming) exchange"),
    sse_idle_timeout: Duration.default(300_000).describe("an SSE stream silent for this long is closed"),
  })
  .describe("upstream HTTP client");

export const TlsSchema = z
  .strictObject({
    cert_file: z.string().min(1).describe("PEM certificate chain"),
    key_file: z.string().min(1).describe("PEM private key"),
  })
  .describe("serve HTTPS");

export const CircuitBreakerSchema = z
  .strictObject({
    max_failures: z.number().int().min(1).default(5).describe("consecutive failures that open the breaker"),
    timeout: Duration.default(30_000).describe("how long the breaker stays open before one trial request"),
  })
  .describe("per-upstream circuit breaker (connect errors, timeouts and 5xx count as failures)");

export const SessionSchema = z
  .strictObject({
    ttl: Duration.default(30 * 60_000).describe("an idle 2025-era session is forgotten after this long"),
    max_sessions: z.number().int().min(1).default(10_000).describe("most sessions kept; the least recent goes first"),
  })
  .describe("proxy sessions (Mcp-Session-Id)");

export const TelemetrySchema = z
  .strictObject({
    otlp_endpoint: z.string().optional().describe("OTLP export (not supported: the key is rejected)"),
    service_name: z.string().default("mcpgw").describe("service name in trace data"),
    propagate: z.boolean().default(true).describe("forward W3C traceparent / tracestate / baggage upstream"),
  })
  .superRefine((v, ctx) => {
    if (v.otlp_endpoint !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["otlp_endpoint"],
        message:
          "telemetry.otlp_endpoint is not supported: mcpgw propagates W3C trace context (traceparent, tracestate, baggage) but does not export OTLP; remove the key",
      });
  })
  .describe("trace context");

/** Fields added to `limits` for the HTTP edge. */
export const HttpLimitsFields = {
  max_body_bytes: ByteSize.default(16 * 1024 * 1024).describe("largest HTTP request body (413 past it)"),
  max_header_bytes: ByteSize.pipe(z.number().max(16 * 1024 - 1, "Bun's HTTP server refuses 16 KiB of headers itself"))
    .default(15 * 1024)
    .describe(
      "largest total size of a request's headers (431 with a JSON-RPC error past it; below Bun's own 16 KiB cap)",
    ),
  max_concurrent_streams: z
    .number()
    .int()
    .min(1)
    .default(1024)
    .describe("most requests and SSE streams open at once (503 past it)"),
};
