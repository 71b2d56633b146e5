/**
 * What the bench sends traffic to: the upstream directly, or through a gateway (mcpgw in one of
 * its configurations, or nginx). A target opens "lanes": a lane is one keep-alive connection
 * (HTTP) or one in-flight slot on the shared pipe (stdio), and sends one request at a time.
 */
import type { Subprocess } from "bun";
import { HttpConnection, postRequest } from "./http-client.ts";

export interface Scenario {
  readonly name: string;
  readonly transport: "http" | "stdio";
  /** Size of the text in the tools/call result. */
  readonly bytes: number;
  /** HTTP only: the upstream answers with one SSE event instead of a JSON body. */
  readonly sse: boolean;
  readonly title: string;
}

/** The target answered, but with an error (a refusal under load, a timeout): counted, not fatal. */
export class ErrorResponse extends Error {}

export interface Lane {
  /** Sends one request and resolves when its response has fully arrived. */
  send(): Promise<void>;
  close(): void;
}

export interface Target {
  readonly name: string;
  /** The process whose CPU and memory are reported (the gateway, or the upstream for direct). */
  readonly pid: number | undefined;
  /** Sends one request per scenario and checks the response is the right one, complete. */
  verify(s: Scenario): Promise<void>;
  lanes(n: number, s: Scenario): Promise<Lane[]>;
  close(): Promise<void>;
}

