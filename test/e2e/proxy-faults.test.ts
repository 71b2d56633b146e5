/**
 * `mcpgw proxy` under faults: a real mcpgw process in front of the SDK everything fixture or a
 * deliberately broken HTTP fixture (hangs, 500s, garbage, torn streams), and clients that send
 * bad origins, huge bodies, many streams or leave mid-stream. All processes and HTTP are real,
 * on 127.0.0.1; no pass condition depends on timing.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { messagesOf, post, type Running, rawSession, startFixture, startProxy } from "../helpers/http-proxy.ts";
import { FIXTURES, tempDir } from "../helpers/process.ts";

setDefaultTimeout(90_000);

const FAULTY = join(FIXTURES, "servers/faulty-http-fixture.ts");
const home = tempDir("mcpgw-proxy-faults-");
let fixture: Running;
let proxy: Running;
let mcp: string;

beforeAll(async () => {
  fixture = await startFixture(home.path);
  proxy = await startProxy({ home: home.path, upstream: fixture.url });
  mcp = `${proxy.url}/mcp`;
});

afterAll(async () => {
  await proxy?.[Symbol.asyncDispose]();
  await fixture?.[Symbol.asyncDispose]();
  home[Symbol.dispose]();
});

const call = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

async function session(url = mcp): Promise<Record<string, string>> {
  return { "mcp-session-id": await rawSession(url), "mcp-protocol-version": "2025-06-18" };
}

function errorOf(msgs: Record<string, unknown>[], id: number): { code: number; message: string } | undefined {
  return msgs.find((m) => m.id === id)?.error as { code: number; message: string } | undefined;
}

describe("edge checks", () => {
  test("a request from another site's Origin is refused with 403 and a JSON-RPC error body", async () => {
    const r = await post(mcp, { jsonrpc: "2.0", id: 1, method: "ping" }, { origin: "https://evil.example.com" });
    expect(r.status).toBe(403);
    const body = (await r.json()) as { error: { message: string } };
    expect(body.error.message).toContain("Origin");
  });

  test("a loopback Origin is accepted on a loopback bind", async () => {
    const h = await session();
    const r = await post(mcp, { jsonrpc: "2.0", id: 1, method: "ping" }, { ...h, origin: "http://localhost:3000" });
    expect(r.status).toBe(200);
    await r.text();
  });

  test("a Host header that is not a loopback name is refused (DNS rebinding)", async () => {
    const r = await fetch(mcp, {
      method: "POST",
      headers: {
        host: "evil.example.com",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(r.status).toBe(403);
    await r.text();
  });

  test("a body over the 16 MiB default is refused with 413 and a JSON-RPC error body", async () => {
    const big = JSON.stringify(call(1, "test_simple_text", { pad: "x".repeat(16 * 1024 * 1024 + 10) }));
    const r = await post(mcp, big, await session());
    expect(r.status).toBe(413);
    const body = (await r.json()) as { jsonrpc: string; error: { code: number } };
    expect(body.jsonrpc).toBe("2.0");
    expect(body.error.code).toBe(-32014);
  });

  test("a body nested deeper than limits.max_depth is refused with 400", async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${"[".repeat(500)}${"]".repeat(500)}}}`;
    const r = await post(mcp, deep, await session());
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: number } }).error.code).toBe(-32014);
  });

  test("an unknown session id is answered 404, as the spec asks, so the client re-initializes", async () => {
    const r = await post(mcp, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": "no-such-session" });
    expect(r.status).toBe(404);
    await r.text();
  });
});

describe("limits and TLS", () => {
  test("headers over limits.max_header_bytes are refused with 431 and a JSON-RPC error body", async () => {
    const r = await post(mcp, { jsonrpc: "2.0", id: 1, method: "ping" }, { "x-padding": "p".repeat(15 * 1024 + 512) });
    expect(r.status).toBe(431);
    expect(((await r.json()) as { error: { code: number } }).error.code).toBe(-32014);
  });

  test("past limits.max_concurrent_streams a request gets 503 while the open streams go on", async () => {
    await using p = await startProxy({
      home: home.path,
      upstream: fixture.url,
      config: "limits:\n  max_concurrent_streams: 2\n",
    });
    const url = `${p.url}/mcp`;
    const h = await session(url);
    const open = await Promise.all(
      [1, 2].map(async (id) => {
        const r = await post(url, call(id, "slow_stream", { count: 4, interval_ms: 100 }), h);
        const reader = r.body!.getReader();
        await reader.read(); // in flight: its first event arrived
        return reader;
      }),
    );
    const third = await post(url, { jsonrpc: "2.0", id: 3, method: "ping" }, h);
    expect(third.status).toBe(503);
    await third.text();
    const dec = new TextDecoder();
    for (const reader of open) {
      let t = "";
      for (;;) {
        const c = await reader.read();
        if (c.done) break;
        t += dec.decode(c.value);
      }
      expect(t).toContain("done after 4");
    }
  });

  test("--tls-cert/--tls-key serve HTTPS and the readiness line says so", async () => {
    const cert = join(home.path, "cert.pem");
    const key = join(home.path, "key.pem");
    const gen = Bun.spawnSync([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ]);
    expect(gen.exitCode).toBe(0);
    await using p = await startProxy({
      home: home.path,
      upstream: fixture.url,
      args: ["--tls-cert", cert, "--tls-key", key],
    });
    expect(p.url.startsWith("https://127.0.0.1:")).toBe(true);
    const r = await fetch(`${p.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "tls", version: "0" } },
      }),
      tls: { rejectUnauthorized: false },
    });
    expect(r.status).toBe(200);
    expect((await messagesOf(r))[0]?.result).toBeDefined();
  });
});

describe("large and many", () => {
  test("a 1 MiB result is relayed whole", async () => {
    const msgs = await messagesOf(await post(mcp, call(1, "big_result", { bytes: 1024 * 1024 }), await session()));
    const res = msgs.find((m) => m.id === 1)?.result as { content: { text: string }[] };
    expect(res.content[0]!.text.length).toBe(1024 * 1024);
  });

  test("a result just under the 16 MiB frame limit is relayed whole; one over it becomes an error with its id", async () => {
    // Inline inspection (workers.size 0): the whole chain still runs on the 16 MiB message.
    await using p = await startProxy({ home: home.path, upstream: fixture.url, config: "workers:\n  size: 0\n" });
    const url = `${p.url}/mcp`;
    const h = await session(url);
    const ok = await messagesOf(await post(url, call(1, "big_result", { bytes: 16 * 1024 * 1024 - 4096 }), h));
    const res = ok.find((m) => m.id === 1)?.result as { content: { text: string }[] } | undefined;
    expect(res === undefined ? JSON.stringify(ok).slice(0, 500) : res.content[0]!.text.length).toBe(
      16 * 1024 * 1024 - 4096,
    );
    const over = await messagesOf(await post(url, call(2, "big_result", { bytes: 16 * 1024 * 1024 + 1 }), h));
    expect(errorOf(over, 2)?.code).toBe(-32014);
  });

  test("100 concurrent streams all complete", async () => {
    const h = await session();
    const all = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post(mcp, call(i + 1, "slow_stream", { count: 3, interval_ms: 10 }), h).then(messagesOf),
      ),
    );
    all.forEach((msgs, i) => {
      const res = msgs.find((m) => m.id === i + 1)?.result as { content: { text: string }[] };
      expect(res.content[0]!.text).toBe("done after 3");
      expect(msgs.filter((m) => m.method === "notifications/message").length).toBe(3);
    });
  });
});

describe("upstream failures become JSON-RPC errors with the request's id", () => {
  test("a client that leaves mid-stream closes the upstream request", async () => {
    const h = await session();
    const before = (fixture.proc.stderr.text.match(/request closed by client/g) ?? []).length;
    const ac = new AbortController();
    const r = await fetch(mcp, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...h },
      body: JSON.stringify(call(7, "slow_stream", { count: 1000, interval_ms: 20 })),
      signal: ac.signal,
    });
    const reader = r.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("tick");
    ac.abort();
    await fixture.proc.stderr.waitFor((t) => (t.match(/request closed by client/g) ?? []).length > before);
  });

  test("an upstream killed mid-stream gives the pending request an error", async () => {
    await using victim = await startFixture(home.path);
    await using p = await startProxy({ home: home.path, upstream: victim.url });
    const url = `${p.url}/mcp`;
    const msgs = await messagesOf(await post(url, call(3, "crash_midstream"), await session(url)));
    expect(msgs.some((m) => m.method === "notifications/message")).toBe(true);
    expect(errorOf(msgs, 3)?.code).toBe(-32012);
  });

  test("an upstream that never answers gives a timeout error", async () => {
    await using bad = await startFixture(home.path, FAULTY);
    await using p = await startProxy({
      home: home.path,
      upstream: `${bad.url}/hang`,
      config: "transport:\n  first_byte_timeout: 300ms\n",
    });
    const msgs = await messagesOf(await post(`${p.url}/mcp`, { jsonrpc: "2.0", id: 9, method: "ping" }));
    expect(errorOf(msgs, 9)?.code).toBe(-32017);
  });

  test("an upstream failure is recorded in the audit log like any response", async () => {
    await using bad = await startFixture(home.path, FAULTY);
    const db = join(home.path, "audit-failure.db");
    const p = await startProxy({ home: home.path, upstream: `${bad.url}/500`, auditDb: db });
    const msgs = await messagesOf(await post(`${p.url}/mcp`, { jsonrpc: "2.0", id: 12, method: "ping" }));
    expect(errorOf(msgs, 12)?.code).toBe(-32012);
    p.proc.proc.kill("SIGTERM");
    expect(await p.proc.exit()).toBe(0);
    const sqlite = new Database(db, { readonly: true });
    const rows = sqlite.query("SELECT direction, method, record FROM records ORDER BY seq").all() as {
      direction: string;
      method: string;
      record: string;
    }[];
    sqlite.close();
    expect(rows.map((r) => [r.direction, r.method])).toEqual([
      ["c2s", "ping"],
      ["s2c", "ping"],
    ]);
    expect(JSON.parse(rows[1]!.record)).toMatchObject({ kind: "error", id: "12", upstream: "default" });
  });

  test("a JSON answer whose bytes are not UTF-8 is refused: the client gets an error for its id, nothing goes back upstream", async () => {
    await using bad = await startFixture(home.path, FAULTY);
    await using p = await startProxy({ home: home.path, upstream: `${bad.url}/badutf8` });
    const r = await post(`${p.url}/mcp`, { jsonrpc: "2.0", id: 31, method: "ping" });
    const msgs = await messagesOf(r);
    expect(msgs).toHaveLength(1);
    expect(errorOf(msgs, 31)).toEqual({
      code: -32012,
      message: "MCP server sent an invalid response: Parse error: invalid UTF-8",
    });
    // What reached the upstream: the ping only (no error answer to its "response").
    const seen = (await (await fetch(`${bad.url}/badutf8`)).json()) as string[];
    expect(seen.map((b) => JSON.parse(b).method)).toEqual(["ping"]);
  });

  test("a request whose bytes are not UTF-8 is refused with a parse error for its id and never forwarded", async () => {
    await using bad = await startFixture(home.path, FAULTY);
    await using p = await startProxy({ home: home.path, upstream: `${bad.url}/badutf8` });
    const enc = new TextEncoder();
    const body = new Uint8Array([
      ...enc.encode('{"jsonrpc":"2.0","id":32,"method":"tools/call","params":{"name":"echo","arguments":{"text":"'),
      0xff,
      0xfe,
      0x41,
      ...enc.encode('"}}}'),
    ]);
    const r = await fetch(`${p.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body,
    });
    const msgs = await messagesOf(r);
    expect(errorOf(msgs, 32)).toEqual({ code: -32700, message: "Parse error: invalid UTF-8" });
    const seen = (await (await fetch(`${bad.url}/badutf8`)).json()) as string[];
    expect(seen).toEqual([]);
  });

  test("HTTP 500, garbage and a torn SSE stream each become an upstream error", async () => {
    await using bad = await startFixture(home.path, FAULTY);
    for (const path of ["/500", "/garbage", "/reset"]) {
      await using p = await startProxy({ home: home.path, upstream: `${bad.url}${path}` });
      const msgs = await messagesOf(await post(`${p.url}/mcp`, { jsonrpc: "2.0", id: 4, method: "ping" }));
      expect({ path, code: errorOf(msgs, 4)?.code }).toEqual({ path, code: -32012 });
    }
  });

  test("after max_failures refused connections the circuit opens and answers at once with CIRCUIT_OPEN", async () => {
    // A port nothing listens on: take one and release it.
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const dead = `http://127.0.0.1:${probe.port}/mcp`;
    await probe.stop(true);
    await using p = await startProxy({
      home: home.path,
      upstream: dead,
      config: "circuit_breaker:\n  max_failures: 2\n  timeout: 1h\n",
    });
    const codes: (number | undefined)[] = [];
    for (const id of [1, 2, 3])
      codes.push(
        errorOf(await messagesOf(await post(`${p.url}/mcp`, { jsonrpc: "2.0", id, method: "ping" })), id)?.code,
      );
    expect(codes).toEqual([-32012, -32012, -32018]);
    const ready = await fetch(`${p.url}/readyz`);
    expect(ready.status).toBe(503);
    await ready.text();
  });
});

describe("shutdown", () => {
  test("SIGTERM right after the readiness line drains and exits 0 (the handlers are in place before it)", async () => {
    for (let i = 0; i < 3; i++) {
      const p = await startProxy({ home: home.path, upstream: fixture.url });
      p.proc.proc.kill("SIGTERM");
      expect(await p.proc.exit()).toBe(0);
    }
  });

  test("SIGTERM lets an in-flight stream finish, then exits 0", async () => {
    await using p = await startProxy({ home: home.path, upstream: fixture.url });
    const url = `${p.url}/mcp`;
    const h = await session(url);
    const r = await post(url, call(1, "slow_stream", { count: 5, interval_ms: 100 }), h);
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    // The call is in flight once its first event arrived.
    while (!text.includes("tick 0")) {
      const c = await reader.read();
      if (c.done) throw new Error(`stream ended early: ${text}`);
      text += dec.decode(c.value);
    }
    p.proc.proc.kill("SIGTERM");
    for (;;) {
      const c = await reader.read();
      if (c.done) break;
      text += dec.decode(c.value);
    }
    expect(text).toContain("done after 5");
    expect(await p.proc.exit()).toBe(0);
  });
});
