/**
 * Protocol revision 2026-07-28 at the HTTP edge: body-primary era classification, the
 * `Mcp-Method` / `Mcp-Name` / `MCP-Protocol-Version` cross-checks (mismatch → HTTP 400 with the
 * spec's HeaderMismatch code -32020), and `Mcp-Param-*` headers recomputed from the tool's
 * `x-mcp-header` declarations when an interceptor rewrote the arguments.
 */

export const FIRST_MODERN_VERSION = "2026-07-28";
export const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";
/** SEP-2243 HeaderMismatch: the request's headers and body disagree. */
export const HEADER_MISMATCH = -32020;
const PARAM_PREFIX = "mcp-param-";
const SENTINEL_PREFIX = "=?base64?";
const SENTINEL_SUFFIX = "?=";
const BASE64_CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Header-safe as is: visible ASCII and inner spaces, no leading/trailing whitespace. */
const PLAIN_HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Which body field `Mcp-Name` mirrors, per method. */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

export function isModernVersion(v: string | null | undefined): boolean {
  return typeof v === "string" && v >= FIRST_MODERN_VERSION;
}

/** The body's facts the edge needs; parsed once, only when the body may claim the modern era. */
export interface BodyFacts {
  readonly method: string | undefined;
  readonly params: Record<string, unknown> | undefined;
  readonly claim: string | undefined;
}

export function bodyFacts(value: unknown): BodyFacts | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const method = typeof o.method === "string" ? o.method : undefined;
  const params =
    typeof o.params === "object" && o.params !== null && !Array.isArray(o.params)
      ? (o.params as Record<string, unknown>)
      : undefined;
  const meta = params?._meta;
  const claimRaw =
    typeof meta === "object" && meta !== null
      ? (meta as Record<string, unknown>)[PROTOCOL_VERSION_META_KEY]
      : undefined;
  return { method, params, claim: typeof claimRaw === "string" ? claimRaw : undefined };
}

export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX))) return value;
  const b64 = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!BASE64_CANONICAL.test(b64)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.fromBase64(b64));
  } catch {
    return undefined;
  }
}

export function encodeHeaderValue(value: string): string {
  return PLAIN_HEADER_VALUE.test(value)
    ? value
    : `${SENTINEL_PREFIX}${new TextEncoder().encode(value).toBase64()}${SENTINEL_SUFFIX}`;
}

export interface Mismatch {
  readonly header: string;
  readonly message: string;
}

/**
 * Cross-checks a modern request's standard headers against its body. Headers that are absent
 * are left to the upstream (it requires them); a present header that disagrees is a mismatch.
 */
export function checkHeaders(headers: Headers, facts: BodyFacts): Mismatch | undefined {
  const pv = headers.get("mcp-protocol-version");
  if (pv !== null && facts.claim !== undefined && pv !== facts.claim)
    return {
      header: "MCP-Protocol-Version",
      message: `the MCP-Protocol-Version header (${pv}) disagrees with the body's ${PROTOCOL_VERSION_META_KEY} (${facts.claim})`,
    };
  const m = headers.get("mcp-method");
  if (m !== null && facts.method !== undefined && m !== facts.method)
    return {
      header: "Mcp-Method",
      message: `the Mcp-Method header (${m}) disagrees with the body method (${facts.method})`,
    };
  const name = headers.get("mcp-name");
  const field = facts.method === undefined ? undefined : NAME_SOURCE[facts.method];
  if (name !== null && field !== undefined) {
    const body = facts.params?.[field];
    const decoded = decodeHeaderValue(name);
    if (decoded === undefined)
      return { header: "Mcp-Name", message: "the Mcp-Name header carries an invalid Base64 value" };
    if (typeof body === "string" && decoded !== body)
      return {
        header: "Mcp-Name",
        message: `the Mcp-Name header (${decoded}) disagrees with the body's params.${field}`,
      };
  }
  return undefined;
}

/** One `x-mcp-header` declaration of a tool's inputSchema. */
export interface ParamHeader {
  readonly header: string;
  readonly path: readonly string[];
}

/** The `x-mcp-header` declarations reachable through `properties` chains (bounded depth). */
export function paramHeadersOf(inputSchema: unknown): ParamHeader[] {
  const out: ParamHeader[] = [];
  const walk = (node: unknown, path: string[], depth: number) => {
    if (depth > 8 || typeof node !== "object" || node === null) return;
    const props = (node as Record<string, unknown>).properties;
    if (typeof props !== "object" || props === null) return;
    for (const [k, v] of Object.entries(props as Record<string, unknown>)) {
      if (typeof v !== "object" || v === null) continue;
      const h = (v as Record<string, unknown>)["x-mcp-header"];
      if (typeof h === "string" && h.length > 0 && out.length < 64) out.push({ header: h, path: [...path, k] });
      walk(v, [...path, k], depth + 1);
    }
  };
  walk(inputSchema, [], 0);
  return out;
}

/** Learns declarations from a tools/list result text; cheap when none are declared. */
export function learnParamHeaders(text: string, into: Map<string, ParamHeader[]>): void {
  if (!text.includes('"x-mcp-header"')) return;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return;
  }
  const tools = (v as { result?: { tools?: unknown } } | null)?.result?.tools;
  if (!Array.isArray(tools)) return;
  for (const t of tools) {
    const name = (t as { name?: unknown })?.name;
    if (typeof name !== "string") continue;
    const decls = paramHeadersOf((t as { inputSchema?: unknown }).inputSchema);
    if (decls.length > 0) into.set(name, decls);
    else into.delete(name);
  }
}

function primitiveString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return undefined;
}

/**
 * Rewrites `Mcp-Name` and `Mcp-Param-*` after an interceptor modified a tools/call: headers are
 * derived from the forwarded body, so the upstream's header/body check sees what policy let through.
 * Param headers of a tool whose declarations are unknown are dropped (never left stale).
 */
export function recomputeHeaders(headers: Headers, forwarded: string, catalogue: Map<string, ParamHeader[]>): void {
  let v: unknown;
  try {
    v = JSON.parse(forwarded);
  } catch {
    return;
  }
  const facts = bodyFacts(v);
  if (!facts?.method) return;
  const field = NAME_SOURCE[facts.method];
  if (field !== undefined && headers.has("mcp-name")) {
    const body = facts.params?.[field];
    if (typeof body === "string") headers.set("mcp-name", encodeHeaderValue(body));
  }
  if (facts.method !== "tools/call") return;
  for (const k of [...headers.keys()]) if (k.startsWith(PARAM_PREFIX)) headers.delete(k);
  const name = facts.params?.name;
  const args = facts.params?.arguments;
  if (typeof name !== "string") return;
  for (const d of catalogue.get(name) ?? []) {
    let node: unknown = args;
    for (const key of d.path)
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    const s = primitiveString(node);
    if (s !== undefined) headers.set(`Mcp-Param-${d.header}`, encodeHeaderValue(s));
  }
}