let nextId = 1;
const callBody = (id: number, s: Scenario) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"bytes":${s.bytes},"sse":${s.sse}}}}`;

/** Checks a JSON-RPC response text answers `id` with a text result of the scenario's size. */
export function checkResult(text: string, id: number, s: Scenario, where: string): void {
  let msg: { id?: unknown; result?: { content?: { text?: string }[] }; error?: { message?: string } };
  try {
    msg = JSON.parse(text);
  } catch {
    throw new Error(`${where}: response is not JSON: ${text.slice(0, 120)}`);
  }
  if (msg.error) throw new Error(`${where}: got a JSON-RPC error: ${msg.error.message}`);
  if (msg.id !== id) throw new Error(`${where}: response id ${String(msg.id)}, expected ${id}`);
  const got = msg.result?.content?.[0]?.text;
  if (typeof got !== "string" || got.length !== s.bytes || got !== "x".repeat(s.bytes)) {
    throw new Error(`${where}: result text is not the ${s.bytes} bytes asked for (got ${got?.length ?? "none"})`);
  }
}

/** The data of the single JSON-RPC message event in an SSE body. */
export function sseMessage(body: string, where: string): string {
  const events = body.split(/\r?\n\r?\n/).filter((e) => /^data:/m.test(e));
  if (events.length !== 1) throw new Error(`${where}: expected one SSE event with data, got ${events.length}`);
  return events[0]!
    .split(/\r?\n/)
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).replace(/^ /, ""))
    .join("\n");
}

/** A Streamable-HTTP endpoint (upstream, mcpgw proxy or nginx). */
export class HttpTarget implements Target {
  private session: string | undefined;
  private readonly conns: HttpConnection[] = [];

  constructor(
    readonly name: string,
    readonly url: URL,
    readonly pid: number | undefined,
    private readonly stopper: () => Promise<void> = async () => {},
  ) {}

  private headers(): Record<string, string> {
    const h: Record<string, string> = { "mcp-protocol-version": "2025-06-18" };
    if (this.session) h["mcp-session-id"] = this.session;
    return h;
  }

  private raw(body: string): string {
    return postRequest(this.url.hostname, Number(this.url.port), this.url.pathname, body, this.headers());
  }

  private async handshake(conn: HttpConnection): Promise<void> {
    if (this.session !== undefined) return;
    const init = await conn.request(
      this.raw(
        '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcpgw-bench","version":"0"}}}',
      ),
      true,
    );
    if (init?.status !== 200) throw new Error(`${this.name}: initialize got HTTP ${init?.status}: ${init?.body}`);
    this.session = init.headers["mcp-session-id"] ?? "";
    const note = await conn.request(this.raw('{"jsonrpc":"2.0","method":"notifications/initialized"}'), true);
    if (note?.status !== 202) throw new Error(`${this.name}: notifications/initialized got HTTP ${note?.status}`);
  }

  async verify(s: Scenario): Promise<void> {
    const conn = await HttpConnection.open(this.url.hostname, Number(this.url.port));
    try {
      await this.handshake(conn);
      const id = nextId++;
      const r = await conn.request(this.raw(callBody(id, s)), true);
      const where = `${this.name} ${s.name}`;
      if (r?.status !== 200) throw new Error(`${where}: HTTP ${r?.status}: ${r?.body.slice(0, 200)}`);
      const type = r.headers["content-type"] ?? "";
      if (s.sse) {
        if (!type.startsWith("text/event-stream")) throw new Error(`${where}: expected SSE, got ${type}`);
        checkResult(sseMessage(r.body, where), id, s, where);
      } else {
        if (!type.startsWith("application/json")) throw new Error(`${where}: expected JSON, got ${type}`);
        checkResult(r.body, id, s, where);
      }
    } finally {
      conn.close();
    }
  }

  async lanes(n: number, s: Scenario): Promise<Lane[]> {
    const out: Lane[] = [];
    for (let i = 0; i < n; i++) {
      const conn = await HttpConnection.open(this.url.hostname, Number(this.url.port));
      await this.handshake(conn);
      this.conns.push(conn);
      out.push({
        send: async () => {
          const r = await conn.request(this.raw(callBody(nextId++, s)));
          if (r.status !== 200 || r.body.includes('"error":')) {
            throw new ErrorResponse(`${this.name}: HTTP ${r.status} ${r.body.slice(0, 160)}`);
          }
        },
        close: () => conn.close(),
      });
    }
    return out;
  }

  async close(): Promise<void> {
    for (const c of this.conns.splice(0)) c.close();
    await this.stopper();
  }
}

/** A stdio server process (direct) or `mcpgw wrap` around one; lanes share its pipe. */
export class StdioTarget implements Target {
  private readonly waiting = new Map<number, (line: string) => void>();
  private readonly writer: { write(s: string): unknown; flush(): unknown };
  private initialized = false;
  private keepNext = new Set<number>();

  constructor(
    readonly name: string,
    private readonly proc: Subprocess<"pipe", "pipe", "pipe" | "inherit" | "ignore">,
    readonly pid: number | undefined = proc.pid,
  ) {
    this.writer = proc.stdin;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    let buf = Buffer.alloc(0);
    for await (const chunk of this.proc.stdout) {
      buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk]);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        const head = buf.toString("latin1", start, Math.min(nl, start + 96));
        const m = /"id":(\d+)/.exec(head);
        const id = m ? Number(m[1]) : -1;
        const done = this.waiting.get(id);
        if (done) {
          this.waiting.delete(id);
          done(this.keepNext.delete(id) ? buf.toString("utf8", start, nl) : head);
        }
        start = nl + 1;
      }
      buf = start === buf.length ? Buffer.alloc(0) : buf.subarray(start);
    }
    for (const done of this.waiting.values()) done("");
  }

  private call(body: string, id: number, keep: boolean): Promise<string> {
    const { promise, resolve } = Promise.withResolvers<string>();
    this.waiting.set(id, resolve);
    if (keep) this.keepNext.add(id);
    this.writer.write(`${body}\n`);
    this.writer.flush();
    return promise;
  }

  private async handshake(): Promise<void> {
    if (this.initialized) return;
    const line = await this.call(
      '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcpgw-bench","version":"0"}}}',
      0,
      true,
    );
    if (!line.includes('"protocolVersion"')) throw new Error(`${this.name}: initialize failed: ${line.slice(0, 200)}`);
    this.writer.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    this.initialized = true;
  }

  async verify(s: Scenario): Promise<void> {
    await this.handshake();
    const id = nextId++;
    const line = await this.call(callBody(id, s), id, true);
    checkResult(line, id, s, `${this.name} ${s.name}`);
  }

  async lanes(n: number, s: Scenario): Promise<Lane[]> {
    await this.handshake();
    return Array.from({ length: n }, () => ({
      send: async () => {
        const id = nextId++;
        const head = await this.call(callBody(id, s), id, false);
        if (head === "") throw new Error(`${this.name}: no response`);
        if (head.includes('"error":')) throw new ErrorResponse(`${this.name}: ${head}`);
      },
      close: () => {},
    }));
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    const gone = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!gone) this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}
