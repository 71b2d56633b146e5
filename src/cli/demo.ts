/** `mcpgw demo`: an attack with and without mcpgw (see src/demo/). */
import { runDemo } from "../demo/index.ts";
import { serveDangerousServer } from "../demo/server.ts";
import { type Command, parseFlags } from "./common.ts";

const HELP = `Usage: mcpgw demo

Runs a real MCP client against a real local MCP server over stdio, first directly and then
through 'mcpgw wrap' with a demo policy, and prints what each call did. Everything runs in a
temporary directory; nothing outside it is read or changed. Exits 0 when mcpgw stopped every
attack and let ordinary calls through.`;

/** How to start this same program: the compiled binary alone, or `bun src/main.ts`. */
function selfCommand(): string[] {
  const script = process.argv[1];
  return script?.endsWith(".ts") || script?.endsWith(".js") ? [process.execPath, script] : [process.execPath];
}

export const demoCommand: Command = {
  name: "demo",
  summary: "show an attack blocked, with and without mcpgw",
  help: HELP,
  async run(argv) {
    // --serve is internal: the demo starts its server through this same program.
    const { values } = parseFlags(argv, { help: { type: "boolean", short: "h" }, serve: { type: "boolean" } });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (values.serve) {
      await serveDangerousServer();
      await new Promise<void>((resolve) => process.stdin.on("close", resolve).on("end", resolve));
      return 0;
    }
    return await runDemo({ self: selfCommand() });
  },
};
