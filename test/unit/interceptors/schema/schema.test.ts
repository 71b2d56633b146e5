import { describe, expect, test } from "bun:test";
import { deliver } from "../../../../src/chain/deliver.ts";
import { compileChain } from "../../../../src/chain/pipeline.ts";
import type { ChainResult, Direction, InterceptorMode } from "../../../../src/chain/types.ts";
import { ConfigSchema } from "../../../../src/config/schema.ts";
import { createSchemaInterceptor } from "../../../../src/interceptors/schema/index.ts";
import { SchemaConfigSchema } from "../../../../src/interceptors/schema/schema.ts";
import { closeObjects, compile, ValidatorCache } from "../../../../src/interceptors/schema/validator.ts";
import { ErrorCode } from "../../../../src/jsonrpc/errors.ts";
import { type JsonRpcMessage, kindOf } from "../../../../src/jsonrpc/message.ts";
import { buildContext } from "../../../../src/session/context.ts";
import { Session } from "../../../../src/session/session.ts";

const TOOLS = [
  {
    name: "get_weather",
    inputSchema: {
      type: "object",
      properties: { city: { type: "string", minLength: 1 }, days: { type: "integer", minimum: 1, maximum: 14 } },
      required: ["city"],
    },
  },
  {
    name: "draft07_tool",
    inputSchema: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      definitions: { unit: { enum: ["c", "f"] } },
      properties: { unit: { $ref: "#/definitions/unit" }, tags: { type: "array", items: { type: "string" } } },
      required: ["unit"],
    },
  },
  {
    name: "modern_tool",
    inputSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      $defs: { point: { type: "array", prefixItems: [{ type: "number" }, { type: "number" }], items: false } },
      properties: { at: { $ref: "#/$defs/point" } },
      required: ["at"],
    },
  },
  { name: "redos_tool", inputSchema: { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } } },
  { name: "broken_tool", inputSchema: { type: "object", properties: { a: { type: "no-such-type" } } } },
  { name: "no_args", inputSchema: { type: "object" } },
];

function gateway(config: Record<string, unknown> = {}, mode: InterceptorMode = "enforce") {
  const interceptor = createSchemaInterceptor(SchemaConfigSchema.parse(config));
  const run = compileChain([{ interceptor, mode, failMode: "closed", timeoutMs: 1000 }]);
  let id = 0;
  const session = new Session("s1", null, "up");
  const judge = (direction: Direction, msg: JsonRpcMessage): ChainResult =>
    run(msg, buildContext(session, direction, msg, kindOf(msg), 0)) as ChainResult;
  return {
    list(tools: unknown[] = TOOLS) {
      const reqId = ++id;
      judge("c2s", { jsonrpc: "2.0", id: reqId, method: "tools/list" });
      return judge("s2c", { jsonrpc: "2.0", id: reqId, result: { tools } });
    },
    call(name: string, args?: unknown) {
      const msg: JsonRpcMessage = {
        jsonrpc: "2.0",
        id: ++id,
        method: "tools/call",
        params: args === undefined ? { name } : { name, arguments: args },
      };
      return judge("c2s", msg);
    },
    notify(method: string) {
      return judge("s2c", { jsonrpc: "2.0", method });
    },
  };
}

