/**
 * `mcpgw scan`: scores an MCP server's tools for poisoning without an agent, locally and offline.
 *
 *   mcpgw scan [options] -- CMD ARGS…    start a stdio server and read its tools/list
 *   mcpgw scan [options] --url URL       connect over Streamable HTTP
 *   mcpgw scan [options] --file FILE     read a saved tools/list result
 *
 * Prints a table (or `--json`); exits 1 when any finding reaches the threshold.
 */
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { z } from "zod";
import { UsageError } from "../config/errors.ts";
import {
  type ContentReport,
  InjectionConfigSchema,
  riskLevel,
  scanText,
  scanTools,
  type ToolReport,
  thresholdOf,
} from "../interceptors/injection/index.ts";
import { VERSION } from "../version.ts";
import { type Command, EXIT_FAILURE, EXIT_OK, parseFlags } from "./common.ts";

const HELP = `Usage:
  mcpgw scan [options] -- CMD [ARGS…]   scan a stdio MCP server (started, listed, stopped)
  mcpgw scan [options] --url URL        scan a Streamable HTTP MCP server
  mcpgw scan [options] --file FILE      scan a saved tools/list result (JSON)

Reads every tool definition (name, title, description, input and output schemas, annotations)
and the server's instructions, and scores them for tool poisoning with the same detectors the
gateway runs. Nothing leaves this machine.

Options:
      --json                   print a JSON report instead of a table
      --threshold N            score (0.05–1) at which a finding fails the scan (default 0.7)
      --sensitivity LEVEL      low (0.9) | medium (0.7) | high (0.5)
      --all                    list every tool, not only those with findings
      --timeout MS             connect and list timeout (default 30000)
  -H, --header 'K: V'          HTTP header for --url (repeatable), e.g. an Authorization token
  -h, --help                   show this help

Exit status: 0 no finding reaches the threshold; 1 at least one does, or the server could not
be scanned; 2 usage error.`;

const MAX_PAGES = 100;
const FileSchema = z.union([
  z.looseObject({ tools: z.array(z.unknown()) }),
  z.looseObject({ result: z.looseObject({ tools: z.array(z.unknown()) }) }),
  z.array(z.unknown()),
]);
const ListResultSchema = z.looseObject({ tools: z.array(z.unknown()), nextCursor: z.string().optional() });

