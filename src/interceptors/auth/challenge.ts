/**
 * HTTP answers of the resource server: RFC 9728 protected resource metadata, and the 400 / 401 /
 * 403 responses with `WWW-Authenticate: Bearer …` (RFC 6750 §3, RFC 9728 §5.1, MCP authorization
 * spec https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization).
 */
import type { OAuthConfig } from "./schema.ts";

export const PRM_PATH = "/.well-known/oauth-protected-resource";

export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

/** RFC 7230 quoted-string. Descriptions are ours (never token text) but are escaped anyway. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&").replace(/[^\x20-\x7e]/g, "")}"`;
}

export interface ResourceServer {
  /** Paths the metadata is served at: the root form and the path-suffixed form (RFC 9728 §3.1). */
  readonly metadataPaths: readonly string[];
  /** URL of the metadata document named in `WWW-Authenticate`. */
  readonly metadataUrl: string;
  readonly document: string;
  readonly challengeScope: string | undefined;
}

/** The resource server's metadata, or undefined without `resource_url` (nothing to describe). */
export function resourceServer(cfg: OAuthConfig): ResourceServer | undefined {
  if (cfg.resource_url === undefined) return undefined;
  const resource = new URL(cfg.resource_url);
  const path = resource.pathname === "/" ? "" : resource.pathname.replace(/\/$/, "");
  const suffixed = `${PRM_PATH}${path}`;
  const doc: Record<string, unknown> = {
    resource: cfg.resource_url,
    authorization_servers: cfg.authorization_servers ?? [cfg.issuer],
    bearer_methods_supported: ["header"],
  };
  const scopes = cfg.scopes_supported.length ? cfg.scopes_supported : cfg.required_scopes;
  if (scopes.length) doc.scopes_supported = scopes;
  if (cfg.resource_name) doc.resource_name = cfg.resource_name;
  const required = cfg.required_scopes.length ? cfg.required_scopes : cfg.scopes_supported;
  return {
    metadataPaths: path ? [suffixed, PRM_PATH] : [PRM_PATH],
    metadataUrl: `${resource.origin}${suffixed}`,
    document: JSON.stringify(doc),
    challengeScope: required.length ? required.join(" ") : undefined,
  };
}

export interface ChallengeOptions {
  readonly error?: BearerError;
  readonly description?: string;
  /** Scope to name in the challenge (insufficient_scope: the scopes needed). */
  readonly scope?: string;
  readonly rs: ResourceServer | undefined;
}

const STATUS: Record<BearerError, number> = { invalid_request: 400, invalid_token: 401, insufficient_scope: 403 };

/** A 400/401/403 with `WWW-Authenticate: Bearer …` and an OAuth error body. */
export function challenge(o: ChallengeOptions): Response {
  const params: string[] = [];
  if (!o.rs) params.push('realm="mcpgw"');
  if (o.error) params.push(`error=${quote(o.error)}`);
  if (o.error && o.description) params.push(`error_description=${quote(o.description)}`);
  const scope = o.scope ?? o.rs?.challengeScope;
  if (scope) params.push(`scope=${quote(scope)}`);
  if (o.rs) params.push(`resource_metadata=${quote(o.rs.metadataUrl)}`);
  const status = o.error ? STATUS[o.error] : 401;
  const body = JSON.stringify({
    error: o.error ?? "invalid_token",
    error_description: o.description ?? "authentication required",
  });
  return new Response(body, {
    status,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      "www-authenticate": `Bearer ${params.join(", ")}`,
    },
  });
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, OPTIONS",
  "access-control-allow-headers": "mcp-protocol-version, content-type",
};

/** The metadata document, or the answer to a preflight / wrong method on its path. */
export function metadataResponse(rs: ResourceServer, method: string): Response {
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
  if (method !== "GET" && method !== "HEAD")
    return new Response(null, { status: 405, headers: { ...CORS, allow: "GET, HEAD, OPTIONS" } });
  return new Response(method === "HEAD" ? null : rs.document, {
    status: 200,
    headers: { ...CORS, "content-type": "application/json", "cache-control": "public, max-age=300" },
  });
}