describe("schema: arguments against the advertised inputSchema", () => {
  test("tools/list passes through unchanged while the schemas are remembered", () => {
    const g = gateway();
    expect(g.list().action).toBe("pass");
    expect(g.call("get_weather", { city: "Oslo", days: 3 }).action).toBe("pass");
  });

  test("a violation is refused as a tool execution error naming the problem", () => {
    const g = gateway();
    g.list();
    const r = g.call("get_weather", { city: "Oslo", days: 30 });
    expect(r.action).toBe("block");
    expect(r.block?.asToolError).toBe(true);
    expect(r.block?.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(r.reason).toContain("arguments/days must be <= 14");
    const d = deliver(r, "request");
    expect(d).toEqual({
      kind: "reply",
      message: {
        jsonrpc: "2.0",
        id: 2,
        result: { content: [{ type: "text", text: r.reason! }], isError: true, resultType: "complete" },
      },
    });
    expect(r.findings[0]).toMatchObject({
      detector: "schema",
      signal: "invalid_arguments",
      where: "params.arguments.days",
    });
  });

  test("missing arguments are validated as an empty object", () => {
    const g = gateway();
    g.list();
    const r = g.call("get_weather");
    expect(r.action).toBe("block");
    expect(r.reason).toContain('missing required property "city"');
    expect(g.call("no_args").action).toBe("pass");
  });

  test("arguments that are not an object are refused", () => {
    const g = gateway();
    g.list();
    expect(g.call("get_weather", ["Oslo"]).action).toBe("block");
  });

  test("draft-07 schemas with definitions and $ref are honoured", () => {
    const g = gateway();
    g.list();
    expect(g.call("draft07_tool", { unit: "c", tags: ["x"] }).action).toBe("pass");
    expect(g.call("draft07_tool", { unit: "k" }).action).toBe("block");
    expect(g.call("draft07_tool", { unit: "c", tags: [1] }).action).toBe("block");
  });

  test("2020-12 schemas with $defs and prefixItems are honoured", () => {
    const g = gateway();
    g.list();
    expect(g.call("modern_tool", { at: [1, 2] }).action).toBe("pass");
    expect(g.call("modern_tool", { at: [1, 2, 3] }).action).toBe("block");
    expect(g.call("modern_tool", { at: ["a", 2] }).action).toBe("block");
  });

  test("unknown properties pass by default and are refused with strict: true", () => {
    expect(
      (() => {
        const g = gateway();
        g.list();
        return g.call("get_weather", { city: "Oslo", extra: 1 }).action;
      })(),
    ).toBe("pass");
    const g = gateway({ strict: true });
    g.list();
    const r = g.call("get_weather", { city: "Oslo", extra: 1 });
    expect(r.action).toBe("block");
    expect(r.reason).toContain('unknown property "extra"');
    expect(g.call("draft07_tool", { unit: "c", tags: [] }).action).toBe("pass");
  });

  test("a tool the server never listed passes unless reject_unknown_tools is set", () => {
    const open = gateway();
    open.list();
    expect(open.call("delete_everything", {}).action).toBe("pass");
    const closed = gateway({ reject_unknown_tools: true });
    expect(closed.call("get_weather", { city: "Oslo" }).action).toBe("block"); // nothing listed yet
    closed.list();
    const r = closed.call("delete_everything", {});
    expect(r.action).toBe("block");
    expect(r.block?.asToolError).toBeUndefined();
    expect(r.block?.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(r.reason).toBe("Unknown tool: delete_everything");
  });

  test("after notifications/tools/list_changed the next listing replaces the catalogue", () => {
    const g = gateway({ reject_unknown_tools: true });
    g.list();
    expect(g.call("no_args", {}).action).toBe("pass");
    g.notify("notifications/tools/list_changed");
    g.list([TOOLS[0]]);
    expect(g.call("no_args", {}).action).toBe("block");
    expect(g.call("get_weather", { city: "Oslo" }).action).toBe("pass");
  });

  test("a later listing replaces a tool's schema (rug pull of the inputSchema)", () => {
    const g = gateway();
    g.list();
    g.list([{ name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "number" } } } }]);
    expect(g.call("get_weather", { city: "Oslo" }).action).toBe("block");
  });

  test("server patterns prone to catastrophic backtracking are not evaluated", () => {
    const g = gateway();
    g.list();
    expect(g.call("redos_tool", { s: `${"a".repeat(50_000)}!` }).action).toBe("pass");
  });

  test("a schema that does not compile is allowed with a finding, or refused when configured", () => {
    const g = gateway();
    g.list();
    const allowed = g.call("broken_tool", { a: 1 });
    expect(allowed.action).toBe("pass");
    expect(allowed.findings[0]?.signal).toBe("invalid_schema");
    const strict = gateway({ invalid_schema: "block" });
    strict.list();
    const r = strict.call("broken_tool", { a: 1 });
    expect(r.action).toBe("block");
    expect(r.block?.asToolError).toBe(true);
  });

  test("in audit mode a violation is recorded as would_block and the call goes through", () => {
    const g = gateway({}, "audit");
    g.list();
    const r = g.call("get_weather", { days: "many" });
    expect(r.action).toBe("would_block");
    expect(deliver(r, "request").kind).toBe("forward-original");
  });
});

