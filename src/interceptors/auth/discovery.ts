/**
 * Finds an authorization server's `jwks_uri` from its issuer, when `auth.oauth.jwks_url` is not
 * given: RFC 8414 metadata first (`/.well-known/oauth-authorization-server`, inserted before the
 * issuer's path), then OpenID Connect discovery (`<issuer>/.well-known/openid-configuration`).
 * The document must name the same issuer (RFC 8414 §3.3).
 */
import { FetchJsonError, fetchJson } from "./fetch-json.ts";

export function metadataUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname === "/" ? "" : u.pathname.replace(/\/$/, "");
  return [
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
    `${u.origin}${path}/.well-known/openid-configuration`,
  ];
}

export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const failures: string[] = [];
  for (const url of metadataUrls(issuer)) {
    try {
      const doc = await fetchJson(url, { timeoutMs, headers: { accept: "application/json" } });
      if (doc.issuer !== issuer) throw new FetchJsonError("metadata names another issuer");
      if (typeof doc.jwks_uri !== "string" || !URL.canParse(doc.jwks_uri)) throw new FetchJsonError("no jwks_uri");
      return doc.jwks_uri;
    } catch (e) {
      failures.push(`${url}: ${e instanceof FetchJsonError ? e.message : "failed"}`);
    }
  }
  throw new FetchJsonError(`no usable authorization server metadata (${failures.join("; ")})`);
}
