/**
 * `GET /metrics` on `metrics.addr` (as the original mcpgw). Loopback when the host is left out
 * (":9091"); with `metrics.api_key` it requires `Authorization: Bearer <key>` (constant-time
 * compare). Anything else is 404, a wrong method 405.
 */
import { timingSafeEqual } from "node:crypto";
import type { Logger } from "../log/index.ts";
import { METRICS_CONTENT_TYPE, renderPrometheus } from "./index.ts";
import type { MetricsConfig } from "./schema.ts";

export class MetricsAddrError extends Error {
  readonly code = "BAD_METRICS_ADDR";
}

export function parseMetricsAddr(addr: string): { hostname: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  if (!m || Number(m[3]) > 65535) throw new MetricsAddrError(`metrics.addr must be HOST:PORT, not "${addr}"`);
  const host = m[1] ?? m[2] ?? "";
  return { hostname: host === "" ? "127.0.0.1" : host, port: Number(m[3]) };
}

function authorized(req: Request, key: string | undefined): boolean {
  if (key === undefined) return true;
  const h = req.headers.get("authorization") ?? "";
  const m = /^Bearer (.+)$/.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface MetricsServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the endpoint when `metrics.addr` is set; returns undefined otherwise. */
export function startMetricsServer(cfg: MetricsConfig, logger: Logger): MetricsServer | undefined {
  if (!cfg.addr) return undefined;
  const { hostname, port } = parseMetricsAddr(cfg.addr);
  const loopback = hostname === "127.0.0.1" || hostname === "::1" || hostname === "localhost";
  if (!loopback && cfg.api_key === undefined)
    logger.warn("metrics endpoint on a non-loopback address without metrics.api_key", { addr: cfg.addr });
  const server = Bun.serve({
    hostname,
    port,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== "/metrics") return new Response("not found\n", { status: 404 });
      if (req.method !== "GET" && req.method !== "HEAD")
        return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
      if (!authorized(req, cfg.api_key))
        return new Response("unauthorized\n", {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="metrics"' },
        });
      return new Response(renderPrometheus(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    },
  });
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${server.port}`;
  logger.info("metrics on", { url: `${url}/metrics` });
  return {
    url,
    stop: () => server.stop(true),
  };
}
