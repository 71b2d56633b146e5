import { describe, expect, test } from "bun:test";
import { deliver } from "../../../../src/chain/deliver.ts";
import { compileChain } from "../../../../src/chain/pipeline.ts";
import type { ChainResult, Direction, Verdict } from "../../../../src/chain/types.ts";
import { ConfigSchema } from "../../../../src/config/schema.ts";
import { createPiiInterceptor } from "../../../../src/interceptors/pii/index.ts";
import { PiiConfigSchema } from "../../../../src/interceptors/pii/schema.ts";
import { type JsonRpcMessage, kindOf } from "../../../../src/jsonrpc/message.ts";
import { createOffloader, WorkerPool } from "../../../../src/pool/index.ts";
import { buildContext } from "../../../../src/session/context.ts";
import { Session } from "../../../../src/session/session.ts";

const GH = "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";
const EMAIL = "jane.doe@example.org";
const CARD = "4111 1111 1111 1111";

function gateway(config: Record<string, unknown>, mayModify = true) {
  const interceptor = createPiiInterceptor({ config: PiiConfigSchema.parse(config), mayModify });
  const run = compileChain([{ interceptor, mode: "enforce", failMode: "closed", timeoutMs: 1000 }]);
  const session = new Session("s1", null, "up");
  return (direction: Direction, msg: JsonRpcMessage): ChainResult => {
    const ctx = buildContext(session, direction, msg, kindOf(msg), JSON.stringify(msg).length);
    return run(msg, ctx) as ChainResult;
  };
}

const call = (args: unknown, name = "send"): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("pii in redact mode", () => {
  test("redacts tool arguments inside string values and keeps everything else", () => {
    const judge = gateway({ mode: "redact" });
    const msg = call({ to: EMAIL, body: `token ${GH}`, count: 3, flags: [true, null] });
    const r = judge("c2s", msg);
    expect(r.action).toBe("modify");
    expect(r.message).toEqual(
      call({ to: "[REDACTED:email]", body: "token [REDACTED:github_token]", count: 3, flags: [true, null] }),
    );
    expect(JSON.stringify(msg)).toContain(GH); // the original is not mutated
    expect(r.findings.map((f) => [f.signal, f.where])).toEqual([
      ["email", "params.arguments.to"],
      ["github_token", "params.arguments.body"],
    ]);
    const d = deliver(r, "request");
    expect(d.kind).toBe("forward");
  });

  test("redacts tool results, structured content and embedded resources on the way back", () => {
    const judge = gateway({ mode: "redact" });
    judge("c2s", call({}, "read"));
    const result = {
      content: [
        { type: "text", text: `card ${CARD}` },
        { type: "resource", resource: { uri: "file:///a", text: `key ${GH}` } },
      ],
      structuredContent: { owner: { email: EMAIL } },
    };
    const r = judge("s2c", { jsonrpc: "2.0", id: 1, result });
    expect(r.action).toBe("modify");
    const text = JSON.stringify(r.message);
    for (const v of [GH, EMAIL, CARD]) expect(text).not.toContain(v);
    expect((r.message as { result: typeof result }).result.structuredContent.owner.email).toBe("[REDACTED:email]");
    expect(r.findings.map((f) => f.where)).toEqual([
      "result.content[0].text",
      "result.content[1].resource.text",
      "result.structuredContent.owner.email",
    ]);
  });

  test("redacts server requests (sampling) and notifications (log messages)", () => {
    const judge = gateway({ mode: "redact" });
    const sampling = judge("s2c", {
      jsonrpc: "2.0",
      id: "srv-1",
      method: "sampling/createMessage",
      params: { messages: [{ role: "user", content: { type: "text", text: `mail ${EMAIL}` } }], maxTokens: 10 },
    });
    expect(JSON.stringify(sampling.message)).not.toContain(EMAIL);
    const note = judge("s2c", { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: GH } });
    expect(note.message).toEqual({
      jsonrpc: "2.0",
      method: "notifications/message",
      params: { level: "info", data: "[REDACTED:github_token]" },
    });
  });

  test("redacts the client's answer to an elicitation request", () => {
    const judge = gateway({ mode: "redact" });
    judge("s2c", { jsonrpc: "2.0", id: 9, method: "elicitation/create", params: { message: "Your card?" } });
    const r = judge("c2s", { jsonrpc: "2.0", id: 9, result: { action: "accept", content: { card: CARD } } });
    expect(r.message).toEqual({
      jsonrpc: "2.0",
      id: 9,
      result: { action: "accept", content: { card: "[REDACTED:credit_card]" } },
    });
  });

  test("leaves pagination cursors alone even when they look like tokens", () => {
    const judge = gateway({ mode: "redact" });
    judge("c2s", { jsonrpc: "2.0", id: 4, method: "tools/list" });
    const cursor = "eyJhbGciOiJIUzI1NiJ9.eyJwYWdlIjoyfQ.c2lnbmF0dXJlc2lnbmF0dXJl";
    const r = judge("s2c", { jsonrpc: "2.0", id: 4, result: { tools: [], nextCursor: cursor } });
    expect(r.action).toBe("pass");
  });

  test("a detect_only category is reported but never undoes the redaction next to it", () => {
    const judge = gateway({ mode: "redact", detect_only: ["email"] });
    const r = judge("c2s", call({ body: `${EMAIL} ${GH}` }));
    expect(r.action).toBe("modify");
    expect(r.message).toEqual(call({ body: `${EMAIL} [REDACTED:github_token]` }));
    expect(r.findings.map((f) => f.signal)).toEqual(["email", "github_token"]);
    // Excerpts never carry a raw value, detect-only or not.
    for (const f of r.findings) {
      expect(f.excerpt).not.toContain(EMAIL);
      expect(f.excerpt).not.toContain(GH);
    }
  });

  test("patterns limits the categories, including the original mcpgw's names", () => {
    const judge = gateway({ mode: "redact", patterns: ["aws_key"] });
    const r = judge("c2s", call({ a: "AKIA4QDJ3WC3SJD5WYEN", b: EMAIL }));
    expect(r.message).toEqual(call({ a: "[REDACTED:aws_access_key_id]", b: EMAIL }));
  });

  test("exclude_tools skips a tool's arguments and its results", () => {
    const judge = gateway({ mode: "redact", exclude_tools: ["vault_write"] });
    expect(judge("c2s", call({ secret: GH }, "vault_write")).action).toBe("pass");
    expect(judge("s2c", { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: GH }] } }).action).toBe(
      "pass",
    );
  });

  test("directions limits scanning to one side", () => {
    const judge = gateway({ mode: "redact", directions: ["s2c"] });
    expect(judge("c2s", call({ secret: GH })).action).toBe("pass");
  });
});

