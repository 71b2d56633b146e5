/**
 * Real processes for the proxy's e2e tests: the SDK "everything" HTTP fixture and `mcpgw proxy`,
 * each on 127.0.0.1 with port 0, found through the one line it prints when it accepts connections.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, isolatedEnv, type Spawned, spawnMcpgw, spawnProcess } from "./process.ts";

export const HTTP_EVERYTHING = join(FIXTURES, "servers/everything-http-fixture.ts");

export interface Running extends AsyncDisposable {
  readonly proc: Spawned;
  /** Base URL, e.g. http://127.0.0.1:40123 (fixture: its /mcp endpoint). */
  readonly url: string;
}

async function started(proc: Spawned, re: RegExp): Promise<string> {
  const text = await proc.stderr.waitFor(re);
  return re.exec(text)![1]!;
}

/** The SDK 1.x everything fixture; `url` is its MCP endpoint. */
export async function startFixture(home: string, script = HTTP_EVERYTHING): Promise<Running> {
  const proc = spawnProcess([process.execPath, script, "--port", "0"], isolatedEnv(home));
  const url = await started(proc, /fixture: listening on (http:\/\/\S+)/);
  return { proc, url, [Symbol.asyncDispose]: () => proc[Symbol.asyncDispose]() };
}

export interface ProxyOptions {
  readonly home: string;
  readonly upstream?: string;
  /** Config YAML written to HOME/config.yaml and passed with --config. */
  readonly config?: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Audit database file; without it the proxy runs with --no-audit. */
  readonly auditDb?: string;
}

/** `mcpgw proxy --listen 127.0.0.1:0 --no-audit …`; `url` is its base URL. */
export async function startProxy(o: ProxyOptions): Promise<Running> {
  const args = ["proxy", "--listen", "127.0.0.1:0", ...(o.auditDb ? ["--audit-db", o.auditDb] : ["--no-audit"])];
  if (o.upstream) args.push("--upstream", o.upstream);
  if (o.config !== undefined) {
    const file = join(o.home, "config.yaml");
    writeFileSync(file, o.config);
    args.push("--config", file);
  }
  args.push(...(o.args ?? []));
  const proc = spawnMcpgw(args, isolatedEnv(o.home, o.env));
  const url = await started(proc, /mcpgw: listening on (https?:\/\/\S+)/);
  return { proc, url, [Symbol.asyncDispose]: () => proc[Symbol.asyncDispose]() };
}

export const ACCEPT_BOTH = "application/json, text/event-stream";

/** Raw JSON-RPC POST. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT_BOTH, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Reads a whole SSE or JSON response into JSON-RPC messages. */
export async function messagesOf(r: Response): Promise<Record<string, unknown>[]> {
  const t = await r.text();
  if ((r.headers.get("content-type") ?? "").startsWith("application/json")) {
    const v = JSON.parse(t) as unknown;
    return (Array.isArray(v) ? v : [v]) as Record<string, unknown>[];
  }
  const out: Record<string, unknown>[] = [];
  for (const block of t.split(/\n\n/)) {
    const data = block
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data) out.push(JSON.parse(data) as Record<string, unknown>);
  }
  return out;
}

/** initialize + notifications/initialized over raw HTTP; returns the session id. */
export async function rawSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await post(
    url,
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    },
    headers,
  );
  if (r.status !== 200) throw new Error(`initialize: HTTP ${r.status} ${await r.text()}`);
  const sid = r.headers.get("mcp-session-id");
  await r.text();
  if (!sid) throw new Error("no Mcp-Session-Id");
  const n = await post(
    url,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { ...headers, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
  );
  await n.text();
  return sid;
}
