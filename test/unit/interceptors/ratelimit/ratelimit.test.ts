import { describe, expect, test } from "bun:test";
import type { Identity, MessageContext } from "../../../../src/chain/types.ts";
import { compileRuntime } from "../../../../src/config/compile.ts";
import { type ConfigInput, ConfigSchema } from "../../../../src/config/schema.ts";
import {
  BucketStore,
  createRateLimitInterceptor,
  SWEEP_INTERVAL_MS,
} from "../../../../src/interceptors/ratelimit/index.ts";
import { ErrorCode } from "../../../../src/jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../../../../src/jsonrpc/message.ts";
import { silentLogger } from "../../../../src/log/index.ts";
import { Session } from "../../../../src/session/session.ts";

const who = (subject: string, method: Identity["method"] = "jwt", address = "10.0.0.1"): Identity => ({
  subject,
  roles: [],
  scopes: [],
  labels: { client_address: address },
  method,
});

function ctx(identity: Identity | null, over: Partial<MessageContext> = {}): MessageContext {
  return {
    direction: "c2s",
    kind: "request",
    sessionId: "s1",
    identity,
    upstream: "up",
    method: "tools/call",
    target: "echo",
    request: undefined,
    protocolVersion: undefined,
    size: 0,
    receivedAt: 0,
    session: new Session("s1", identity, "up"),
    ...over,
  };
}

const msg: JsonRpcMessage = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } };

function limiter(input: ConfigInput) {
  const cfg = ConfigSchema.parse(input);
  let t = 1_000;
  const rl = createRateLimitInterceptor({
    rateLimit: cfg.rate_limit,
    toolRateLimit: cfg.tool_rate_limit,
    now: () => t,
  });
  if (!rl) throw new Error("no limiter");
  return {
    rl,
    advance(ms: number) {
      t += ms;
    },
    run: (c: MessageContext) => rl.inspect(msg, c),
  };
}

