/**
 * The HTTP edge of identity: `createAuthenticator(config, logger)` returns what the proxy's
 * server calls once per HTTP request (see src/transport/http/auth-hook.ts for the contract; the
 * types below are the same shape, kept here so interceptors never import transport code).
 *
 * Order of one `authenticate` call:
 * 1. A credential in the query string (`access_token`, `api_key`) → 400 invalid_request.
 * 2. No auth configured → an anonymous identity.
 * 3. Both `Authorization` and `X-API-Key` → 400 invalid_request (one credential per request).
 * 4. A credential longer than `auth.max_token_bytes` → 401, before any parsing.
 * 5. API keys (Bearer, ApiKey scheme or X-API-Key), compared in constant time.
 * 6. A verified-token cache hit (keyed by SHA-256 of the token, never past `exp`).
 * 7. JWT-shaped tokens: `auth.oauth` when `iss` is its issuer, else `auth.jwt`, else `auth.oauth`;
 *    opaque tokens: introspection when configured.
 * 8. `auth.oauth.required_scopes` missing → 403 insufficient_scope.
 */
import { decodeJwt } from "jose";
import type { Authenticator, ClientAddress } from "../../chain/edge.ts";
import type { Identity } from "../../chain/types.ts";
import type { Config } from "../../config/schema.ts";
import type { Logger } from "../../log/index.ts";
import { createApiKeyVerifier } from "./api-keys.ts";
import { challenge, metadataResponse, type ResourceServer, resourceServer } from "./challenge.ts";
import { buildIntrospectionVerifier } from "./introspection.ts";
import { buildJwtVerifier, buildOAuthJwtVerifier, type JwtVerifier, oauthAudiences } from "./jwt.ts";
import type { Principal, TokenVerifier, VerifyResult } from "./principal.ts";
import { TokenCache, tokenKey } from "./token-cache.ts";

export type { Authenticator, AuthOutcome } from "../../chain/edge.ts";

export interface AuthenticatorOptions {
  /** Wall clock in ms (token expiry, JWKS ages); injected by tests. */
  readonly now?: () => number;
}

/** Label carrying the client's address (rate limits of anonymous callers, audit). */
export const CLIENT_ADDRESS_LABEL = "client_address";
export const ANONYMOUS_SUBJECT = "anonymous";
const LABEL_HEADER = "x-mcpgw-label-";
const LABEL_NAME = /^[a-z0-9_.:-]{1,64}$/;
const MAX_HEADER_LABELS = 16;
const MAX_LABEL_VALUE = 256;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const QUERY_CREDENTIALS = ["access_token", "api_key"];
/** How long an introspection "not active" answer is remembered. */
const NEGATIVE_TTL_MS = 5_000;

/** Labels a caller asserts with `X-MCPGW-Label-<name>` headers (bounded, never overriding claims). */
export function headerLabels(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [name, value] of headers) {
    if (!name.startsWith(LABEL_HEADER)) continue;
    const label = name.slice(LABEL_HEADER.length);
    if (!LABEL_NAME.test(label) || label === CLIENT_ADDRESS_LABEL) continue;
    out[label] = value.slice(0, MAX_LABEL_VALUE);
    if (++n >= MAX_HEADER_LABELS) break;
  }
  return out;
}

function addressOf(a: ClientAddress): string {
  return typeof a === "string" ? a : a();
}

/**
 * The anonymous identity of one request. Its labels (the `X-MCPGW-Label-*` headers and the
 * client address, a system call) are found on first read, so a chain and audit that never read
 * them never pay for them. A read must come while the request is in flight: the proxy's session
 * table reads them when it keeps an identity past its request.
 */
function anonymousIdentity(req: Request, clientAddress: ClientAddress): Identity {
  let labels: Readonly<Record<string, string>> | undefined;
  let source: Request | null = req;
  let address: ClientAddress | null = clientAddress;
  return {
    subject: ANONYMOUS_SUBJECT,
    roles: [],
    scopes: [],
    get labels(): Readonly<Record<string, string>> {
      if (labels === undefined) {
        labels = { ...headerLabels(source!.headers), [CLIENT_ADDRESS_LABEL]: addressOf(address!) };
        source = null;
        address = null;
      }
      return labels;
    },
    method: "anonymous",
  };
}

function identityOf(p: Principal, req: Request, clientAddress: ClientAddress): Identity {
  return {
    subject: p.subject,
    roles: p.roles,
    scopes: p.scopes,
    labels: { ...headerLabels(req.headers), ...p.labels, [CLIENT_ADDRESS_LABEL]: addressOf(clientAddress) },
    method: p.method,
  };
}

