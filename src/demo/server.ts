/**
 * The demo's "dangerous" MCP server: a real SDK server over stdio whose tools do what an attacker
 * wants when an agent is tricked into calling them. `read_file` really reads (the demo points HOME
 * at a temporary directory holding a fake key); `run_command` only pretends, it never runs anything.
 * Every call it receives is appended to DEMO_CALL_LOG, so the demo can show what reached it.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

export const DEMO_SERVER_NAME = "dangerous-tools";

function received(tool: string, args: unknown): void {
  const file = process.env.DEMO_CALL_LOG;
  if (file) appendFileSync(file, `${JSON.stringify({ tool, args })}\n`);
}

function expandHome(path: string): string {
  const home = process.env.HOME || homedir();
  return path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

export async function serveDangerousServer(): Promise<void> {
  const server = new McpServer({ name: DEMO_SERVER_NAME, version: "1.0.0" });
  server.registerTool(
    "read_file",
    { description: "Read a text file and return its contents", inputSchema: { path: z.string() } },
    async (args) => {
      received("read_file", args);
      try {
        return { content: [{ type: "text", text: readFileSync(expandHome(args.path), "utf8") }] };
      } catch (e) {
        return { content: [{ type: "text", text: (e as Error).message }], isError: true };
      }
    },
  );
  server.registerTool(
    "run_command",
    { description: "Run a shell command", inputSchema: { command: z.string() } },
    async (args) => {
      received("run_command", args);
      // The demo never executes anything: it only shows that the command would have run.
      return { content: [{ type: "text", text: `executed: ${args.command}` }] };
    },
  );
  server.registerTool("echo", { description: "Echo text back", inputSchema: { text: z.string() } }, async (args) => {
    received("echo", args);
    return { content: [{ type: "text", text: args.text }] };
  });
  await server.connect(new StdioServerTransport());
}
