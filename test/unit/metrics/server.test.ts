/** The /metrics endpoint on a real Bun.serve bound to 127.0.0.1 with port 0. */
import { describe, expect, test } from "bun:test";
import { silentLogger } from "../../../src/log/index.ts";
import { messagesTotal } from "../../../src/metrics/index.ts";
import { parseMetricsAddr, startMetricsServer } from "../../../src/metrics/server.ts";

describe("the metrics endpoint", () => {
  test("serves Prometheus text at /metrics and nothing else", async () => {
    messagesTotal.inc(["c2s", "tools/call", "pass", "none"]);
    const s = startMetricsServer({ addr: "127.0.0.1:0" }, silentLogger)!;
    try {
      const r = await fetch(`${s.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(await r.text()).toMatch(
        /mcpgw_messages_total\{direction="c2s",method="tools\/call",action="pass",interceptor="none"\} \d+/,
      );
      expect((await fetch(`${s.url}/other`)).status).toBe(404);
      expect((await fetch(`${s.url}/metrics`, { method: "POST" })).status).toBe(405);
    } finally {
      await s.stop();
    }
  });

  test("requires the bearer key when metrics.api_key is set", async () => {
    const s = startMetricsServer({ addr: "127.0.0.1:0", api_key: "metrics-key-123" }, silentLogger)!;
    try {
      expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer wrong-key-1234" } })).status).toBe(
        401,
      );
      const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer metrics-key-123" } });
      expect(ok.status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  test("binds loopback when the address has no host, as the original's ':9091'", () => {
    expect(parseMetricsAddr(":9091")).toEqual({ hostname: "127.0.0.1", port: 9091 });
    expect(parseMetricsAddr("[::1]:9091")).toEqual({ hostname: "::1", port: 9091 });
    expect(() => parseMetricsAddr("9091")).toThrow("HOST:PORT");
  });

  test("is off without metrics.addr", () => {
    expect(startMetricsServer({}, silentLogger)).toBeUndefined();
  });
});
