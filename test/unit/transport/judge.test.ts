/**
 * judgeFrame: one frame in, what each peer receives. Uses the real chain and the real policy
 * interceptor, and a recording audit sink (the AuditSink interface is a sink by design).
 */
import { describe, expect, test } from "bun:test";
import type { AuditEvent, AuditSink } from "../../../src/audit/sink.ts";
import { compileChain } from "../../../src/chain/index.ts";
import { loadYaml } from "../../../src/config/index.ts";
import { createPolicyInterceptor, PolicySchema } from "../../../src/interceptors/policy/index.ts";
import { Session } from "../../../src/session/index.ts";
import { type JudgeDeps, type Judged, judgeFrame, judgeUndecodable } from "../../../src/transport/judge.ts";

const policy = loadYaml(
  `version: v1
rules:
  - name: no-exec
    match: { methods: ["tools/call"], tools: ["exec_*"] }
    action: deny
  - name: no-progress
    match: { methods: ["notifications/progress"] }
    action: deny
  - name: rest
    match: { methods: ["*"] }
    action: allow
`,
  PolicySchema,
  "policy.yaml",
  {},
);

function setup(enforce = true) {
  const events: AuditEvent[] = [];
  const audit: AuditSink = {
    record: (ev) => {
      events.push(ev);
      return true;
    },
    refusing: false,
    flush: async () => {},
    close: async () => {},
  };
  const chain = compileChain([
    { interceptor: createPolicyInterceptor(policy), mode: "enforce", failMode: "closed", timeoutMs: 1000 },
  ]);
  const deps: JudgeDeps = { chain, audit, enforce, maxBatch: 10, maxDepth: 16 };
  const session = new Session("s", null, "up");
  return { deps, session, events };
}

const sync = (j: Judged | Promise<Judged>): Judged => {
  expect(j instanceof Promise).toBe(false);
  return j as Judged;
};
const json = (s: string | null) => (s === null ? null : JSON.parse(s));

