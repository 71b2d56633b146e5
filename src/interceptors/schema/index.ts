/**
 * The `schema` interceptor: validates `tools/call` arguments against the inputSchema the server
 * advertised in this session's `tools/list` result.
 *
 * - s2c `tools/list` responses: each tool's inputSchema is remembered in the session slot (by
 *   hash; the compiled validator is shared by all sessions through a bounded LRU).
 *   `notifications/tools/list_changed` marks the catalogue stale, so the next listing replaces it.
 * - c2s `tools/call`: arguments that violate the schema are refused as a tool execution error
 *   (`isError: true`, MCP 2025-11-25); a tool never listed is refused when `reject_unknown_tools`.
 */
import type { Finding, Interceptor, MessageContext, Verdict } from "../../chain/types.ts";
import { PASS } from "../../chain/types.ts";
import { ErrorCode } from "../../jsonrpc/errors.ts";
import { type JsonRpcMessage, paramsObject } from "../../jsonrpc/message.ts";
import type { SchemaConfig } from "./schema.ts";
import { schemaHash, ValidatorCache, violations, warmUp } from "./validator.ts";

export { type SchemaConfig, SchemaConfigSchema } from "./schema.ts";
export { closeObjects, compile, schemaHash, ValidatorCache } from "./validator.ts";

const NAME = "schema";
/** Most tools remembered per session. */
const MAX_TOOLS = 10_000;
/** Most upstreams whose latest listing is kept for sessions without one of their own. */
const MAX_UPSTREAMS = 256;

interface AdvertisedTool {
  /** Hash of the schema text, or null when the schema was too large or not JSON. */
  readonly hash: string | null;
  readonly schema: unknown;
}

/** Per-session catalogue (ctx.session.slots.get("schema")). */
interface Catalogue {
  tools: Map<string, AdvertisedTool>;
  /** Set by notifications/tools/list_changed: the next tools/list result starts a new catalogue. */
  stale: boolean;
}

function catalogueOf(ctx: MessageContext): Catalogue {
  let c = ctx.session.slots.get(NAME) as Catalogue | undefined;
  if (!c) {
    c = { tools: new Map(), stale: false };
    ctx.session.slots.set(NAME, c);
  }
  return c;
}

function tooLong(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function createSchemaInterceptor(config: SchemaConfig): Interceptor {
  const cache = new ValidatorCache(config.cache_size);
  warmUp();
  /**
   * The latest listing per upstream. The stateless 2026-07-28 era opens a session per request, so
   * a tools/call there never shares a session with the tools/list that described it: such a call
   * is checked against the latest listing from the same upstream.
   */
  const byUpstream = new Map<string, Catalogue>();

  function upstreamCatalogue(upstream: string): Catalogue {
    let c = byUpstream.get(upstream);
    if (!c) {
      if (byUpstream.size >= MAX_UPSTREAMS) byUpstream.delete(byUpstream.keys().next().value!);
      c = { tools: new Map(), stale: false };
      byUpstream.set(upstream, c);
    }
    return c;
  }

  function remember(msg: JsonRpcMessage, ctx: MessageContext): Verdict {
    const result = (msg as { result?: unknown }).result;
    const tools = (result as { tools?: unknown } | undefined)?.tools;
    if (!Array.isArray(tools)) return PASS;
    const session = catalogueOf(ctx);
    const shared = upstreamCatalogue(ctx.upstream);
    for (const catalogue of [session, shared]) {
      if (catalogue.stale) {
        catalogue.tools = new Map();
        catalogue.stale = false;
      }
    }
    for (const tool of tools) {
      if (typeof tool !== "object" || tool === null) continue;
      const { name, inputSchema } = tool as { name?: unknown; inputSchema?: unknown };
      if (typeof name !== "string") continue;
      if (!session.tools.has(name) && session.tools.size >= MAX_TOOLS) break;
      let json: string | undefined;
      try {
        json = JSON.stringify(inputSchema);
      } catch {
        json = undefined;
      }
      const hash =
        json !== undefined && json.length <= config.max_schema_bytes ? schemaHash(json, config.strict) : null;
      const advertised = { hash, schema: inputSchema };
      session.tools.set(name, advertised);
      if (shared.tools.has(name) || shared.tools.size < MAX_TOOLS) shared.tools.set(name, advertised);
    }
    return PASS;
  }

  function check(msg: JsonRpcMessage, ctx: MessageContext): Verdict {
    const params = paramsObject(msg);
    const name = params?.name;
    if (typeof name !== "string") return PASS; // malformed calls are the server's (and policy's) to refuse
    const own = ctx.session.slots.get(NAME) as Catalogue | undefined;
    const catalogue = own && own.tools.size > 0 ? own : byUpstream.get(ctx.upstream);
    const tool = catalogue?.tools.get(name);
    if (!tool) {
      if (!config.reject_unknown_tools) return PASS;
      return {
        kind: "block",
        code: ErrorCode.INVALID_PARAMS,
        reason: `Unknown tool: ${tooLong(name)}`,
        rule: "schema:unknown_tool",
        findings: [{ detector: NAME, signal: "unknown_tool", where: "params.name", score: 0.5, severity: "medium" }],
      };
    }
    const compiled = tool.hash === null ? null : cache.get(tool.hash, tool.schema, config.strict);
    if (compiled === null || compiled.validate === null) {
      const why = compiled?.error ?? `inputSchema larger than ${config.max_schema_bytes} bytes`;
      const finding: Finding = {
        detector: NAME,
        signal: "invalid_schema",
        where: "params.name",
        excerpt: tooLong(why, 160),
        score: 0.3,
        severity: "low",
      };
      if (config.invalid_schema === "allow")
        return { kind: "pass", rule: "schema:invalid_schema", findings: [finding] };
      return {
        kind: "block",
        code: ErrorCode.INVALID_PARAMS,
        reason: `Tool ${tooLong(name)} advertises an inputSchema that cannot be checked: ${tooLong(why, 160)}`,
        rule: "schema:invalid_schema",
        asToolError: true,
        findings: [finding],
      };
    }
    const args = params?.arguments === undefined ? {} : params.arguments;
    if (compiled.validate(args)) return PASS;
    const problems = violations(compiled.validate.errors);
    const detail = problems.map((p) => `${p.path === "" ? "arguments" : `arguments${p.path}`} ${p.message}`).join("; ");
    return {
      kind: "block",
      code: ErrorCode.INVALID_PARAMS,
      reason: `Invalid arguments for tool ${tooLong(name)}: ${tooLong(detail, 400)}`,
      rule: "schema:invalid_arguments",
      asToolError: true,
      findings: problems.map((p) => ({
        detector: NAME,
        signal: "invalid_arguments",
        where: `params.arguments${p.path.replace(/\//g, ".")}`,
        excerpt: tooLong(p.message, 160),
        score: 0.5,
        severity: "medium" as const,
      })),
    };
  }

  return {
    name: NAME,
    applies(ctx) {
      if (ctx.direction === "c2s") return ctx.kind === "request" && ctx.method === "tools/call";
      if (ctx.kind === "response") return ctx.method === "tools/list";
      return ctx.kind === "notification" && ctx.method === "notifications/tools/list_changed";
    },
    inspect(msg, ctx) {
      if (ctx.direction === "c2s") return check(msg, ctx);
      if (ctx.kind === "notification") {
        catalogueOf(ctx).stale = true;
        upstreamCatalogue(ctx.upstream).stale = true;
        return PASS;
      }
      return remember(msg, ctx);
    },
  };
}
