import { describe, expect, test } from "bun:test";
import {
  type ChainLink,
  type ChainResult,
  compileChain,
  type Interceptor,
  type MessageContext,
  type Verdict,
} from "../../../src/chain/index.ts";
import type { JsonRpcMessage } from "../../../src/jsonrpc/message.ts";
import { buildContext, Session } from "../../../src/session/index.ts";

const REQ: JsonRpcMessage = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } };

function ctxFor(direction: "c2s" | "s2c", msg: JsonRpcMessage = REQ): MessageContext {
  const s = new Session("s1", null, "up");
  return buildContext(s, direction, msg, "method" in msg ? ("id" in msg ? "request" : "notification") : "response", 10);
}

type Behaviour = Verdict | (() => Verdict | Promise<Verdict>);

function link(name: string, b: Behaviour, opts: Partial<Omit<ChainLink, "interceptor">> = {}, seen?: string[]) {
  const interceptor: Interceptor = {
    name,
    applies: () => true,
    inspect(_msg) {
      seen?.push(name);
      return typeof b === "function" ? b() : b;
    },
  };
  return { interceptor, mode: "enforce", failMode: "closed", timeoutMs: 1000, ...opts } as ChainLink;
}

const pass: Verdict = { kind: "pass" };
const block = (rule: string): Verdict => ({ kind: "block", code: -32010, reason: `no (${rule})`, rule });

async function run(links: ChainLink[], direction: "c2s" | "s2c" = "c2s", msg = REQ): Promise<ChainResult> {
  return await compileChain(links)(msg, ctxFor(direction, msg));
}

describe("chain order and precedence", () => {
  test("c2s visits links in config order and s2c in reverse", async () => {
    const seen: string[] = [];
    const links = ["a", "b", "c"].map((n) => link(n, pass, {}, seen));
    await run(links, "c2s");
    expect(seen).toEqual(["a", "b", "c"]);
    seen.length = 0;
    await run(links, "s2c", { jsonrpc: "2.0", id: 1, result: {} });
    expect(seen).toEqual(["c", "b", "a"]);
  });

  test("the first block stops the chain and names who decided", async () => {
    const seen: string[] = [];
    const r = await run([link("a", pass, {}, seen), link("b", block("r1"), {}, seen), link("c", pass, {}, seen)]);
    expect(seen).toEqual(["a", "b"]);
    expect(r.action).toBe("block");
    expect(r.decidedBy).toBe("b");
    expect(r.rule).toBe("r1");
    expect(r.block?.code).toBe(-32010);
    expect(r.trail.map((t) => `${t.name}:${t.kind}`)).toEqual(["a:pass", "b:block"]);
  });

  test("a link whose applies() is false is skipped", async () => {
    const seen: string[] = [];
    const skipped = link("skip", block("x"), {}, seen);
    (skipped.interceptor as unknown as { applies: () => boolean }).applies = () => false;
    const r = await run([skipped, link("b", pass, {}, seen)]);
    expect(r.action).toBe("pass");
    expect(seen).toEqual(["b"]);
  });

  test("modify replaces the message later links see and marks the result modified", async () => {
    const changed: JsonRpcMessage = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "redacted" } };
    let sawByB: JsonRpcMessage | undefined;
    const b: ChainLink = {
      ...link("b", pass),
      interceptor: {
        name: "b",
        applies: () => true,
        inspect: (m) => {
          sawByB = m;
          return pass;
        },
      },
    };
    const r = await run([link("a", { kind: "modify", message: changed, note: "redacted name" }), b]);
    expect(sawByB).toBe(changed);
    expect(r.action).toBe("modify");
    expect(r.modified).toBe(true);
    expect(r.message).toBe(changed);
    expect(r.decidedBy).toBe("a");
  });

  test("all pass keeps the original object and is not modified", async () => {
    const r = await run([link("a", pass), link("b", pass)]);
    expect(r.action).toBe("pass");
    expect(r.modified).toBe(false);
    expect(r.message).toBe(REQ);
  });
});

