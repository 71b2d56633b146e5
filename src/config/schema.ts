/**
 * The configuration file's schema (ARCHITECTURE.md §5). snake_case keys, compatible with the
 * original mcpgw's config; every object is strict, so a misspelt key is an error with its
 * file:line:col. Sections owned by a subsystem live beside it and are assembled here.
 */
import { z } from "zod";
import { AlertingSchema, AuditSchema, DEFAULT_AUDIT } from "../audit/schema.ts";
import { AuthSchema } from "../interceptors/auth/schema.ts";
import { InjectionConfigSchema } from "../interceptors/injection/schema.ts";
import { PiiConfigSchema } from "../interceptors/pii/schema.ts";
import { RateLimitSchema, ToolRateLimitSchema } from "../interceptors/ratelimit/schema.ts";
import { SchemaConfigSchema } from "../interceptors/schema/schema.ts";
import { ServerEvalSchema } from "../interceptors/servereval/schema.ts";
import { MetricsSchema } from "../metrics/schema.ts";
import { DEFAULT_WORKERS, WorkersSchema } from "../pool/schema.ts";
import {
  CircuitBreakerSchema,
  CorsSchema,
  HttpLimitsFields,
  RouteSchema,
  RoutingSchema,
  SessionSchema,
  TelemetrySchema,
  TlsSchema,
  TransportSchema,
  UpstreamSchema,
} from "../transport/http/schema.ts";
import { ByteSize, Duration } from "./common.ts";

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

export const LimitsSchema = z
  .strictObject({
    max_frame_bytes: ByteSize.default(DEFAULT_MAX_FRAME_BYTES).describe(
      "largest single message (NDJSON line, SSE event or HTTP body)",
    ),
    max_depth: z.number().int().min(8).max(10_000).default(128).describe("deepest JSON nesting accepted in a message"),
    max_batch: z.number().int().min(1).max(10_000).default(100).describe("most messages in one 2025-03-26 batch"),
    ...HttpLimitsFields,
  })
  .describe("size limits applied to every message");

export const LoggingSchema = z
  .strictObject({
    level: z.enum(["debug", "info", "warn", "error"]).default("info").describe("least severe level written"),
    format: z.enum(["text", "json"]).default("text").describe("text lines or one JSON object per line; stderr only"),
  })
  .describe("logs (always on stderr)");

export const WrapSchema = z
  .strictObject({
    shutdown_grace: Duration.default(5000).describe("how long a child may take to exit after its stdin closes"),
    subject: z.string().optional().describe("identity of the local caller (default: the OS user)"),
    roles: z.array(z.string()).default([]).describe("roles of the local caller"),
    upstream_name: z.string().default("stdio").describe("name of the wrapped server in policy and audit"),
    forward_sighup: z
      .boolean()
      .default(true)
      .describe("pass SIGHUP on to the child after reloading (false for servers that exit on SIGHUP)"),
  })
  .describe("`mcpgw wrap` settings");

/**
 * `plugins:` list, as in the original mcpgw. Discriminated on `name`: each plugin's `config` is
 * validated by that plugin's own strict schema, so a misspelt key points at its file:line:col.
 */
const pluginEntry = <N extends string, C extends z.ZodType>(name: N, config: C) =>
  z.strictObject({
    name: z.literal(name).describe("plugin name"),
    enabled: z.boolean().default(true).describe("false turns the plugin off"),
    config: config.prefault({} as never),
  });
export const PluginEntrySchema = z.discriminatedUnion("name", [
  pluginEntry("injection", InjectionConfigSchema),
  pluginEntry("pii", PiiConfigSchema),
  pluginEntry("schema", SchemaConfigSchema),
]);

export const ConfigSchema = z
  .strictObject({
    upstream: z.string().optional().describe("upstream MCP server URL (proxy mode)"),
    listen: z.string().optional().describe("address to listen on, HOST:PORT (default 127.0.0.1:9090)"),
    policy: z.string().optional().describe("path of the policy file"),
    mode: z.enum(["enforce", "audit"]).default("enforce").describe("global mode: audit records but never blocks"),
    logging: LoggingSchema.default({ level: "info", format: "text" }),
    limits: LimitsSchema.prefault({}),
    wrap: WrapSchema.prefault({}),
    plugins: z.array(PluginEntrySchema).default([]),
    workers: WorkersSchema.default(DEFAULT_WORKERS),
    audit: AuditSchema.default(DEFAULT_AUDIT),
    audit_log: z
      .string()
      .optional()
      .describe("JSONL mirror of the audit log (as the original mcpgw), rotated per audit.jsonl"),
    metrics: MetricsSchema.default({}),
    alerting: AlertingSchema.default({ dedup_window: 300_000 }),
    auth: AuthSchema.optional(),
    rate_limit: RateLimitSchema.optional(),
    tool_rate_limit: ToolRateLimitSchema.optional(),
    upstreams: z.record(z.string().min(1), UpstreamSchema).default({}).describe("named upstreams (proxy mode)"),
    routes: z.array(RouteSchema).default([]).describe("tools/call routing by tool name (proxy mode)"),
    routing: RoutingSchema.optional(),
    cors: CorsSchema.optional(),
    allowed_origins: z
      .array(z.string().min(1))
      .optional()
      .describe("Origins accepted (default: loopback origins for a loopback bind, none otherwise)"),
    allowed_hosts: z
      .array(z.string().min(1))
      .optional()
      .describe("Host header names accepted (default: loopback names for a loopback bind, any otherwise)"),
    transport: TransportSchema.prefault({}),
    tls: TlsSchema.optional(),
    circuit_breaker: CircuitBreakerSchema.prefault({}),
    session: SessionSchema.prefault({}),
    drain_timeout: Duration.default(10_000).describe(
      "on SIGTERM/SIGINT, how long in-flight requests and streams may take to finish",
    ),
    telemetry: TelemetrySchema.optional(),
    server_eval: ServerEvalSchema.optional(),
  })
  .describe("mcpgw configuration");

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
