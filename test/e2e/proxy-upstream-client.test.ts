/**
 * `transport.client` end to end: a real mcpgw proxy process in front of a raw Bun.listen HTTP/1.1
 * upstream in this process (it records each connection and request head, and can close a
 * keep-alive connection instead of answering). Clients are real fetch() calls on 127.0.0.1.
 */
import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { post, type Running, startProxy } from "../helpers/http-proxy.ts";
import { isolatedEnv, runMcpgw, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

interface Conn {
  index: number;
  buf: string;
  requests: string[];
}

const home = tempDir("mcpgw-proxy-client-");
afterAll(() => home[Symbol.dispose]());
const running: (() => unknown)[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r();
});

/** Answers every request with an initialize result; `hangUp` decides to close instead. */
function upstream(hangUp: (conn: Conn) => boolean = () => false, serverName = "raw") {
  const conns: Conn[] = [];
  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { index: conns.length, buf: "", requests: [] };
        conns.push(s.data);
      },
      data(s: Socket<Conn>, d) {
        const c = s.data;
        c.buf += d.toString("latin1");
        for (;;) {
          const end = c.buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          const m = /content-length: (\d+)/i.exec(c.buf.slice(0, end));
          const total = end + 4 + (m ? Number(m[1]) : 0);
          if (c.buf.length < total) return;
          const req = c.buf.slice(0, total);
          c.buf = c.buf.slice(total);
          c.requests.push(req);
          if (hangUp(c)) {
            s.end();
            return;
          }
          const id = (JSON.parse(req.slice(end + 4)) as { id: number }).id;
          const body = JSON.stringify({
            jsonrpc: "2.0",
            id,
            result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: serverName, version: "1" } },
          });
          s.write(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
        }
      },
    },
  });
  running.push(() => listener.stop(true));
  return { url: `http://127.0.0.1:${listener.port}/mcp`, conns };
}

async function proxyTo(url: string, client?: string): Promise<Running> {
  const p = await startProxy({
    home: home.path,
    upstream: url,
    config: client ? `transport:\n  client: ${client}\n` : undefined,
  });
  running.push(() => p[Symbol.asyncDispose]());
  return p;
}

const init = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

async function initialize(p: Running, id: number): Promise<unknown> {
  const r = await post(`${p.url}/mcp`, init(id), { "user-agent": "test-client" });
  expect(r.status).toBe(200);
  return ((await r.json()) as { id: unknown }).id;
}

describe("transport.client", () => {
  test("auto sends http:// upstream requests over pooled keep-alive HTTP/1.1: one connection, no fetch() headers", async () => {
    const up = upstream();
    const p = await proxyTo(up.url);
    for (let i = 1; i <= 3; i++) expect(await initialize(p, i)).toBe(i);
    expect(up.conns.length).toBe(1);
    const head = up.conns[0]!.requests[0]!.toLowerCase();
    expect(head).toStartWith("post /mcp http/1.1\r\n");
    expect(head).not.toContain("user-agent:");
    expect(head).not.toContain("test-client");
  });

  test("an answer reaches the client byte for byte, ASCII or not", async () => {
    // ASCII answers are relayed as their text, others as their bytes: both must be the upstream's.
    for (const name of ["raw", "na\u00efve \u65e5\u672c \u{1f389}"]) {
      const up = upstream(() => false, name);
      const p = await proxyTo(up.url);
      const r = await post(`${p.url}/mcp`, init(7));
      expect(r.status).toBe(200);
      const expected = JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name, version: "1" } },
      });
      expect(Buffer.from(await r.arrayBuffer()).equals(Buffer.from(expected))).toBe(true);
    }
  });

  test("fetch uses Bun's fetch() instead", async () => {
    const up = upstream();
    const p = await proxyTo(up.url, "fetch");
    expect(await initialize(p, 1)).toBe(1);
    expect(up.conns[0]!.requests[0]!.toLowerCase()).toContain("user-agent: bun/");
  });

  test("a keep-alive connection the upstream closed without answering is retried once, and the client gets its answer", async () => {
    const up = upstream((c) => c.index === 0 && c.requests.length === 2);
    const p = await proxyTo(up.url, "pooled");
    expect(await initialize(p, 1)).toBe(1);
    expect(await initialize(p, 2)).toBe(2);
    expect(up.conns.length).toBe(2);
    expect(up.conns[1]!.requests[0]).toContain('"id":2');
  });

  test("an unknown client is a config error naming the key", async () => {
    const file = `${home.path}/bad.yaml`;
    await Bun.write(file, "transport:\n  client: http3\n");
    const r = await runMcpgw(
      ["proxy", "--config", file, "--upstream", "http://127.0.0.1:9/mcp", "--listen", "127.0.0.1:0"],
      isolatedEnv(home.path),
    );
    expect(r.code).toBe(2);
    const err = r.stderr;
    expect(err).toContain("transport.client");
  });
});