describe("audit mode", () => {
  test("a block from an audit-mode link is would_block and the chain goes on", async () => {
    const seen: string[] = [];
    const r = await run([link("a", block("r-a"), { mode: "audit" }, seen), link("b", pass, {}, seen)]);
    expect(seen).toEqual(["a", "b"]);
    expect(r.action).toBe("would_block");
    expect(r.decidedBy).toBe("a");
    expect(r.rule).toBe("r-a");
  });

  test("a block with auditOnly is would_block even from an enforce-mode link", async () => {
    const r = await run([link("a", { ...(block("r") as object), auditOnly: true } as Verdict), link("b", pass)]);
    expect(r.action).toBe("would_block");
  });

  test("an enforce block after a would_block still blocks", async () => {
    const r = await run([link("a", block("soft"), { mode: "audit" }), link("b", block("hard"))]);
    expect(r.action).toBe("block");
    expect(r.decidedBy).toBe("b");
    expect(r.trail.map((t) => t.kind)).toEqual(["would_block", "block"]);
  });
});

describe("fail modes", () => {
  const boom = () => {
    throw new Error("bug");
  };
  const rejects = () => Promise.reject(new Error("async bug"));
  const hangs = () => new Promise<Verdict>(() => {});

  test("fail_mode closed turns a throw into an INSPECTION_FAILED block", async () => {
    const errors: string[] = [];
    const r = await compileChain([link("a", boom)], (name) => errors.push(name))(REQ, ctxFor("c2s"));
    expect(r.action).toBe("block");
    expect(r.block).toMatchObject({ code: -32013, reason: "Inspection failed", rule: "fail_closed" });
    expect(errors).toEqual(["a"]);
  });

  test("fail_mode closed turns a rejected promise into a block", async () => {
    const r = await run([link("a", rejects)]);
    expect(r.block).toMatchObject({ code: -32013, reason: "Inspection failed" });
  });

  test("fail_mode closed turns an async timeout into a block that says so", async () => {
    const r = await run([link("a", hangs, { timeoutMs: 20 })]);
    expect(r.block).toMatchObject({ code: -32013, reason: "Inspection timed out" });
  });

  test("fail_mode open records the error and lets the message pass, for throws and timeouts", async () => {
    const r = await run([
      link("a", boom, { failMode: "open" }),
      link("b", hangs, { failMode: "open", timeoutMs: 20 }),
      link("c", pass),
    ]);
    expect(r.action).toBe("pass");
    expect(r.trail.map((t) => `${t.name}:${t.kind}`)).toEqual(["a:error", "b:error", "c:pass"]);
  });

  test("a failure in an audit-mode link with fail_mode closed is only would_block", async () => {
    const r = await run([link("a", boom, { mode: "audit" })]);
    expect(r.action).toBe("would_block");
  });
});

describe("sync fast path", () => {
  test("a chain of synchronous interceptors returns a result, not a Promise", () => {
    const r = compileChain([link("a", pass), link("b", pass)])(REQ, ctxFor("c2s"));
    expect(r instanceof Promise).toBe(false);
    expect((r as ChainResult).action).toBe("pass");
  });

  test("a synchronous block returns synchronously too", () => {
    const r = compileChain([link("a", block("x")), link("b", () => Promise.resolve(pass))])(REQ, ctxFor("c2s"));
    expect(r instanceof Promise).toBe(false);
  });

  test("one asynchronous interceptor makes the result a Promise and later links still run in order", async () => {
    const seen: string[] = [];
    const r = compileChain([
      link("a", pass, {}, seen),
      link("b", () => Promise.resolve(pass), {}, seen),
      link("c", block("late"), {}, seen),
    ])(REQ, ctxFor("c2s"));
    expect(r instanceof Promise).toBe(true);
    expect((await r).decidedBy).toBe("c");
    expect(seen).toEqual(["a", "b", "c"]);
  });
});

