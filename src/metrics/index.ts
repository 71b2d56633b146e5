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

type CounterData = ReturnType<Counter["handle"]>;
type HistogramData = ReturnType<Histogram["handle"]>;

/** Most interceptor names remembered per series prefix; past it a decision takes the uncached path. */
const HANDLE_CACHE_MAX = 256;

/**
 * Series handles of the decision metrics, by label value, so a decision updates its series
 * without an array, a joined key or a regex test per message. Direction, method label and action
 * are bounded sets; interceptor names are config-defined, and their cache stops growing at
 * {@link HANDLE_CACHE_MAX}.
 */
const messageHandles = new Map<string, Map<string, Map<string, Map<string | null, CounterData>>>>();
const chainHandles = new Map<string, HistogramData>();
const requestHandles = new Map<string, HistogramData>();

/** The map under `key`, created empty on first use. */
function child<K, K2, V>(m: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let c = m.get(key);
  if (c === undefined) {
    c = new Map();
    m.set(key, c);
  }
  return c;
}

/** The handle of a one-label histogram series, remembered (its label values are a bounded set). */
function histogramHandle(cache: Map<string, HistogramData>, series: Histogram, label: string): HistogramData {
  let h = cache.get(label);
  if (h === undefined) {
    h = series.handle([label]);
    cache.set(label, h);
  }
  return h;
}

function messageHandle(direction: Direction, method: string, action: Action, decidedBy: string | null): CounterData {
  const byDecider = child(child(child(messageHandles, direction), method), action);
  let h = byDecider.get(decidedBy);
  if (h === undefined) {
    h = messagesTotal.handle([direction, method, action, interceptorLabel(decidedBy)]);
    if (byDecider.size < HANDLE_CACHE_MAX) byDecider.set(decidedBy, h);
  }
  return h;
}

/** The series of a direction's last decision: a direction's messages mostly repeat it. */
interface LastDecision {
  readonly method: string | undefined;
  readonly action: Action;
  readonly decidedBy: string | null;
  readonly message: CounterData;
  readonly chain: HistogramData;
  readonly methodLabel: string;
  /** Made on the first latency observed (a response): no empty series for requests. */
  request: HistogramData | undefined;
}
let lastC2s: LastDecision | undefined;
let lastS2c: LastDecision | undefined;

/** Records one decision (called by the audit sink for every message). */
export function observeDecision(
  direction: Direction,
  method: string | undefined,
  action: Action,
  decidedBy: string | null,
  chainMs: number,
  latencyMs: number | undefined,
): void {
  let last = direction === "c2s" ? lastC2s : lastS2c;
  if (last === undefined || last.method !== method || last.action !== action || last.decidedBy !== decidedBy) {
    const m = methodLabel(method);
    last = {
      method,
      action,
      decidedBy,
      message: messageHandle(direction, m, action, decidedBy),
      chain: histogramHandle(chainHandles, chainDuration, direction),
      methodLabel: m,
      request: undefined,
    };
    if (direction === "c2s") lastC2s = last;
    else lastS2c = last;
  }
  last.message.v += 1;
  chainDuration.observeInto(last.chain, chainMs / 1000);
  if (latencyMs !== undefined) {
    last.request ??= histogramHandle(requestHandles, requestDuration, last.methodLabel);
    requestDuration.observeInto(last.request, latencyMs / 1000);
  }
}

/** The body of GET /metrics. */
export function renderPrometheus(): string {
  return registry.render();
}

export const METRICS_CONTENT_TYPE = PROMETHEUS_CONTENT_TYPE;