describe("ratelimit", () => {
  test("lets a burst through, then refuses with RATE_LIMITED and the seconds to wait", () => {
    const { run } = limiter({ rate_limit: { requests_per_second: 0.5, burst: 2 } });
    const c = ctx(who("alice"));
    expect([run(c).kind, run(c).kind]).toEqual(["pass", "pass"]);
    expect(run(c)).toEqual({
      kind: "block",
      code: ErrorCode.RATE_LIMITED,
      reason: "Rate limit exceeded; retry after 2 s",
      rule: "rate_limit",
    });
  });

  test("refills tokens as the injected clock advances", () => {
    const { run, advance } = limiter({ rate_limit: { requests_per_second: 2, burst: 1 } });
    const c = ctx(who("alice"));
    expect(run(c).kind).toBe("pass");
    expect(run(c).kind).toBe("block");
    advance(499);
    expect(run(c).kind).toBe("block");
    advance(1);
    expect(run(c).kind).toBe("pass");
  });

  test("keeps one bucket per subject, and per client address for anonymous callers", () => {
    const { run } = limiter({ rate_limit: { requests_per_second: 1, burst: 1 } });
    expect(run(ctx(who("alice"))).kind).toBe("pass");
    expect(run(ctx(who("alice"))).kind).toBe("block");
    expect(run(ctx(who("bob"))).kind).toBe("pass");
    expect(run(ctx(who("anonymous", "anonymous", "192.0.2.1"))).kind).toBe("pass");
    expect(run(ctx(who("anonymous", "anonymous", "192.0.2.1"))).kind).toBe("block");
    expect(run(ctx(who("anonymous", "anonymous", "192.0.2.2"))).kind).toBe("pass");
  });

  test("limits tools/call per caller and tool, leaving other tools and methods alone", () => {
    const { run } = limiter({ tool_rate_limit: { requests_per_minute: 6, burst: 1 } });
    const a = who("alice");
    expect(run(ctx(a)).kind).toBe("pass");
    expect(run(ctx(a))).toEqual({
      kind: "block",
      code: ErrorCode.RATE_LIMITED,
      reason: "Rate limit exceeded for tool echo; retry after 10 s",
      rule: "tool_rate_limit",
    });
    expect(run(ctx(a, { target: "other" })).kind).toBe("pass");
    expect(run(ctx(who("bob"))).kind).toBe("pass");
    expect(run(ctx(a, { method: "tools/list", target: undefined })).kind).toBe("pass");
  });

  test("shares one bucket per upstream between all callers, with * for unnamed upstreams", () => {
    const { run } = limiter({
      rate_limit: {
        upstreams: { fs: { requests_per_second: 1, burst: 1 }, "*": { requests_per_second: 1, burst: 2 } },
      },
    });
    expect(run(ctx(who("alice"), { upstream: "fs" })).kind).toBe("pass");
    const r = run(ctx(who("bob"), { upstream: "fs" }));
    expect(r.kind === "block" && r.rule).toBe("upstream_rate_limit");
    expect(run(ctx(who("bob"), { upstream: "web" })).kind).toBe("pass");
    expect(run(ctx(who("bob"), { upstream: "web" })).kind).toBe("pass");
    expect(run(ctx(who("bob"), { upstream: "web" })).kind).toBe("block");
  });

  test("a request refused by one bucket takes nothing from the others", () => {
    const { run } = limiter({
      rate_limit: { requests_per_second: 1, burst: 2 },
      tool_rate_limit: { requests_per_minute: 1, burst: 1 },
    });
    const a = who("alice");
    expect(run(ctx(a)).kind).toBe("pass");
    expect(run(ctx(a)).kind).toBe("block"); // tool bucket empty: caller bucket keeps its token
    expect(run(ctx(a, { method: "ping", target: undefined })).kind).toBe("pass");
  });

  test("applies to client requests only", () => {
    const { rl } = limiter({ rate_limit: { requests_per_second: 1 } });
    expect(rl.applies(ctx(who("a")))).toBe(true);
    expect(rl.applies(ctx(who("a"), { direction: "s2c" }))).toBe(false);
    expect(rl.applies(ctx(who("a"), { kind: "notification" }))).toBe(false);
    expect(rl.applies(ctx(who("a"), { kind: "response" }))).toBe(false);
  });

  test("collects idle buckets once they have refilled", () => {
    const { rl, run, advance } = limiter({
      rate_limit: { requests_per_second: 1, burst: 5 },
      tool_rate_limit: { requests_per_minute: 60 },
    });
    for (let i = 0; i < 50; i++) run(ctx(who(`user-${i}`)));
    expect(rl.sizes()).toEqual({ caller: 50, tool: 50, upstream: 0 });
    advance(500);
    rl.sweep();
    expect(rl.sizes().caller).toBe(50); // not yet full again: state must be kept
    advance(SWEEP_INTERVAL_MS);
    run(ctx(who("late")));
    expect(rl.sizes()).toEqual({ caller: 1, tool: 1, upstream: 0 });
  });

  test("never holds more buckets than max_buckets", () => {
    const { rl, run } = limiter({ rate_limit: { requests_per_second: 1, burst: 1, max_buckets: 100 } });
    for (let i = 0; i < 1000; i++) run(ctx(who(`user-${i}`)));
    expect(rl.sizes().caller).toBeLessThanOrEqual(100);
  });

  test("is off without limits, and first in the compiled chain when configured", () => {
    expect(createRateLimitInterceptor({ rateLimit: undefined, toolRateLimit: undefined })).toBeNull();
    expect(
      createRateLimitInterceptor({
        rateLimit: ConfigSchema.parse({ rate_limit: {} }).rate_limit,
        toolRateLimit: undefined,
      }),
    ).toBeNull();
    const runtime = compileRuntime(ConfigSchema.parse({ rate_limit: { requests_per_second: 5 } }), silentLogger);
    expect(runtime.links[0]?.interceptor.name).toBe("ratelimit");
    expect(
      compileRuntime(ConfigSchema.parse({}), silentLogger).links.some((l) => l.interceptor.name === "ratelimit"),
    ).toBe(false);
  });
});

describe("ratelimit across rebuilds", () => {
  test("a rebuilt interceptor with the same limits keeps the counts; a changed limit starts afresh", () => {
    const store = new BucketStore();
    const cfg = (rps: number) => ConfigSchema.parse({ rate_limit: { requests_per_second: rps, burst: 1 } }).rate_limit;
    const t = 5_000;
    const build = (rps: number) => {
      const rl = createRateLimitInterceptor({ rateLimit: cfg(rps), toolRateLimit: undefined, now: () => t, store });
      if (!rl) throw new Error("no limiter");
      return rl;
    };
    const c = ctx(who("alice"));
    expect(build(0.1).inspect(msg, c).kind).toBe("pass");
    expect(build(0.1).inspect(msg, c).kind).toBe("block");
    expect(build(0.2).inspect(msg, c).kind).toBe("pass");
  });
});