/** `audit.label_claims`, when the audit section is present. */
function labelClaimsOf(config: Config): readonly string[] {
  const audit = (config as { audit?: { label_claims?: unknown } }).audit;
  const lc = audit?.label_claims;
  return Array.isArray(lc) ? lc.filter((x): x is string => typeof x === "string") : [];
}

type Credential =
  | { kind: "none" }
  | { kind: "bad"; description: string }
  | { kind: "bearer" | "api_key"; value: string };

function credentialOf(req: Request, maxBytes: number): Credential | { kind: "conflict" } {
  const authz = req.headers.get("authorization");
  const xKey = req.headers.get("x-api-key");
  if (authz !== null && xKey !== null) return { kind: "conflict" };
  if (xKey !== null) {
    if (xKey.length > maxBytes) return { kind: "bad", description: "credential too large" };
    return xKey.length ? { kind: "api_key", value: xKey } : { kind: "bad", description: "empty API key" };
  }
  if (authz === null) return { kind: "none" };
  if (authz.length > maxBytes + 16) return { kind: "bad", description: "credential too large" };
  const sp = authz.indexOf(" ");
  const scheme = (sp === -1 ? authz : authz.slice(0, sp)).toLowerCase();
  const value = sp === -1 ? "" : authz.slice(sp + 1).trim();
  if (value.length === 0 || value.includes(" ") || value.includes(","))
    return { kind: "bad", description: "malformed Authorization header" };
  if (scheme === "bearer") return { kind: "bearer", value };
  if (scheme === "apikey") return { kind: "api_key", value };
  return { kind: "bad", description: "unsupported authorization scheme (use Bearer)" };
}

