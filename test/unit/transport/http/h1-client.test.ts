/**
 * The pooled HTTP/1.1 client against real servers on 127.0.0.1:0: Bun.serve for ordinary
 * exchanges, and a raw Bun.listen server that writes exact bytes (framing, splits, closes).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { H1Client, UpstreamProtocolError } from "../../../../src/transport/http/h1-client.ts";

interface RawConn {
  readonly index: number;
  buf: string;
  closed: boolean;
  requests: string[];
}

interface Raw {
  readonly url: string;
  readonly conns: RawConn[];
  readonly listener: TCPSocketListener<RawConn>;
}

/** A raw HTTP/1.1 server: `answer` gets every complete request (head + Content-Length body). */
function raw(answer: (s: Socket<RawConn>, request: string, conn: RawConn) => void): Raw {
  const conns: RawConn[] = [];
  const listener = Bun.listen<RawConn>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { index: conns.length, buf: "", closed: false, requests: [] };
        conns.push(s.data);
        s.setNoDelay(true);
      },
      data(s, d) {
        const c = s.data;
        c.buf += d.toString("latin1");
        for (;;) {
          const end = c.buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          const m = /content-length: (\d+)/i.exec(c.buf.slice(0, end));
          const total = end + 4 + (m ? Number(m[1]) : 0);
          if (c.buf.length < total) return;
          const request = c.buf.slice(0, total);
          c.buf = c.buf.slice(total);
          c.requests.push(request);
          answer(s, request, c);
        }
      },
      close(s) {
        s.data.closed = true;
      },
    },
  });
  servers.push(() => listener.stop(true));
  return { url: `http://127.0.0.1:${listener.port}/mcp`, conns, listener };
}

const servers: (() => void)[] = [];
const clients: H1Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s();
});

function client(over: Partial<ConstructorParameters<typeof H1Client>[0]> = {}): H1Client {
  const c = new H1Client({ connectTimeoutMs: 5_000, idleTimeoutMs: 60_000, maxIdlePerHost: 4, maxIdle: 16, ...over });
  clients.push(c);
  return c;
}

