/**
 * Block alerts (`alerting:`, as the original mcpgw): a JSON summary POSTed to `webhook_url` for
 * each block decision, at most once per (rule, tool, subject) within `dedup_window`. Sending is
 * fire-and-forget with a timeout; it never delays traffic. The payload holds no arguments.
 */
import type { Logger } from "../log/index.ts";
import { registry } from "../metrics/index.ts";
import { Counter } from "../metrics/registry.ts";
import { redactText } from "./redact.ts";
import type { AlertingConfig } from "./schema.ts";
import type { AuditEvent } from "./sink.ts";

export interface AlertPayload {
  readonly timestamp: string;
  readonly rule_name: string;
  readonly method: string;
  readonly tool_name?: string;
  readonly reason: string;
  readonly subject?: string;
  readonly direction: string;
  readonly decided_by?: string;
  readonly upstream?: string;
  readonly session_id?: string;
}

export interface Alerter {
  /** Looks at one decision; sends an alert when it is a block not seen within the window. */
  notify(ev: AuditEvent): void;
  /** Waits for alerts in flight (bounded by the send timeout). */
  close(): Promise<void>;
}

const SEND_TIMEOUT_MS = 5000;
const MAX_KEYS = 10_000;
const MAX_IN_FLIGHT = 64;

const alertsTotal = registry.register(
  new Counter("mcpgw_alerts_total", "Block alerts, by result (sent, failed, deduplicated, dropped)", ["result"]),
);

export function createAlerter(cfg: AlertingConfig, logger: Logger, now: () => number = Date.now): Alerter | undefined {
  const url = cfg.webhook_url;
  if (!url) return undefined;
  const seen = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const window = cfg.dedup_window;

  const sweep = (t: number) => {
    for (const [k, at] of seen) if (t - at >= window) seen.delete(k);
    // Still too many distinct keys inside the window: forget the oldest.
    while (seen.size >= MAX_KEYS) {
      const first = seen.keys().next();
      if (first.done) break;
      seen.delete(first.value);
    }
  };

  const send = (p: AlertPayload) => {
    const job = fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "mcpgw-alert" },
      body: JSON.stringify(p),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      redirect: "error",
    })
      .then(async (res) => {
        await res.body?.cancel();
        if (res.status >= 400) {
          alertsTotal.inc(["failed"]);
          logger.warn("alert webhook answered with an error", { status: res.status });
        } else alertsTotal.inc(["sent"]);
      })
      .catch((e) => {
        alertsTotal.inc(["failed"]);
        logger.warn("alert webhook failed", { error: (e as Error).message });
      })
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  };

  return {
    notify(ev) {
      const r = ev.result;
      if (r.action !== "block") return;
      const ctx = ev.ctx;
      const rule = r.rule ?? r.reason ?? "block";
      const subject = ctx.identity?.subject;
      const key = `${rule}\u0000${ctx.target ?? ""}\u0000${subject ?? ""}`;
      const t = now();
      const last = seen.get(key);
      if (last !== undefined && t - last < window) {
        alertsTotal.inc(["deduplicated"]);
        return;
      }
      if (seen.size >= MAX_KEYS) sweep(t);
      seen.delete(key);
      seen.set(key, t);
      if (inFlight.size >= MAX_IN_FLIGHT) {
        alertsTotal.inc(["dropped"]);
        return;
      }
      const p: AlertPayload = {
        timestamp: new Date(t).toISOString(),
        rule_name: rule,
        method: ctx.method ?? "",
        tool_name: ctx.target === undefined ? undefined : redactText(ctx.target),
        reason: redactText(r.reason ?? ""),
        subject,
        direction: ctx.direction,
        decided_by: r.decidedBy ?? undefined,
        upstream: ctx.upstream,
        session_id: ctx.sessionId,
      };
      send(p);
    },
    async close() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