describe("judgeFrame", () => {
  test("a value the caller parsed already is judged as the text would be, and is what the chain sees", () => {
    const texts = [
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}',
      '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"exec_shell"}}',
      `{"jsonrpc":"2.0","id":3,"method":"m","params":${"[".repeat(20)}${"]".repeat(20)}}`,
    ];
    for (const text of texts) {
      const a = setup();
      const b = setup();
      const value = JSON.parse(text);
      const given = sync(judgeFrame(a.deps, a.session, "c2s", text, text.length, value));
      expect(given).toEqual(sync(judgeFrame(b.deps, b.session, "c2s", text, text.length)));
      expect(a.events.map((e) => e.result.action)).toEqual(b.events.map((e) => e.result.action));
      // Not too deep: the chain got the caller's object itself, not a second parse of the text.
      if (!given.invalid) expect(a.events[0]!.message).toBe(value);
    }
  });

  test("an allowed request forwards the original bytes, synchronously, and is audited", () => {
    const { deps, session, events } = setup();
    const text = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}';
    const j = sync(judgeFrame(deps, session, "c2s", text, text.length));
    expect(j).toEqual({ toRecipient: "original", toSender: null, actions: ["pass"] });
    expect(events).toHaveLength(1);
    expect(events[0]!.ctx.method).toBe("tools/call");
  });

  test("a denied request is answered to the sender with its id and not forwarded", () => {
    const { deps, session } = setup();
    const text = '{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"exec_command"}}';
    const j = sync(judgeFrame(deps, session, "c2s", text, text.length));
    expect(j.toRecipient).toBeNull();
    expect(json(j.toSender)).toMatchObject({ id: "a", error: { code: -32602 } });
    expect(j.actions).toEqual(["block"]);
    // The request is not pending: nothing waits for the server's answer.
    expect(session.pendingFromClient()).toEqual([]);
  });

  test("a denied notification is dropped without an answer", () => {
    const { deps, session } = setup();
    const text = '{"jsonrpc":"2.0","method":"notifications/progress","params":{}}';
    expect(sync(judgeFrame(deps, session, "c2s", text, text.length))).toEqual({
      toRecipient: null,
      toSender: null,
      actions: ["block"],
    });
  });

  test("a server response is correlated with the request it answers", () => {
    const { deps, session, events } = setup();
    const req = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}}';
    judgeFrame(deps, session, "c2s", req, req.length);
    const res = '{"jsonrpc":"2.0","id":7,"result":{"content":[]}}';
    expect(sync(judgeFrame(deps, session, "s2c", res, res.length)).toRecipient).toBe("original");
    expect(events[1]!.ctx.method).toBe("tools/call");
    expect(events[1]!.ctx.target).toBe("echo");
    expect(session.pendingFromClient()).toEqual([]);
  });

  test("invalid frames: c2s request-looking gets an error, s2c garbage is dropped, both say why and are audited", () => {
    const { deps, session, events } = setup();
    const c2s = sync(judgeFrame(deps, session, "c2s", '{"jsonrpc":"2.0","id":3,"method":', 30));
    expect(json(c2s.toSender)).toEqual({
      jsonrpc: "2.0",
      id: 3,
      error: { code: -32700, message: "Parse error: invalid JSON" },
    });
    expect(c2s.invalid).toBe("Parse error: invalid JSON");
    const s2c = sync(judgeFrame(deps, session, "s2c", "garbage", 7));
    expect(s2c).toMatchObject({ toRecipient: null, toSender: null, actions: ["block"] });
    expect(events.map((e) => e.invalid?.reason)).toEqual(["Parse error: invalid JSON", "Parse error: invalid JSON"]);
  });

  test("a malformed server response to a pending request reaches the client as an error for its id", () => {
    const { deps, session } = setup();
    const req = '{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"echo"}}';
    judgeFrame(deps, session, "c2s", req, req.length);
    const bad = '{"jsonrpc":"2.0","id":12,"resul":{}}';
    const j = sync(judgeFrame(deps, session, "s2c", bad, bad.length));
    expect(json(j.toRecipient)).toEqual({
      jsonrpc: "2.0",
      id: 12,
      error: {
        code: -32012,
        message: "MCP server sent an invalid response: a response needs exactly one of result or error",
      },
    });
    expect(j.toSender).toBeNull();
    expect(session.pendingFromClient()).toEqual([]);
  });

  test("a malformed client answer to a server request reaches the server as an error for its id", () => {
    const { deps, session } = setup();
    const req = '{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{}}';
    judgeFrame(deps, session, "s2c", req, req.length);
    const bad = '{"jsonrpc":"2.0","id":"s1","error":"nope"}';
    const j = sync(judgeFrame(deps, session, "c2s", bad, bad.length));
    expect(json(j.toRecipient)).toMatchObject({ id: "s1", error: { code: -32600 } });
  });

  test("a malformed response nobody waits for is dropped", () => {
    const { deps, session } = setup();
    const bad = '{"jsonrpc":"2.0","id":99,"resul":{}}';
    const j = sync(judgeFrame(deps, session, "s2c", bad, bad.length));
    expect(j.toRecipient).toBeNull();
    // Not a request either: nothing goes back to the server.
    expect(j.toSender).toBeNull();
  });

  test("a frame that is not UTF-8 is refused with its id in enforce mode and audited", () => {
    const { deps, session, events } = setup();
    const j = judgeUndecodable(
      deps,
      session,
      "c2s",
      '{"jsonrpc":"2.0","id":5,"method":"x","params":{"a":"\uFFFD"}}',
      50,
    );
    expect(j.toRecipient).toBeNull();
    expect(json(j.toSender)).toEqual({
      jsonrpc: "2.0",
      id: 5,
      error: { code: -32700, message: "Parse error: invalid UTF-8" },
    });
    expect(events[0]!.invalid).toEqual({ reason: "Parse error: invalid UTF-8", size: 50 });
  });

  test("a server response that is not UTF-8 settles its pending request with an error; nothing goes back to the server", () => {
    const { deps, session } = setup();
    const call = '{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"echo","arguments":{}}}';
    judgeFrame(deps, session, "c2s", call, call.length);
    const lossy = '{"jsonrpc":"2.0","id":14,"result":{"content":[{"type":"text","text":"\uFFFD"}]}}';
    const j = judgeUndecodable(deps, session, "s2c", lossy, 70);
    expect(json(j.toRecipient)).toEqual({
      jsonrpc: "2.0",
      id: 14,
      error: { code: -32012, message: "MCP server sent an invalid response: Parse error: invalid UTF-8" },
    });
    expect(j.toSender).toBeNull();
    expect(session.pendingFromClient()).toEqual([]);
  });

  test("in audit mode an invalid frame is forwarded as it came and recorded as would_block", () => {
    const { deps, session } = setup(false);
    expect(sync(judgeFrame(deps, session, "s2c", "garbage", 7))).toMatchObject({
      toRecipient: "original",
      actions: ["would_block"],
    });
  });

  test("a message nested deeper than maxDepth is refused with MESSAGE_TOO_LARGE", () => {
    const { deps, session } = setup();
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = [deep];
    const text = JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "echo", x: deep } });
    const j = sync(judgeFrame(deps, session, "c2s", text, text.length));
    expect(json(j.toSender)).toMatchObject({ id: 9, error: { code: -32014 } });
  });

  test("a 2025-03-26 batch keeps order, forwards allowed elements and answers denied ones", () => {
    const { deps, session } = setup();
    session.protocolVersion = "2025-03-26";
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "exec_x" } },
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
    ];
    const text = JSON.stringify(batch);
    const j = sync(judgeFrame(deps, session, "c2s", text, text.length));
    expect(json(j.toRecipient)).toEqual([batch[0], batch[2]]);
    expect(json(j.toSender)).toMatchObject([{ id: 2, error: { code: -32602 } }]);
    expect(j.actions).toEqual(["pass", "block", "pass"]);
  });

  test("a batch whose elements all pass is forwarded as the original bytes", () => {
    const { deps, session } = setup();
    session.protocolVersion = "2025-03-26";
    const text = '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]';
    expect(sync(judgeFrame(deps, session, "c2s", text, text.length)).toRecipient).toBe("original");
  });
});
