/**
 * The process-wide metrics: what every transport's decisions add up to. Transports do not call
 * these directly; the audit sink records every decision here (see src/audit/log.ts), so metrics
 * and audit always agree. The proxy serves {@link renderPrometheus} on `metrics.addr`.
 */

import type { Action, Direction } from "../chain/types.ts";
import { MCP_METHODS } from "../jsonrpc/methods.ts";
import { Counter, Histogram, PROMETHEUS_CONTENT_TYPE, Registry } from "./registry.ts";

export { Counter, CounterFunc, Gauge, Histogram, PROMETHEUS_CONTENT_TYPE, Registry } from "./registry.ts";
export { type MetricsConfig, MetricsSchema } from "./schema.ts";

export const registry = new Registry();

/** MCP methods kept as label values; anything else (client-controlled) is "other". */
const KNOWN_METHODS: ReadonlySet<string> = new Set(MCP_METHODS);

export function methodLabel(method: string | undefined): string {
  if (method === undefined) return "none";
  return KNOWN_METHODS.has(method) ? method : "other";
}

/** Interceptor names are config-defined, but keep the label bounded all the same. */
function interceptorLabel(name: string | null): string {
  if (name === null) return "none";
  return /^[a-z][a-z0-9_]{0,31}$/.test(name) ? name : "other";
}

export const messagesTotal = registry.register(
  new Counter("mcpgw_messages_total", "Messages judged, by direction, method, action and deciding interceptor", [
    "direction",
    "method",
    "action",
    "interceptor",
  ]),
);

export const chainDuration = registry.register(
  new Histogram("mcpgw_chain_duration_seconds", "Time spent in the interceptor chain per message", ["direction"]),
);

export const requestDuration = registry.register(
  new Histogram(
    "mcpgw_request_duration_seconds",
    "Time from a request to the response that answers it, as seen by the gateway",
    ["method"],
  ),
);

/** Records one decision (called by the audit sink for every message). */
export function observeDecision(
  direction: Direction,
  method: string | undefined,
  action: Action,
  decidedBy: string | null,
  chainMs: number,
  latencyMs: number | undefined,
): void {
  const m = methodLabel(method);
  messagesTotal.inc([direction, m, action, interceptorLabel(decidedBy)]);
  chainDuration.observe([direction], chainMs / 1000);
  if (latencyMs !== undefined) requestDuration.observe([m], latencyMs / 1000);
}

/** The body of GET /metrics. */
export function renderPrometheus(): string {
  return registry.render();
}

export const METRICS_CONTENT_TYPE = PROMETHEUS_CONTENT_TYPE;
