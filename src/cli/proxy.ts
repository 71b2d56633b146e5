/** `mcpgw proxy --upstream URL [--listen HOST:PORT]` */
import { createAuditSink } from "../audit/log.ts";
import { compileRuntime, RuntimeHolder, resolveConfig, resolveConfigFile, UsageError } from "../config/index.ts";
import { createReloadingAuthenticator } from "../interceptors/auth/index.ts";
import { startMetricsServer } from "../metrics/server.ts";
import { startProxy } from "../transport/http/server.ts";
import { UpstreamConfigError, UpstreamRegistry } from "../transport/http/upstreams.ts";
import { AUDIT_SINK_HELP, AUDIT_SINK_OPTIONS, auditSinkFlags } from "./audit.ts";
import { COMMON_HELP, COMMON_OPTIONS, type Command, checkEnum, loggerFor, loggingFlags, parseFlags } from "./common.ts";

const HELP = `Usage: mcpgw proxy --upstream URL [options]

Serves MCP Streamable HTTP (protocol revisions 2025-03-26, 2025-06-18, 2025-11-25 and
2026-07-28) and relays it to the upstream MCP server, inspecting every message both ways.
Once it accepts connections it prints one line to stderr:
  mcpgw: listening on http://HOST:PORT

Options:
  -u, --upstream URL      upstream MCP endpoint (or the name of an entry of upstreams:)
  -l, --listen HOST:PORT  address to listen on (default 127.0.0.1:9090; port 0 picks a free one;
                          0.0.0.0:PORT listens on every interface)
  -p, --policy FILE       policy file (default: the built-in policy)
      --mode MODE         enforce | audit (audit records would_block and never blocks)
      --tls-cert FILE     serve HTTPS with this PEM certificate chain (with --tls-key)
      --tls-key FILE      PEM private key
${AUDIT_SINK_HELP}
${COMMON_HELP}

Endpoints: any path but /healthz (liveness) and /readyz (upstream reachable) is the MCP endpoint.
Signals: SIGTERM / SIGINT drain (drain_timeout) and exit; SIGHUP reloads config and policy.
Exit status: 0 after a clean shutdown, 1 on a runtime failure, 2 for usage or config errors.`;

export const DEFAULT_LISTEN = "127.0.0.1:9090";

/** "HOST:PORT", "[::1]:PORT" or the original's ":PORT" (which stays on loopback here). */
export function parseListen(spec: string): { hostname: string; port: number; bareColon: boolean } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(spec.trim());
  if (!m) throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:9090), not "${spec}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen port ${port} is out of range`);
  const host = m[1] ?? m[2] ?? "";
  return { hostname: host === "" ? "127.0.0.1" : host, port, bareColon: host === "" };
}

export const proxyCommand: Command = {
  name: "proxy",
  summary: "serve a remote MCP server over Streamable HTTP",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...COMMON_OPTIONS,
      upstream: { type: "string", short: "u" },
      listen: { type: "string", short: "l" },
      policy: { type: "string", short: "p" },
      mode: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      ...AUDIT_SINK_OPTIONS,
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined))
      throw new UsageError("--tls-cert and --tls-key go together");
    const flags = {
      ...loggingFlags(values),
      upstream: values.upstream,
      listen: values.listen,
      policy: values.policy,
      mode: checkEnum("mode", values.mode, ["enforce", "audit"]),
      ...auditSinkFlags(values),
    };
    const build = () => {
      const { config } = resolveConfig({ file: values.config, flags });
      return { config, runtime: compileRuntime(config, loggerFor(config)) };
    };
    const first = build();
    try {
      // Upstreams and routes are checked before anything starts (exit 2 on a bad one).
      new UpstreamRegistry().build(first.config, undefined);
    } catch (e) {
      await first.runtime.close();
      if (e instanceof UpstreamConfigError) throw new UsageError(e.message);
      throw e;
    }
    const logger = loggerFor(first.config);
    const listen = parseListen(first.config.listen ?? DEFAULT_LISTEN);
    if (listen.bareColon)
      logger.warn("listen address without a host binds to 127.0.0.1 only; use 0.0.0.0:PORT for every interface", {
        listen: first.config.listen,
      });
    const tlsCfg = first.config.tls;
    const tls =
      values["tls-cert"] !== undefined
        ? { cert: values["tls-cert"], key: values["tls-key"]! }
        : tlsCfg
          ? { cert: tlsCfg.cert_file, key: tlsCfg.key_file }
          : undefined;
    for (const f of tls ? [tls.cert, tls.key] : [])
      if (!(await Bun.file(f).exists())) throw new UsageError(`TLS file not found: ${f}`);
    const holder = new RuntimeHolder(first.runtime, () => build().runtime, logger);
    const audit = await createAuditSink(first.config, logger);
    // Follows SIGHUP reloads of `auth:` (keeps its caches when the section is unchanged).
    const authenticator = createReloadingAuthenticator(() => holder.current.config, logger);
    let metricsServer: ReturnType<typeof startMetricsServer>;
    try {
      metricsServer = startMetricsServer(first.config.metrics, logger);
    } catch (e) {
      await audit.close();
      await holder.current.close();
      throw new Error(`cannot serve metrics on ${first.config.metrics.addr}: ${(e as Error).message}`);
    }
    let proxy: ReturnType<typeof startProxy>;
    try {
      proxy = startProxy({
        holder,
        logger,
        audit,
        authenticator,
        hostname: listen.hostname,
        port: listen.port,
        tls,
      });
    } catch (e) {
      await metricsServer?.stop();
      await audit.close();
      await holder.current.close();
      if (e instanceof UpstreamConfigError) throw new UsageError(e.message);
      throw new Error(`cannot listen on ${listen.hostname}:${listen.port}: ${(e as Error).message}`);
    }

    const done = Promise.withResolvers<void>();
    const refreshUpstreams = () => {
      try {
        proxy.refresh();
      } catch (e) {
        logger.error("reloaded config has unusable upstreams; keeping the previous ones", {
          error: (e as Error).message,
        });
      }
    };
    // Hot reload on file change too (config and policy), as on SIGHUP.
    holder.watch([resolveConfigFile({ file: values.config }), first.runtime.policySource], refreshUpstreams);
    const onHup = () => {
      const r = holder.reload();
      if (r.ok) {
        try {
          proxy.refresh();
        } catch (e) {
          logger.error("reloaded config has unusable upstreams; keeping the previous ones", {
            error: (e as Error).message,
          });
        }
      }
    };
    const onStop = (sig: string) => () => {
      logger.info("shutting down", { signal: sig, drain_ms: holder.current.config.drain_timeout });
      done.resolve();
    };
    const onTerm = onStop("SIGTERM");
    const onInt = onStop("SIGINT");
    process.on("SIGHUP", onHup);
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
    // Ready only once a signal can stop it gracefully: a SIGTERM sent right after this line drains.
    process.stderr.write(`mcpgw: listening on ${proxy.url}\n`);
    logger.info("proxying", {
      upstream: first.config.upstream ?? "(from upstreams)",
      policy: first.runtime.policySource,
    });
    await done.promise;
    process.off("SIGHUP", onHup);
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
    holder.unwatch();
    try {
      await proxy.shutdown(holder.current.config.drain_timeout);
    } finally {
      await metricsServer?.stop();
      await audit.flush();
      await audit.close();
      await holder.current.close();
    }
    logger.info("stopped");
    return 0;
  },
};
