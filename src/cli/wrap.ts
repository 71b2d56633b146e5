/** `mcpgw wrap [options] -- CMD ARGS…` */
import { userInfo } from "node:os";
import { createAuditSink } from "../audit/log.ts";
import type { Identity } from "../chain/index.ts";
import { compileRuntime, RuntimeHolder, resolveConfig, resolveConfigFile, UsageError } from "../config/index.ts";
import { startMetricsServer } from "../metrics/server.ts";
import { ChildStartError, runWrap } from "../transport/stdio/wrap.ts";
import { AUDIT_SINK_HELP, AUDIT_SINK_OPTIONS, auditSinkFlags } from "./audit.ts";
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  type Command,
  checkEnum,
  EXIT_FAILURE,
  loggerFor,
  loggingFlags,
  parseFlags,
} from "./common.ts";

const HELP = `Usage: mcpgw wrap [options] -- CMD [ARGS…]

Runs a stdio MCP server as a child process and inspects every message between it and the
client on our stdin/stdout. Use it in Claude Desktop / Claude Code configs:
  "command": "mcpgw", "args": ["wrap", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"]

Options:
  -p, --policy FILE       policy file (default: the built-in policy)
      --mode MODE         enforce | audit (audit records would_block and never blocks)
${AUDIT_SINK_HELP}
${COMMON_HELP}

Exit status: the child's exit code (128+N when it died of signal N); 1 when it cannot be
started; 2 for usage or config errors.`;

function osIdentity(subject: string | undefined, roles: readonly string[]): Identity {
  let user = subject;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = process.env.USER ?? "local";
    }
  }
  return { subject: user, roles, scopes: [], labels: {}, method: subject ? "configured" : "os_user" };
}

export const wrapCommand: Command = {
  name: "wrap",
  summary: "wrap a local stdio MCP server",
  help: HELP,
  async run(argv) {
    const sep = argv.indexOf("--");
    const own = sep === -1 ? argv : argv.slice(0, sep);
    const command = sep === -1 ? [] : argv.slice(sep + 1);
    const { values, positionals } = parseFlags(
      own,
      {
        ...COMMON_OPTIONS,
        policy: { type: "string", short: "p" },
        mode: { type: "string" },
        ...AUDIT_SINK_OPTIONS,
      },
      true,
    );
    if (positionals.length > 0 && !values.help)
      throw new UsageError(`the server command goes after --, e.g. mcpgw wrap -- ${positionals.join(" ")}`);
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (command.length === 0)
      throw new UsageError("wrap needs a command after --, e.g. mcpgw wrap -- npx some-mcp-server");
    const flags = {
      ...loggingFlags(values),
      policy: values.policy,
      mode: checkEnum("mode", values.mode, ["enforce", "audit"]),
      ...auditSinkFlags(values),
    };
    const build = () => {
      const { config } = resolveConfig({ file: values.config, flags });
      return { config, runtime: compileRuntime(config, loggerFor(config)) };
    };
    const first = build();
    const logger = loggerFor(first.config);
    const holder = new RuntimeHolder(first.runtime, () => build().runtime, logger);
    // Hot reload on file change too (SIGHUP is handled by the transport).
    holder.watch([resolveConfigFile({ file: values.config }), first.runtime.policySource]);
    const identity = osIdentity(first.config.wrap.subject, first.config.wrap.roles);
    const audit = await createAuditSink(first.config, logger);
    let metricsServer: ReturnType<typeof startMetricsServer>;
    try {
      metricsServer = startMetricsServer(first.config.metrics, logger);
    } catch (e) {
      await audit.close();
      throw new Error(`cannot serve metrics on ${first.config.metrics.addr}: ${(e as Error).message}`);
    }
    try {
      return await runWrap({ command, holder, logger, audit, identity });
    } catch (e) {
      if (e instanceof ChildStartError) {
        logger.error(e.message);
        return EXIT_FAILURE;
      }
      throw e;
    } finally {
      // Every record queued so far is committed before exit (SIGTERM/SIGINT/SIGHUP end the child, then here).
      holder.unwatch();
      await audit.close();
      await metricsServer?.stop();
      await holder.current.close();
    }
  },
};