/** Waits (bounded) for a condition that the code under test must bring about. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (cond()) return;
    await Bun.sleep(2);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ok = (body: string, extra = "") =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe("framing", () => {
  test("a Content-Length response gives its status, headers and exact body, and the connection is reused", async () => {
    const srv = raw((s) => s.write(ok('{"ok":1}', "x-a: b\r\n")));
    const c = client();
    for (let i = 0; i < 3; i++) {
      const r = await c.request(srv.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(r.status).toBe(200);
      expect(r.headers.get("x-a")).toBe("b");
      expect(await r.text()).toBe('{"ok":1}');
    }
    expect(srv.conns.length).toBe(1);
    expect(srv.conns[0]!.requests.length).toBe(3);
    expect(c.idleCount(srv.url)).toBe(1);
  });

  test("the request carries Host, the headers given, and the body with its Content-Length", async () => {
    const srv = raw((s) => s.write(ok("{}")));
    const c = client();
    const body = '{"name":"é"}';
    await (await c.request(srv.url, { method: "POST", headers: { "x-k": "v", connection: "upgrade" }, body })).text();
    const req = srv.conns[0]!.requests[0]!;
    expect(req.startsWith("POST /mcp HTTP/1.1\r\n")).toBe(true);
    expect(req).toContain(`\r\nhost: 127.0.0.1:${srv.listener.port}\r\n`);
    expect(req).toContain("\r\nx-k: v\r\n");
    expect(req).not.toContain("upgrade");
    expect(req).toContain(`\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`);
    expect(Buffer.from(req.slice(req.indexOf("\r\n\r\n") + 4), "latin1").toString("utf8")).toBe(body);
  });

  test("a header value with CR or LF is refused before anything is sent", async () => {
    const srv = raw((s) => s.write(ok("{}")));
    const c = client();
    await expect(c.request(srv.url, { method: "GET", headers: { "x-a": "1\r\nx-b: 2" } })).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(srv.conns.length).toBe(0);
  });

  const chunkedResponse =
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n" +
    "5;ext=1\r\nhello\r\n7\r\n, world\r\n1\r\n!\r\n0\r\nx-trailer: t\r\n\r\n";

  test("a chunked response split at every byte position decodes to the same body, trailers dropped", async () => {
    let split = 0;
    const srv = raw((s) => {
      const at = split;
      s.write(chunkedResponse.slice(0, at));
      setTimeout(() => s.write(chunkedResponse.slice(at)), 1);
    });
    const c = client();
    for (split = 1; split < chunkedResponse.length; split++) {
      const r = await c.request(srv.url, { method: "GET" });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe("hello, world!");
    }
    // every response ended cleanly: one connection carried them all
    expect(srv.conns.length).toBe(1);
  });

  test("a Content-Length body split at every byte position is exact", async () => {
    const whole = ok('{"result":"abcdefghij"}');
    let split = 0;
    const srv = raw((s) => {
      const at = split;
      s.write(whole.slice(0, at));
      setTimeout(() => s.write(whole.slice(at)), 1);
    });
    const c = client();
    for (split = 1; split < whole.length; split++) {
      const r = await c.request(srv.url, { method: "GET" });
      expect(await r.text()).toBe('{"result":"abcdefghij"}');
    }
    expect(srv.conns.length).toBe(1);
  });

  test("1xx responses are skipped; HEAD, 204 and 304 have no body and keep the connection", async () => {
    const srv = raw((s, req) => {
      if (req.startsWith("HEAD")) s.write("HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n");
      else if (req.startsWith("DELETE")) s.write("HTTP/1.1 204 No Content\r\n\r\n");
      else if (req.startsWith("PUT")) s.write("HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n");
      else s.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: x\r\n\r\n${ok("{}")}`);
    });
    const c = client();
    const a = await c.request(srv.url, { method: "POST", body: "{}" });
    expect(a.status).toBe(200);
    expect(await a.text()).toBe("{}");
    const h = await c.request(srv.url, { method: "HEAD" });
    expect(h.status).toBe(200);
    expect(h.body).toBeNull();
    const d = await c.request(srv.url, { method: "DELETE" });
    expect(d.status).toBe(204);
    const p = await c.request(srv.url, { method: "PUT", body: "x" });
    expect(p.status).toBe(304);
    const last = await c.request(srv.url, { method: "GET" });
    expect(await last.text()).toBe("{}");
    expect(srv.conns.length).toBe(1);
  });

  test("a body delimited by close is read to the end and the connection is not reused", async () => {
    const srv = raw((s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npart one, ");
      setTimeout(() => s.end("part two"), 1);
    });
    const c = client();
    expect(await (await c.request(srv.url, { method: "GET" })).text()).toBe("part one, part two");
    expect(await (await c.request(srv.url, { method: "GET" })).text()).toBe("part one, part two");
    expect(srv.conns.length).toBe(2);
  });

  test("Connection: close and HTTP/1.0 answers are not pooled", async () => {
    let n = 0;
    const srv = raw((s) =>
      s.write(n++ % 2 === 0 ? ok("{}", "connection: close\r\n") : `HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}`),
    );
    const c = client();
    for (let i = 0; i < 4; i++) expect(await (await c.request(srv.url, { method: "GET" })).text()).toBe("{}");
    expect(srv.conns.length).toBe(4);
    expect(c.idleCount(srv.url)).toBe(0);
  });

  test("responses on one connection are framed by their own heads, whether a head repeats the last one or not", async () => {
    const answers = [
      ok('{"a":1}'),
      ok('{"a":1}'), // the same head again
      ok('{"a":22}'), // one byte of the length differs
      `HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nnope`,
      ok('{"a":1}'),
      `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n\r\n`,
      ok('{"a":1}', "x-extra: 1\r\n"),
    ];
    let i = 0;
    const srv = raw((s) => s.write(answers[i++]!));
    const c = client();
    const got: [number, string | null, string | null, string][] = [];
    for (let k = 0; k < answers.length; k++) {
      const r = await c.request(srv.url, { method: "GET" });
      got.push([r.status, r.headers.get("content-type"), r.headers.get("x-extra"), await r.text()]);
    }
    expect(got).toEqual([
      [200, "application/json", null, '{"a":1}'],
      [200, "application/json", null, '{"a":1}'],
      [200, "application/json", null, '{"a":22}'],
      [404, "text/plain", null, "nope"],
      [200, "application/json", null, '{"a":1}'],
      [200, "application/json", null, '{"a":1}'],
      [200, "application/json", "1", '{"a":1}'],
    ]);
    expect(srv.conns.length).toBe(1);
  });

  test("a malformed head is refused even right after a good one on the same connection", async () => {
    const answers = [ok("{}"), "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}"];
    let i = 0;
    const srv = raw((s) => s.write(answers[i++]!));
    const c = client();
    expect(await (await c.request(srv.url, { method: "GET" })).text()).toBe("{}");
    let err: unknown;
    try {
      await (await c.request(srv.url, { method: "GET" })).text();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UpstreamProtocolError);
    expect(srv.conns.length).toBe(1);
  });

  test("malformed framing is an error: bad chunk size, conflicting lengths, unknown coding, oversized head", async () => {
    const answers = [
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n",
      `HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\ncontent-length: 0\r\n\r\n`,
      "HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n",
      "SMTP ready\r\n\r\n",
    ];
    let i = 0;
    const srv = raw((s) => s.write(answers[i]!));
    const c = client();
    for (i = 0; i < answers.length; i++) {
      let err: unknown;
      try {
        const r = await c.request(srv.url, { method: "GET" });
        await r.text();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UpstreamProtocolError);
    }
    expect(c.idleCount(srv.url)).toBe(0);
  });
});

describe("streaming", () => {
  test("an SSE body is delivered event by event, before the next one is sent", async () => {
    let sock: Socket<RawConn> | undefined;
    const srv = raw((s) => {
      sock = s;
      s.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
      const ev = "data: one\n\n";
      s.write(`${ev.length.toString(16)}\r\n${ev}\r\n`);
    });
    const c = client();
    const r = await c.request(srv.url, { method: "POST", body: "{}" });
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    expect(dec.decode((await reader.read()).value)).toBe("data: one\n\n");
    const ev2 = "data: two\n\n";
    sock!.write(`${ev2.length.toString(16)}\r\n${ev2}\r\n0\r\n\r\n`);
    expect(dec.decode((await reader.read()).value)).toBe("data: two\n\n");
    expect((await reader.read()).done).toBe(true);
    expect(c.idleCount(srv.url)).toBe(1);
  });

  test("a consumer that does not read pauses the socket (the server sees backpressure), and reading resumes it", async () => {
    const size = 32 * 1024 * 1024;
    const payload = Buffer.alloc(size, 0x61);
    let shortWrite = false;
    let offset = 0;
    const pump = (s: Socket<RawConn>) => {
      while (offset < size) {
        const n = s.write(payload.subarray(offset, Math.min(size, offset + 1024 * 1024)));
        offset += Math.max(0, n);
        if (n < Math.min(1024 * 1024, size - offset + n)) {
          shortWrite = true;
          return;
        }
      }
    };
    const listener = Bun.listen<RawConn>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(s) {
          s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n`);
          pump(s);
        },
        drain(s) {
          pump(s);
        },
      },
    });
    servers.push(() => listener.stop(true));
    const c = client();
    const r = await c.request(`http://127.0.0.1:${listener.port}/`, { method: "GET" });
    await until(() => shortWrite, "the server to see a full socket");
    // Give an unpaused client every chance to drain the server (it would within a few turns):
    // a paused one leaves most of the body unsent until it reads.
    for (let i = 0; i < 20; i++) await Bun.sleep(5);
    expect(offset).toBeLessThan(size / 2);
    let total = 0;
    for await (const chunk of r.body!) total += chunk.length;
    expect(total).toBe(size);
  });
});

describe("stale connections and aborts", () => {
  test("a reused connection the server closed without answering is retried once on a new connection", async () => {
    const srv = raw((s, _req, conn) => {
      if (conn.index === 0 && conn.requests.length === 2) s.end();
      else s.write(ok("{}"));
    });
    const c = client();
    expect(await (await c.request(srv.url, { method: "POST", body: '{"n":1}' })).text()).toBe("{}");
    const r = await c.request(srv.url, { method: "POST", body: '{"n":2}' });
    expect(await r.text()).toBe("{}");
    expect(srv.conns.length).toBe(2);
    expect(srv.conns[1]!.requests[0]).toEndWith('{"n":2}');
  });

  test("a fresh connection closed without an answer is an error, not retried", async () => {
    const srv = raw((s) => s.end());
    const c = client();
    await expect(c.request(srv.url, { method: "POST", body: "{}" })).rejects.toThrow("without answering");
    await until(() => srv.conns.length === 1 && srv.conns[0]!.closed, "the close");
    expect(srv.conns.length).toBe(1);
  });

  test("a reused connection closed after part of the response is an error, not retried", async () => {
    const srv = raw((s, _req, conn) => {
      if (conn.requests.length === 2) s.end("HTTP/1.1 200 OK\r\ncontent-le");
      else s.write(ok("{}"));
    });
    const c = client();
    await (await c.request(srv.url, { method: "POST", body: "{}" })).text();
    await expect(c.request(srv.url, { method: "POST", body: "{}" })).rejects.toBeInstanceOf(UpstreamProtocolError);
    await until(() => srv.conns[0]!.closed, "the close");
    expect(srv.conns.length).toBe(1);
  });

  test("a connection the server closes while idle leaves the pool; the next request opens a new one", async () => {
    const srv = raw((s) => s.end(ok("{}")));
    const c = client();
    await (await c.request(srv.url, { method: "GET" })).text();
    await until(() => srv.conns[0]!.closed, "the server's close");
    expect(await (await c.request(srv.url, { method: "GET" })).text()).toBe("{}");
    expect(srv.conns.length).toBe(2);
  });

  test("abort before the answer rejects with the signal's reason and closes the socket", async () => {
    const srv = raw(() => {});
    const c = client();
    const ac = new AbortController();
    const p = c.request(srv.url, { method: "POST", body: "{}", signal: ac.signal });
    await until(() => srv.conns[0]?.requests.length === 1, "the request");
    ac.abort(new Error("client gone"));
    await expect(p).rejects.toThrow("client gone");
    await until(() => srv.conns[0]!.closed, "the socket to close");
    expect(c.idleCount(srv.url)).toBe(0);
  });

  test("abort mid-body errors the stream and the connection is never pooled", async () => {
    const srv = raw((s) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n"));
    const c = client();
    const ac = new AbortController();
    const r = await c.request(srv.url, { method: "GET", signal: ac.signal });
    const reader = r.body!.getReader();
    expect((await reader.read()).value?.length).toBe(3);
    ac.abort(new Error("client gone"));
    await expect(reader.read()).rejects.toThrow("client gone");
    await until(() => srv.conns[0]!.closed, "the socket to close");
    expect(c.idleCount(srv.url)).toBe(0);
  });

  test("cancelling the body closes the connection instead of pooling it", async () => {
    const srv = raw((s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc"));
    const c = client();
    const r = await c.request(srv.url, { method: "GET" });
    await r.body!.cancel();
    await until(() => srv.conns[0]!.closed, "the socket to close");
    expect(c.idleCount(srv.url)).toBe(0);
  });

  test("an answer that comes before the whole request body was written leaves the connection out of the pool", async () => {
    let answered = false;
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(s) {
          if (answered) return;
          answered = true;
          s.write("HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n");
        },
      },
    });
    servers.push(() => listener.stop(true));
    const c = client();
    const url = `http://127.0.0.1:${listener.port}/`;
    const r = await c.request(url, { method: "POST", body: new Uint8Array(64 * 1024 * 1024) });
    expect(r.status).toBe(413);
    expect(c.idleCount(url)).toBe(0);
  });

  test("a refused connection rejects with an Error", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const c = client();
    await expect(c.request(`http://127.0.0.1:${port}/`, { method: "GET" })).rejects.toBeInstanceOf(Error);
  });
});

describe("pool", () => {
  test("idle connections beyond the per-host cap are closed; idle ones past the timeout are not reused", async () => {
    const srv = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ ok: true }) });
    servers.push(() => srv.stop(true));
    const url = `http://127.0.0.1:${srv.port}/`;
    const c = client({ maxIdlePerHost: 2 });
    const rs = await Promise.all([0, 1, 2, 3].map(() => c.request(url, { method: "GET" })));
    for (const r of rs) expect(await r.json()).toEqual({ ok: true });
    expect(c.idleCount(url)).toBe(2);
    const short = client({ idleTimeoutMs: 1_000 });
    await (await short.request(url, { method: "GET" })).text();
    expect(short.idleCount(url)).toBe(1);
    await until(() => short.idleCount(url) === 0, "the idle connection to expire");
  });
});