describe("pii in detect mode and in the gateway's audit mode", () => {
  test("detect mode passes the message unchanged with findings", () => {
    const judge = gateway({ mode: "detect" });
    const msg = call({ body: `token ${GH}` });
    const r = judge("c2s", msg);
    expect(r.action).toBe("pass");
    expect(r.message).toBe(msg);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.excerpt).toBe("token [REDACTED:github_token]");
    expect(r.findings[0]!.severity).toBe("high");
  });

  test("redact mode under a global audit mode records findings and changes nothing", () => {
    const judge = gateway({ mode: "redact" }, false);
    const msg = call({ body: GH });
    const r = judge("c2s", msg);
    expect(r.action).toBe("pass");
    expect(r.message).toBe(msg);
    expect(r.findings[0]!.signal).toBe("github_token");
  });

  test("max_findings caps the findings recorded for one message", () => {
    const judge = gateway({ mode: "redact", max_findings: 2 });
    const r = judge("c2s", call({ list: [EMAIL, EMAIL, EMAIL, EMAIL] }));
    expect(r.findings).toHaveLength(2);
    expect(JSON.stringify(r.message)).not.toContain(EMAIL);
  });
});

describe("pii on hostile shapes", () => {
  test("a value nested deeper than the scanner walks fails closed instead of passing unscanned", () => {
    const judge = gateway({ mode: "redact" });
    let deep: unknown = GH;
    for (let i = 0; i < 5000; i++) deep = [deep];
    const r = judge("c2s", call({ deep }));
    expect(r.action).toBe("block");
    expect(r.rule).toBe("fail_closed");
  });
});

describe("pii configuration", () => {
  test("is strict and reports unknown keys and pattern names", () => {
    expect(() => ConfigSchema.parse({ plugins: [{ name: "pii", config: { mode: "redact", mod: "x" } }] })).toThrow(
      /mod/,
    );
    expect(() => ConfigSchema.parse({ plugins: [{ name: "pii", config: { patterns: ["passport"] } }] })).toThrow(
      /unknown pattern/,
    );
    expect(() => ConfigSchema.parse({ plugins: [{ name: "pii", config: { mode: "block" } }] })).toThrow();
  });

  test("defaults to detect mode in both directions", () => {
    const cfg = ConfigSchema.parse({ plugins: [{ name: "pii" }] });
    expect(cfg.plugins[0]).toMatchObject({
      name: "pii",
      enabled: true,
      config: { mode: "detect", directions: ["c2s", "s2c"] },
    });
  });
});

describe("pii with a worker pool", () => {
  test("goes to an idle worker from 128 × the threshold, and judges on the event loop (the same verdict) while the worker is busy or below that", async () => {
    const pool = new WorkerPool({ size: 1, queueDepth: 8, ringBytes: 1024 * 1024, jobTimeoutMs: 30_000 });
    try {
      const interceptor = createPiiInterceptor({
        config: PiiConfigSchema.parse({ mode: "redact" }),
        mayModify: true,
        offload: { pool, minBytes: 64 },
      });
      const session = new Session("s1", null, "up");
      // Pooled from 128 × offload_min_bytes (inline, pii costs less than a round trip).
      const msg = call({ to: EMAIL, body: "x".repeat(10_000) });
      const ctx = buildContext(session, "c2s", msg, "request", JSON.stringify(msg).length);
      const pooled = interceptor.inspect(msg, ctx);
      expect(pooled).toBeInstanceOf(Promise);
      const expected = await pooled;
      expect(expected.kind).toBe("modify");
      // A job that holds the worker: pii does not queue behind it.
      const spin = createOffloader("spin", null, { pool, minBytes: 0 });
      const busy = spin.run("300");
      const inline = interceptor.inspect(msg, ctx);
      expect(inline).not.toBeInstanceOf(Promise);
      expect(inline).toEqual(expected);
      await busy;
      // Below 128 × offload_min_bytes it stays on the event loop even with the worker idle.
      const small = call({ to: EMAIL, body: "x".repeat(6000) });
      const smallCtx = buildContext(session, "c2s", small, "request", JSON.stringify(small).length);
      const smallVerdict = interceptor.inspect(small, smallCtx);
      expect(smallVerdict).not.toBeInstanceOf(Promise);
      expect((smallVerdict as Verdict).kind).toBe("modify");
      await interceptor.close?.();
    } finally {
      await pool.close();
    }
  });
});