describe("sessions without a listing of their own (stateless 2026-07-28 requests)", () => {
  test("are checked against the latest listing from the same upstream, never another upstream's", () => {
    const interceptor = createSchemaInterceptor(SchemaConfigSchema.parse({ reject_unknown_tools: true }));
    const run = compileChain([{ interceptor, mode: "enforce", failMode: "closed", timeoutMs: 1000 }]);
    const judge = (session: Session, d: Direction, m: JsonRpcMessage) =>
      run(m, buildContext(session, d, m, kindOf(m), 0)) as ChainResult;
    const lister = new Session("s-list", null, "weather");
    judge(lister, "c2s", { jsonrpc: "2.0", id: 1, method: "tools/list" });
    judge(lister, "s2c", { jsonrpc: "2.0", id: 1, result: { tools: [TOOLS[0]] } });
    const callIn = (session: Session, args: unknown) =>
      judge(session, "c2s", {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "get_weather", arguments: args },
      });
    expect(callIn(new Session("s-call-1", null, "weather"), { city: "Oslo" }).action).toBe("pass");
    expect(callIn(new Session("s-call-2", null, "weather"), { city: 7 }).action).toBe("block");
    const elsewhere = callIn(new Session("s-call-3", null, "maps"), { city: "Oslo" });
    expect(elsewhere.action).toBe("block");
    expect(elsewhere.reason).toBe("Unknown tool: get_weather");
  });
});

describe("compiled validators", () => {
  test("are compiled once per distinct schema and evicted beyond the cache size", () => {
    const cache = new ValidatorCache(2);
    const a = cache.get("a", { type: "string" }, false);
    expect(cache.get("a", { type: "string" }, false)).toBe(a);
    cache.get("b", { type: "number" }, false);
    cache.get("c", { type: "boolean" }, false);
    expect(cache.size).toBe(2);
    expect(cache.get("a", { type: "string" }, false)).not.toBe(a);
  });

  test("the same schema in two sessions shares one compiled validator", () => {
    const interceptorConfig = SchemaConfigSchema.parse({ cache_size: 1 });
    const interceptor = createSchemaInterceptor(interceptorConfig);
    const run = compileChain([{ interceptor, mode: "enforce", failMode: "closed", timeoutMs: 1000 }]);
    for (const sid of ["s1", "s2"]) {
      const session = new Session(sid, null, "up");
      const j = (d: Direction, m: JsonRpcMessage) => run(m, buildContext(session, d, m, kindOf(m), 0)) as ChainResult;
      j("c2s", { jsonrpc: "2.0", id: 1, method: "tools/list" });
      j("s2c", { jsonrpc: "2.0", id: 1, result: { tools: [TOOLS[0]] } });
      expect(
        j("c2s", { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_weather", arguments: {} } })
          .action,
      ).toBe("block");
    }
  });

  test("closeObjects closes every object that lists properties and leaves open ones alone", () => {
    const closed = closeObjects({
      type: "object",
      properties: { a: { type: "object", properties: { b: {} } }, c: { type: "object", additionalProperties: true } },
    }) as { additionalProperties: boolean; properties: Record<string, { additionalProperties: boolean }> };
    expect(closed.additionalProperties).toBe(false);
    expect(closed.properties.a!.additionalProperties).toBe(false);
    expect(closed.properties.c!.additionalProperties).toBe(true);
  });

  test("a non-object schema is reported, boolean schemas are accepted", () => {
    expect(compile("nope", false).error).toContain("not a JSON Schema");
    expect(compile(true, false).validate?.({ any: 1 })).toBe(true);
  });
});

describe("schema configuration", () => {
  test("is strict and keeps the original's strict key", () => {
    expect(ConfigSchema.parse({ plugins: [{ name: "schema", config: { strict: true } }] }).plugins[0]).toMatchObject({
      name: "schema",
      config: { strict: true, reject_unknown_tools: false },
    });
    expect(() => ConfigSchema.parse({ plugins: [{ name: "schema", config: { stict: true } }] })).toThrow(/stict/);
  });
});