export function createAuthenticator(config: Config, logger: Logger, opts: AuthenticatorOptions = {}): Authenticator {
  const auth = config.auth;
  const now = opts.now ?? Date.now;
  if (!auth || (auth.api_keys.length === 0 && !auth.jwt && !auth.oauth)) {
    return {
      wellKnown: () => null,
      async authenticate(req, _url, clientAddress) {
        return { ok: true, identity: anonymousIdentity(req, clientAddress) };
      },
    };
  }

  warnAboutWeakSettings(auth, logger);
  const labelClaims = labelClaimsOf(config);
  const deps = { logger, labelClaims, now };
  const apiKeys = createApiKeyVerifier(auth.api_keys);
  const jwt: JwtVerifier | undefined = auth.jwt ? buildJwtVerifier(auth.jwt, deps) : undefined;
  const oauth = auth.oauth;
  const oauthJwt = oauth ? buildOAuthJwtVerifier(oauth, deps) : undefined;
  const introspect: TokenVerifier | undefined = oauth
    ? buildIntrospectionVerifier(oauth, { ...deps, audiences: oauthAudiences(oauth) })
    : undefined;
  const rs: ResourceServer | undefined = oauth ? resourceServer(oauth) : undefined;
  if (oauth && !rs)
    logger.warn(
      "auth.oauth has no resource_url: RFC 9728 metadata is not served, so MCP clients cannot discover the authorization server",
      {},
    );
  const requiredScopes = oauth?.required_scopes ?? [];
  const cache = new TokenCache<Principal>(auth.token_cache_size, now);
  const maxBytes = auth.max_token_bytes;

  const refuse = (description: string) => ({
    ok: false as const,
    response: challenge({ error: "invalid_token", description, rs }),
  });

  /** Picks the verifier for a token (step 7 above). */
  function verifierFor(token: string): { verifier: TokenVerifier; ttl: number } | undefined {
    if (JWT_SHAPE.test(token)) {
      if (oauthJwt && (!jwt || issuerOf(token) === oauth?.issuer))
        return { verifier: oauthJwt, ttl: auth!.token_cache_ttl };
      if (jwt) return { verifier: jwt, ttl: auth!.token_cache_ttl };
    }
    if (introspect && oauth?.introspection) return { verifier: introspect, ttl: oauth.introspection.cache_ttl };
    return undefined;
  }

  /** Verifications in flight, so concurrent requests with one new token verify it once. */
  const inflight = new Map<string, Promise<VerifyResult>>();
  /** Definitive "no" answers from introspection, kept briefly so one bad token cannot hammer it. */
  const refused = new TokenCache<string>(Math.min(auth.token_cache_size, 1000), now);

  async function verifyToken(token: string): Promise<VerifyResult> {
    const key = tokenKey(token);
    const hit = cache.get(key);
    if (hit) return { ok: true, principal: hit };
    const no = refused.get(key);
    if (no !== undefined) return { ok: false, description: no };
    const pending = inflight.get(key);
    if (pending) return pending;
    const pick = verifierFor(token);
    if (!pick) return { ok: false, description: "token not accepted" };
    const run = pick.verifier.verify(token).then((result) => {
      if (result.ok) cache.set(key, result.principal, Math.min(result.principal.expiresAt, now() + pick.ttl));
      else if (pick.verifier === introspect && result.description !== "token could not be checked")
        refused.set(key, result.description, now() + Math.min(NEGATIVE_TTL_MS, pick.ttl));
      return result;
    });
    inflight.set(key, run);
    try {
      return await run;
    } finally {
      inflight.delete(key);
    }
  }

  return {
    wellKnown(req, url) {
      if (!rs?.metadataPaths.includes(url.pathname)) return null;
      return metadataResponse(rs, req.method);
    },

    async authenticate(req, url, lazyAddress) {
      const clientAddress = addressOf(lazyAddress);
      try {
        for (const q of QUERY_CREDENTIALS) {
          if (url.searchParams.has(q))
            return {
              ok: false,
              response: challenge({
                error: "invalid_request",
                description: "credentials are accepted only in the Authorization header",
                rs,
              }),
            };
        }
        const cred = credentialOf(req, maxBytes);
        if (cred.kind === "conflict")
          return {
            ok: false,
            response: challenge({ error: "invalid_request", description: "give one credential, not two", rs }),
          };
        if (cred.kind === "none") return { ok: false, response: challenge({ rs }) };
        if (cred.kind === "bad") return refuse(cred.description);
        if (cred.value.length > maxBytes) return refuse("credential too large");

        if (apiKeys.size > 0) {
          const p = apiKeys.verify(cred.value);
          if (p) {
            return {
              ok: true,
              identity: identityOf(
                {
                  subject: p.name,
                  roles: p.roles,
                  scopes: p.scopes,
                  labels: {},
                  method: "api_key",
                  expiresAt: Infinity,
                },
                req,
                clientAddress,
              ),
            };
          }
        }
        if (cred.kind === "api_key") return refuse("unknown API key");

        const result = await verifyToken(cred.value);
        if (!result.ok) {
          logger.debug("credential refused", { reason: result.description, client: clientAddress });
          return refuse(result.description);
        }
        const p = result.principal;
        if (p.method === "oauth" && requiredScopes.length) {
          const have = new Set(p.scopes);
          const missing = requiredScopes.filter((s) => !have.has(s));
          if (missing.length)
            return {
              ok: false,
              response: challenge({
                error: "insufficient_scope",
                description: `missing scope: ${missing.join(" ")}`,
                scope: requiredScopes.join(" "),
                rs,
              }),
            };
        }
        return { ok: true, identity: identityOf(p, req, clientAddress) };
      } catch (e) {
        // Fail closed with a 401: a bug in verification must never let a request through or 500.
        logger.error("authentication failed unexpectedly", { error: (e as Error).message });
        return refuse("token could not be verified");
      }
    },

    async close() {
      cache.clear();
      refused.clear();
    },
  };
}

function isLoopback(u: URL): boolean {
  return u.hostname === "localhost" || u.hostname === "[::1]" || u.hostname.startsWith("127.");
}

/** Settings that work but weaken the gateway; said once at startup. */
function warnAboutWeakSettings(auth: NonNullable<Config["auth"]>, logger: Logger): void {
  const urls: Array<[string, string | undefined]> = [
    ["auth.jwt.jwks_url", auth.jwt?.jwks_url],
    ["auth.oauth.jwks_url", auth.oauth?.jwks_url],
    ["auth.oauth.introspection.url", auth.oauth?.introspection?.url],
  ];
  for (const [key, value] of urls) {
    if (value && new URL(value).protocol !== "https:" && !isLoopback(new URL(value)))
      logger.warn("a key or token endpoint is fetched without TLS", { key, url: value });
  }
  if (auth.jwt && auth.jwt.audience === undefined)
    logger.warn("auth.jwt has no audience: tokens the issuer made for any service are accepted", {});
  if (auth.jwt && auth.jwt.issuer === undefined && auth.jwt.jwks_url !== undefined)
    logger.warn("auth.jwt has no issuer: `iss` is not checked", {});
}

function issuerOf(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === "string" ? iss : undefined;
  } catch {
    return undefined;
  }
}
