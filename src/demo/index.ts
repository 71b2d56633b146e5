/**
 * `mcpgw demo`: a real MCP SDK client against a real local MCP server over stdio, first directly,
 * then through `mcpgw wrap`, printed as a short before/after.
 *
 * The demo is a list of {@link DemoStep}s run in order against one {@link DemoContext}; later
 * features add their own step (append to {@link DEMO_STEPS}) without touching the others.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

/** The policy the wrapped run uses: the original mcpgw's `version: v1` format. */
export const DEMO_POLICY = `version: v1
rules:
  - name: block-ssh-keys
    match:
      methods: ["tools/call"]
      tools: ["read_file"]
      args:
        path: ["~/.ssh/*", "*/.ssh/*"]
    action: deny
  - name: block-destructive-commands
    match:
      methods: ["tools/call"]
      tools: ["run_command", "exec*", "shell*"]
      argument_patterns:
        command: ['^rm\\s+-[a-zA-Z]*[rf]']
    action: deny
  - name: allow-everything-else
    match:
      methods: ["*"]
    action: allow
`;

/** One tool call the demo makes, and whether it is an attack. */
export interface DemoCall {
  readonly label: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly attack: boolean;
}

export const DEMO_CALLS: readonly DemoCall[] = [
  { label: "read_file ~/.ssh/id_rsa", tool: "read_file", args: { path: "~/.ssh/id_rsa" }, attack: true },
  { label: "run_command rm -rf ~", tool: "run_command", args: { command: "rm -rf ~" }, attack: true },
  { label: "echo hello", tool: "echo", args: { text: "hello" }, attack: false },
];

export interface CallOutcome {
  readonly call: DemoCall;
  readonly blocked: boolean;
  /** The result text, or the JSON-RPC error. */
  readonly detail: string;
}

export interface DemoContext {
  /** Temporary HOME for every process the demo starts (holds the fake key, audit db, policy). */
  readonly home: string;
  readonly policyFile: string;
  readonly callLog: string;
  /** How to start mcpgw itself (`bun src/main.ts` or the compiled binary). */
  readonly self: readonly string[];
  readonly print: (line?: string) => void;
  /** Spawns a server command and connects an SDK client to it. */
  connect(command: readonly string[]): Promise<Client>;
  /** Calls every demo call; an error response counts as blocked. */
  callAll(client: Client): Promise<CallOutcome[]>;
  /** Tools the server received since the last call to this function. */
  takeReceived(): string[];
  /** Results kept by steps for the summary. */
  readonly results: Map<string, CallOutcome[]>;
}

export interface DemoStep {
  readonly title: string;
  run(ctx: DemoContext): Promise<void>;
}

function serverCommand(self: readonly string[]): string[] {
  return [...self, "demo", "--serve"];
}

function printOutcomes(ctx: DemoContext, outcomes: readonly CallOutcome[]): void {
  const width = Math.max(...outcomes.map((o) => o.call.label.length));
  for (const o of outcomes) {
    const verdict = o.blocked ? "BLOCKED" : o.call.attack ? "ALLOWED (!)" : "allowed";
    ctx.print(`   ${o.call.label.padEnd(width)}  → ${verdict}: ${o.detail}`);
  }
  const seen = ctx.takeReceived();
  ctx.print(`   the server received: ${seen.length > 0 ? seen.join(", ") : "nothing"}`);
}

export const DEMO_STEPS: DemoStep[] = [
  {
    title: "Without mcpgw: the client talks to the server directly",
    async run(ctx) {
      const client = await ctx.connect(serverCommand(ctx.self));
      try {
        const outcomes = await ctx.callAll(client);
        ctx.results.set("direct", outcomes);
        printOutcomes(ctx, outcomes);
      } finally {
        await client.close();
      }
    },
  },
  {
    title: "With mcpgw: the same client and server, through `mcpgw wrap --policy demo-policy.yaml`",
    async run(ctx) {
      const wrapped = [
        ...ctx.self,
        "wrap",
        "--policy",
        ctx.policyFile,
        "--log-level",
        "error",
        "--",
        ...serverCommand(ctx.self),
      ];
      const client = await ctx.connect(wrapped);
      try {
        const outcomes = await ctx.callAll(client);
        ctx.results.set("wrapped", outcomes);
        printOutcomes(ctx, outcomes);
      } finally {
        await client.close();
      }
    },
  },
];

