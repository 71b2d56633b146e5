/**
 * A real MCP SDK client talking to a fixture server through `mcpgw wrap`, as Claude Desktop would.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { EVERYTHING, MAIN, ROOT, TextCollector } from "./process.ts";

export interface Wrapped extends AsyncDisposable {
  readonly client: Client;
  readonly transport: StdioClientTransport;
  /** mcpgw's stderr (its logs and the child's stderr). */
  readonly stderr: TextCollector;
  /** mcpgw's pid. */
  readonly pid: number;
}

export interface WrapOptions {
  /** Flags before `--`, e.g. ["--policy", file]. */
  readonly flags?: readonly string[];
  /** Environment of mcpgw (and so of the child). */
  readonly env: Record<string, string>;
  /** The server command; defaults to the everything fixture. */
  readonly server?: readonly string[];
  /** What the client's model "says" to a sampling request (default: echo(<prompt>)). */
  readonly samplingText?: (prompt: string) => string;
}

/** Spawns `bun src/main.ts wrap FLAGS -- bun <fixture>` and connects an SDK client to it. */
export async function connectWrapped(opts: WrapOptions): Promise<Wrapped> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN, "wrap", ...(opts.flags ?? []), "--", ...(opts.server ?? [process.execPath, EVERYTHING])],
    env: opts.env,
    cwd: ROOT,
    stderr: "pipe",
  });
  const stderr = new TextCollector(transport.stderr as NodeJS.ReadableStream);
  const client = new Client(
    { name: "e2e-client", version: "0.0.0" },
    { capabilities: { sampling: {}, elicitation: {} } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    const first = req.params.messages[0]?.content;
    const text = first && "text" in first ? first.text : "";
    const answer = opts.samplingText ? opts.samplingText(text) : `echo(${text})`;
    return { role: "assistant", model: "fixture-model", content: { type: "text", text: answer } };
  });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { name: "Ada" } }));
  await client.connect(transport);
  return {
    client,
    transport,
    stderr,
    pid: transport.pid!,
    async [Symbol.asyncDispose]() {
      await client.close();
    },
  };
}

/** Text of the first content item of a tools/call result. */
export function firstText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  return content?.[0]?.text ?? "";
}