interface Listing {
  readonly server: string;
  readonly tools: unknown[];
  readonly instructions?: string;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function listFromClient(
  client: Client,
  transport: Parameters<Client["connect"]>[0],
  label: string,
  timeoutMs: number,
): Promise<Listing> {
  try {
    await withTimeout(client.connect(transport), timeoutMs, `connecting to ${label}`);
    const tools: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await withTimeout(
        client.request({ method: "tools/list", params: cursor ? { cursor } : {} }, ListResultSchema),
        timeoutMs,
        "tools/list",
      );
      tools.push(...r.tools);
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    const info = client.getServerVersion();
    return {
      server: info ? `${info.name} ${info.version}` : label,
      tools,
      instructions: client.getInstructions(),
    };
  } finally {
    await client.close().catch(() => {});
  }
}

function readFileListing(file: string): Listing {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${file} is not a tools/list result: expected {"tools": [...]}`);
  const v = parsed.data;
  const tools = (Array.isArray(v) ? v : "tools" in v ? v.tools : v.result.tools) as unknown[];
  return { server: file, tools };
}

function parseHeaders(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) {
    const i = h.indexOf(":");
    if (i <= 0) throw new UsageError(`--header must look like 'Name: value', not "${h}"`);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function table(
  listing: Listing,
  reports: readonly ToolReport[],
  instructions: ContentReport | undefined,
  threshold: number,
  all: boolean,
): string {
  const lines: string[] = [];
  const shown = all ? reports : reports.filter((r) => r.findings.length > 0);
  const flagged = reports.filter((r) => r.score >= threshold).length;
  lines.push(`mcpgw scan: ${listing.server}: ${reports.length} tool(s), ${flagged} at or above threshold ${threshold}`);
  if (shown.length === 0 && !instructions?.findings.length) {
    lines.push("No findings.");
    return lines.join("\n");
  }
  const nameWidth = Math.min(40, Math.max(4, ...shown.map((r) => r.name.length)));
  if (shown.length > 0) {
    lines.push("");
    lines.push(`${"TOOL".padEnd(nameWidth)}  ${"RISK".padEnd(8)}  SCORE  FINDINGS`);
  }
  for (const r of shown) {
    const mark = r.score >= threshold ? "!" : " ";
    const first = r.findings[0];
    const head = `${truncate(r.name, nameWidth).padEnd(nameWidth)}  ${r.risk.padEnd(8)}  ${r.score.toFixed(2)}${mark} `;
    if (!first) {
      lines.push(`${head} -`);
      continue;
    }
    r.findings.forEach((f, i) => {
      const where = f.where.replace(/^result\.tools\[\d+\]\.?/, "") || "(tool)";
      const text = `${f.signal} (${f.score.toFixed(2)}) at ${where}: ${truncate(f.excerpt ?? "", 90)}`;
      lines.push(i === 0 ? `${head} ${text}` : `${" ".repeat(head.length)} ${text}`);
    });
  }
  if (instructions && instructions.findings.length > 0) {
    lines.push("");
    lines.push(`server instructions: ${instructions.risk} (${instructions.score.toFixed(2)})`);
    for (const f of instructions.findings)
      lines.push(`  ${f.signal} (${f.score.toFixed(2)}): ${truncate(f.excerpt ?? "", 100)}`);
  }
  return lines.join("\n");
}

export const scanCommand: Command = {
  name: "scan",
  summary: "scan an MCP server's tools for poisoning (stdio, HTTP or a saved tools/list)",
  help: HELP,
  async run(argv) {
    const sep = argv.indexOf("--");
    const own = sep === -1 ? argv : argv.slice(0, sep);
    const command = sep === -1 ? [] : argv.slice(sep + 1);
    const { values } = parseFlags(own, {
      json: { type: "boolean" },
      threshold: { type: "string" },
      sensitivity: { type: "string" },
      all: { type: "boolean" },
      timeout: { type: "string" },
      url: { type: "string" },
      file: { type: "string" },
      header: { type: "string", short: "H", multiple: true },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return EXIT_OK;
    }
    const sources = [command.length > 0, values.url !== undefined, values.file !== undefined].filter(Boolean).length;
    if (sources !== 1) throw new UsageError("give exactly one of: -- CMD ARGS, --url URL, --file FILE");
    const parsed = InjectionConfigSchema.safeParse({
      ...(values.threshold !== undefined ? { threshold: Number(values.threshold) } : {}),
      ...(values.sensitivity !== undefined ? { sensitivity: values.sensitivity } : {}),
    });
    if (!parsed.success)
      throw new UsageError("--threshold must be a number from 0.05 to 1; --sensitivity one of low, medium, high");
    const threshold = thresholdOf(parsed.data);
    const timeoutMs = values.timeout === undefined ? 30_000 : Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000)
      throw new UsageError("--timeout must be an integer number of milliseconds from 100 to 600000");

    let listing: Listing;
    if (values.file !== undefined) listing = readFileListing(values.file);
    else {
      const client = new Client({ name: "mcpgw-scan", version: VERSION }, { capabilities: {} });
      try {
        if (values.url !== undefined) {
          let url: URL;
          try {
            url = new URL(values.url);
          } catch {
            throw new UsageError(`--url is not a URL: "${values.url}"`);
          }
          const transport = new StreamableHTTPClientTransport(url, {
            requestInit: { headers: parseHeaders(values.header) },
          });
          listing = await listFromClient(client, transport, url.href, timeoutMs);
        } else {
          const [cmd, ...args] = command;
          const env: Record<string, string> = {};
          for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
          const transport = new StdioClientTransport({ command: cmd!, args, env, stderr: "inherit" });
          listing = await listFromClient(client, transport, command.join(" "), timeoutMs);
        }
      } catch (e) {
        if (e instanceof UsageError) throw e;
        process.stderr.write(`mcpgw scan: could not list the server's tools: ${(e as Error).message}\n`);
        return EXIT_FAILURE;
      }
    }

    const reports = scanTools({ tools: listing.tools });
    const instructions = listing.instructions
      ? scanText(listing.instructions, "definition", "initialize.instructions")
      : undefined;
    const failed =
      reports.some((r) => r.score >= threshold) || (instructions !== undefined && instructions.score >= threshold);
    if (values.json) {
      const out = {
        server: listing.server,
        threshold,
        failed,
        tools: reports.map((r) => ({
          name: r.name,
          score: Number(r.score.toFixed(3)),
          risk: r.risk,
          findings: r.findings,
        })),
        ...(instructions
          ? {
              instructions: {
                score: Number(instructions.score.toFixed(3)),
                risk: riskLevel(instructions.score),
                findings: instructions.findings,
              },
            }
          : {}),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      process.stdout.write(`${table(listing, reports, instructions, threshold, values.all === true)}\n`);
    }
    return failed ? EXIT_FAILURE : EXIT_OK;
  },
};