function shorten(text: string, max = 60): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Runs every step; returns the process exit code (0 when the attacks were stopped by mcpgw). */
export async function runDemo(opts: { self: readonly string[]; print?: (line?: string) => void }): Promise<number> {
  const print = opts.print ?? ((line = "") => process.stdout.write(`${line}\n`));
  const home = mkdtempSync(join(tmpdir(), "mcpgw-demo-"));
  try {
    mkdirSync(join(home, ".ssh"));
    writeFileSync(
      join(home, ".ssh", "id_rsa"),
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAdemo-only-not-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    const policyFile = join(home, "demo-policy.yaml");
    writeFileSync(policyFile, DEMO_POLICY);
    const callLog = join(home, "server-calls.log");
    let consumed = 0;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MCPGW_")) env[k] = v;
    Object.assign(env, { HOME: home, USERPROFILE: home, DEMO_CALL_LOG: callLog });

    const ctx: DemoContext = {
      home,
      policyFile,
      callLog,
      self: opts.self,
      print,
      results: new Map(),
      async connect(command) {
        const transport = new StdioClientTransport({
          command: command[0]!,
          args: command.slice(1),
          env,
          stderr: "ignore",
        });
        const client = new Client({ name: "demo-agent", version: "1.0.0" });
        await client.connect(transport);
        return client;
      },
      async callAll(client) {
        const out: CallOutcome[] = [];
        for (const call of DEMO_CALLS) {
          try {
            const r = await client.callTool({ name: call.tool, arguments: call.args });
            const text = (r.content as { text?: string }[] | undefined)?.[0]?.text ?? "";
            out.push({ call, blocked: false, detail: `"${shorten(text)}"` });
          } catch (e) {
            if (!(e instanceof McpError)) throw e;
            const data = e.data as { rule?: string } | undefined;
            const message = e.message.replace(/^MCP error -?\d+: /, "");
            out.push({
              call,
              blocked: true,
              detail: `JSON-RPC error ${e.code} "${message}"${data?.rule ? ` (rule ${data.rule})` : ""}`,
            });
          }
        }
        return out;
      },
      takeReceived() {
        let lines: string[] = [];
        try {
          lines = readFileSync(callLog, "utf8").split("\n").filter(Boolean);
        } catch {
          // nothing received yet
        }
        const fresh = lines.slice(consumed);
        consumed = lines.length;
        return fresh.map((l) => (JSON.parse(l) as { tool: string }).tool);
      },
    };

    print("mcpgw demo: a real MCP client (the official SDK) and a real local MCP server over stdio.");
    print('The server "dangerous-tools" really reads files; the agent has been tricked into stealing');
    print("an SSH key and wiping the home directory. (HOME is a temporary directory with a fake key,");
    print("and the server never really runs commands.)");
    for (const [i, step] of DEMO_STEPS.entries()) {
      print();
      print(`${i + 1}. ${step.title}`);
      await step.run(ctx);
    }
    const direct = ctx.results.get("direct") ?? [];
    const wrapped = ctx.results.get("wrapped") ?? [];
    const attacks = wrapped.filter((o) => o.call.attack);
    const stopped = attacks.filter((o) => o.blocked).length;
    const harmlessOk = wrapped.filter((o) => !o.call.attack).every((o) => !o.blocked);
    const directLeaks = direct.filter((o) => o.call.attack && !o.blocked).length;
    print();
    print(
      `Result: without mcpgw ${directLeaks} of ${attacks.length} attacks succeeded; with mcpgw ${stopped} of ${attacks.length} were refused` +
        (harmlessOk ? " and ordinary calls still worked." : ", but an ordinary call was refused too."),
    );
    return stopped === attacks.length && harmlessOk ? 0 : 1;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
