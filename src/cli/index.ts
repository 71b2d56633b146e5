/** The command table, `--help`, and exit codes (0 ok, 1 runtime failure, 2 usage/config error). */
import { ConfigError, UsageError } from "../config/errors.ts";
import { VERSION } from "../version.ts";
import { auditCommand } from "./audit.ts";
import { type Command, EXIT_FAILURE, EXIT_USAGE } from "./common.ts";
import { demoCommand } from "./demo.ts";
import { policyCommand } from "./policy.ts";
import { proxyCommand } from "./proxy.ts";
import { scanCommand } from "./scan.ts";
import { wrapCommand } from "./wrap.ts";

const versionCommand: Command = {
  name: "version",
  summary: "print the version",
  help: "Usage: mcpgw version\n\nPrints mcpgw's version and the Bun runtime it runs on.",
  async run(argv) {
    if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(`${this.help}\n`);
      return 0;
    }
    process.stdout.write(`mcpgw ${VERSION} (bun ${Bun.version})\n`);
    return 0;
  },
};

export const COMMANDS: Command[] = [
  proxyCommand,
  wrapCommand,
  policyCommand,
  auditCommand,
  scanCommand,
  demoCommand,
  versionCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `mcpgw ${VERSION}: a firewall for the Model Context Protocol

Usage: mcpgw <command> [options]

Commands:
${lines.join("\n")}

Run 'mcpgw <command> --help' for a command's options.
Exit status: 0 ok, 1 runtime failure, 2 usage or config error.`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    if (name === "help" && rest[0]) {
      const c = COMMANDS.find((x) => x.name === rest[0]);
      if (!c) {
        process.stderr.write(`mcpgw: unknown command "${rest[0]}"\n\n${mainHelp()}\n`);
        return EXIT_USAGE;
      }
      process.stdout.write(`${c.help}\n`);
      return 0;
    }
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === "--version" || name === "-v") return versionCommand.run([]);
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`mcpgw: unknown command "${name}"\n\n${mainHelp()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`mcpgw: invalid configuration:\n${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`mcpgw ${cmd.name}: ${e.message}\nRun 'mcpgw ${cmd.name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`mcpgw ${cmd.name}: ${(e as Error)?.message ?? String(e)}\n`);
    return EXIT_FAILURE;
  }
}