describe("links that may run concurrently", () => {
  const RESULT: JsonRpcMessage = { jsonrpc: "2.0", id: 1, result: { content: [] } };
  const finding = (detector: string) => ({ detector, signal: "s", where: "result", score: 0.5 });

  /** A link whose inspect is recorded with the message it saw; `pooled` marks it as going to the pool. */
  function flexible(
    name: string,
    verdict: (msg: JsonRpcMessage) => Verdict | Promise<Verdict>,
    log: { name: string; msg: JsonRpcMessage }[],
    opts: { pooled?: boolean; concurrent?: boolean; modifies?: boolean } = {},
  ): ChainLink {
    const interceptor: Interceptor = {
      name,
      applies: () => true,
      inspect(msg) {
        log.push({ name, msg });
        return verdict(msg);
      },
      mayModify: () => opts.modifies === true,
      ...(opts.concurrent === false ? {} : { concurrent: () => true }),
      ...(opts.pooled ? { offloads: () => true } : {}),
    };
    return { interceptor, mode: "enforce", failMode: "closed", timeoutMs: 1000 } as ChainLink;
  }

  /** A promise settled by hand, to hold a "pooled" link while the chain goes on. */
  function held(): { promise: Promise<Verdict>; settle: (v: Verdict) => void } {
    const { promise, resolve } = Promise.withResolvers<Verdict>();
    return { promise, settle: resolve };
  }

  /** Drops per-run timing so two results can be compared. */
  const comparable = (r: ChainResult) => ({ ...r, durationMs: 0 });

  test("a later link runs on the event loop while the pooled one waits, and the result is the sequential one", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const h = held();
    // s2c: order is reversed, so "first" (last in config) is judged first and goes to the "pool".
    const links = [
      flexible("second", () => ({ kind: "pass", rule: "r2", findings: [finding("second")] }), log),
      flexible("first", () => h.promise, log, { pooled: true }),
    ];
    const pending = compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(pending).toBeInstanceOf(Promise);
    // Both were called before the pooled verdict is known.
    expect(log.map((l) => l.name)).toEqual(["first", "second"]);
    h.settle({ kind: "pass", findings: [finding("first")] });
    const r = await pending;
    const sequential = await compileChain([
      link("second", { kind: "pass", rule: "r2", findings: [finding("second")] }),
      link("first", async () => ({ kind: "pass", findings: [finding("first")] })),
    ])(RESULT, ctxFor("s2c", RESULT));
    expect(comparable(r)).toEqual(comparable(sequential));
    expect(r.findings.map((f) => f.detector)).toEqual(["first", "second"]);
    expect(r.trail.map((t) => t.name)).toEqual(["first", "second"]);
  });

  test("the pooled link is started first even when it comes later in the chain", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const links = [
      flexible("pooled", async () => ({ kind: "pass" }), log, { pooled: true }),
      flexible("cheap", () => ({ kind: "pass" }), log),
    ];
    const r = await compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(log.map((l) => l.name)).toEqual(["pooled", "cheap"]);
    // Verdicts are still applied in chain order (s2c: cheap, then pooled).
    expect(r.trail.map((t) => t.name)).toEqual(["cheap", "pooled"]);
  });

  test("a link that may modify is judged before the later links start: they see the new message, once", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const changed: JsonRpcMessage = { jsonrpc: "2.0", id: 1, result: { content: [], redacted: true } };
    const links = [
      flexible("pooled", async (m) => (m === changed ? { kind: "pass", rule: "saw-new" } : block("stale")), log, {
        pooled: true,
      }),
      flexible("redacts", () => ({ kind: "modify", message: changed, note: "n" }), log, { modifies: true }),
    ];
    const r = await compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(log.map((l) => [l.name, l.msg === changed])).toEqual([
      ["redacts", false],
      ["pooled", true],
    ]);
    expect(r.action).toBe("modify");
    expect(r.message).toBe(changed);
    expect(r.trail).toEqual([
      { name: "redacts", kind: "modify", note: "n", rule: undefined },
      { name: "pooled", kind: "pass", rule: "saw-new" },
    ]);
  });

  test("a link that may modify but passes at once lets the pooled link start in the same call", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const links = [
      flexible("pooled", async () => ({ kind: "pass" }), log, { pooled: true }),
      flexible("may-redact", () => ({ kind: "pass" }), log, { modifies: true }),
    ];
    const pending = compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(log.map((l) => l.name)).toEqual(["may-redact", "pooled"]);
    expect((await pending).trail.map((t) => t.name)).toEqual(["may-redact", "pooled"]);
  });

  test("a link that said it cannot modify and did: the later link is judged again on the new message", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const changed: JsonRpcMessage = { jsonrpc: "2.0", id: 1, result: { content: [], redacted: true } };
    const links = [
      flexible("second", (m) => (m === changed ? { kind: "pass", rule: "saw-new" } : block("stale")), log),
      flexible("first", async () => ({ kind: "modify", message: changed, note: "n" }), log, { pooled: true }),
    ];
    const r = await compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(log.map((l) => [l.name, l.msg === changed])).toEqual([
      ["first", false],
      ["second", false],
      ["second", true],
    ]);
    expect(r.action).toBe("modify");
    expect(r.trail).toEqual([
      { name: "first", kind: "modify", note: "n", rule: undefined },
      { name: "second", kind: "pass", rule: "saw-new" },
    ]);
  });

  test("a block from the pooled link drops what the later link found", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const links = [
      flexible("second", () => ({ kind: "pass", findings: [finding("second")] }), log),
      flexible("first", async () => block("stop"), log, { pooled: true }),
    ];
    const r = await compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(r.action).toBe("block");
    expect(r.decidedBy).toBe("first");
    expect(r.findings).toEqual([]);
    expect(r.trail.map((t) => t.name)).toEqual(["first"]);
  });

  test("a later link that throws early fails closed only in its turn, after an earlier block", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const boom = () => {
      throw new Error("boom");
    };
    const passFirst = [
      flexible("second", boom, log),
      flexible("first", async () => ({ kind: "pass" }), log, { pooled: true }),
    ];
    const r1 = await compileChain(passFirst)(RESULT, ctxFor("s2c", RESULT));
    expect(r1.action).toBe("block");
    expect(r1.decidedBy).toBe("second");
    expect(r1.rule).toBe("fail_closed");
    const blockFirst = [
      flexible("second", boom, log),
      flexible("first", async () => block("first-rule"), log, { pooled: true }),
    ];
    const r2 = await compileChain(blockFirst)(RESULT, ctxFor("s2c", RESULT));
    expect(r2.decidedBy).toBe("first");
    expect(r2.rule).toBe("first-rule");
  });

  test("a pooled link that times out fails closed; a link that may not run early is never called early", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const links = [
      flexible("late", () => ({ kind: "pass" }), log, { concurrent: false }),
      flexible("second", () => ({ kind: "pass" }), log),
      {
        ...flexible("first", () => new Promise<Verdict>(() => {}), log, { pooled: true }),
        timeoutMs: 30,
      },
    ];
    const r = await compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(r.action).toBe("block");
    expect(r.reason).toBe("Inspection timed out");
    expect(log.map((l) => l.name)).toEqual(["first", "second"]);
  });

  test("without a pooled link the chain judges one link after the other", async () => {
    const log: { name: string; msg: JsonRpcMessage }[] = [];
    const h = held();
    const links = [flexible("second", () => ({ kind: "pass" }), log), flexible("first", () => h.promise, log)];
    const pending = compileChain(links)(RESULT, ctxFor("s2c", RESULT));
    expect(log.map((l) => l.name)).toEqual(["first"]);
    h.settle({ kind: "pass" });
    await pending;
    expect(log.map((l) => l.name)).toEqual(["first", "second"]);
  });
});
