/**
 * Drives a spawned stdio MCP endpoint (e.g. `mcpgw wrap -- …`) with raw NDJSON: send a request,
 * wait for the response with the same id. Every wait is bounded.
 */
import type { Subprocess } from "bun";

export interface RpcResponse {
  readonly id: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
}

export class NdjsonPeer {
  private readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  private nextId = 1;
  private readonly waiting = new Map<number, (r: RpcResponse) => void>();
  readonly stderr: Promise<string>;

  constructor(cmd: string[], env: Record<string, string | undefined>) {
    this.proc = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "pipe", env });
    this.stderr = new Response(this.proc.stderr).text();
    void this.read();
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of this.proc.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const msg = JSON.parse(line) as RpcResponse;
        this.waiting.get(msg.id)?.(msg);
        this.waiting.delete(msg.id);
      }
    }
  }

  request(method: string, params?: unknown, timeoutMs = 10_000): Promise<RpcResponse> {
    const id = this.nextId++;
    const p = new Promise<RpcResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no response to ${method} (id ${id}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    this.proc.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })}\n`,
    );
    this.proc.stdin.flush();
    return p;
  }

  notify(method: string, params?: unknown): void {
    this.proc.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) })}\n`,
    );
    this.proc.stdin.flush();
  }

  async initialize(): Promise<RpcResponse> {
    const r = await this.request("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "ndjson-peer", version: "0" },
    });
    this.notify("notifications/initialized");
    return r;
  }

  async close(): Promise<number> {
    this.proc.stdin.end();
    const timer = setTimeout(() => this.proc.kill(), 10_000);
    const code = await this.proc.exited;
    clearTimeout(timer);
    return code;
  }
}
