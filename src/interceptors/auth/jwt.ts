/**
 * JWT verification with jose for `auth.jwt` and `auth.oauth`: an algorithm allow list (never
 * `none`; HMAC only with an explicit secret, so a public key can never be used as an HMAC
 * secret), `exp` required, `iss` / `aud` / `nbf` checked with a clock skew, and subject, roles,
 * scopes and labels read from configurable claims.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { errors, importSPKI, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { ConfigError } from "../../config/errors.ts";
import type { Logger } from "../../log/index.ts";
import { claimAt, labelValue, stringList } from "./claims.ts";
import { discoverJwksUri } from "./discovery.ts";
import { RemoteJwks } from "./jwks.ts";
import { MAX_SUBJECT_LENGTH, type Principal, type TokenVerifier, type VerifyResult } from "./principal.ts";
import { type Algorithm, DEFAULT_ASYMMETRIC, type JwtConfig, type OAuthConfig } from "./schema.ts";

export interface JwtVerifierOptions {
  readonly method: "jwt" | "oauth";
  readonly algorithms: readonly Algorithm[];
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
  readonly subjectClaim: string;
  readonly rolesClaim: string;
  readonly scopeClaim: string;
  readonly labelClaims: readonly string[];
  readonly clockSkewMs: number;
  readonly key: JWTVerifyGetKey | Uint8Array;
  readonly now: () => number;
}

export interface JwtVerifier extends TokenVerifier {
  /** The remote JWKS, when keys come from one. */
  readonly jwks: RemoteJwks | undefined;
}

/** Maps a jose error to a description safe for the client. */
export function describeJoseError(e: unknown): string {
  if (e instanceof errors.JWTExpired) return "token expired";
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case "nbf":
        return "token not yet valid";
      case "iat":
        return "token issued in the future";
      case "iss":
        return "token issuer not accepted";
      case "aud":
        return "token not issued for this resource";
      case "exp":
        return "token has no expiry";
      default:
        return `token claim "${e.claim}" not accepted`;
    }
  }
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported)
    return "token algorithm not accepted";
  if (e instanceof errors.JWSSignatureVerificationFailed) return "token signature invalid";
  if (e instanceof errors.JWKSNoMatchingKey) return "token signing key unknown";
  if (e instanceof errors.JWKSMultipleMatchingKeys) return "token signing key ambiguous";
  if (e instanceof errors.JOSEError && e.code === "ERR_MCPGW_JWKS_UNAVAILABLE") return "signing keys unavailable";
  return "token malformed";
}

export function principalFromClaims(
  payload: JWTPayload,
  o: Pick<JwtVerifierOptions, "subjectClaim" | "rolesClaim" | "scopeClaim" | "labelClaims" | "method">,
  expiresAt: number,
): VerifyResult {
  const claims = payload as Record<string, unknown>;
  const subject = claimAt(claims, o.subjectClaim);
  if (typeof subject !== "string" || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH)
    return { ok: false, description: "token has no subject" };
  const labels: Record<string, string> = {};
  for (const name of o.labelClaims) {
    const v = labelValue(claimAt(claims, name));
    if (v !== undefined) labels[name] = v;
  }
  const principal: Principal = {
    subject,
    roles: Object.freeze(stringList(claimAt(claims, o.rolesClaim))),
    scopes: Object.freeze(
      stringList(claimAt(claims, o.scopeClaim) ?? (o.scopeClaim === "scope" ? claims.scp : undefined)),
    ),
    labels: Object.freeze(labels),
    method: o.method,
    expiresAt,
  };
  return { ok: true, principal: Object.freeze(principal) };
}

export function createJwtVerifier(o: JwtVerifierOptions, jwks?: RemoteJwks): JwtVerifier {
  const algorithms = [...o.algorithms];
  const clockTolerance = Math.ceil(o.clockSkewMs / 1000);
  const audience = o.audience ? [...o.audience] : undefined;
  return {
    jwks,
    async verify(token) {
      try {
        const opts = {
          algorithms,
          issuer: o.issuer,
          audience,
          clockTolerance,
          requiredClaims: ["exp"],
          currentDate: new Date(o.now()),
        };
        const { payload } =
          o.key instanceof Uint8Array ? await jwtVerify(token, o.key, opts) : await jwtVerify(token, o.key, opts);
        return principalFromClaims(payload, o, (payload.exp as number) * 1000);
      } catch (e) {
        return { ok: false, description: describeJoseError(e) };
      }
    },
  };
}

/** Which JWS algorithms a public key can verify. */
function algorithmsForKey(key: KeyObject): Algorithm[] {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
    case "rsa-pss":
      return ["PS256", "PS384", "PS512"];
    case "ec": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === "prime256v1" || curve === "P-256") return ["ES256"];
      if (curve === "secp384r1" || curve === "P-384") return ["ES384"];
      if (curve === "secp521r1" || curve === "P-521") return ["ES512"];
      return [];
    }
    case "ed25519":
      return ["EdDSA"];
    default:
      return [];
  }
}

/**
 * A key resolver for one static PEM public key: the token's `alg` must be in `allowed`, and the
 * key is imported for exactly that algorithm (imports are cached).
 */
function staticKeyResolver(
  file: string,
  allow: readonly Algorithm[],
): { getKey: JWTVerifyGetKey; algorithms: Algorithm[] } {
  let pem: string;
  let key: KeyObject;
  try {
    pem = readFileSync(file, "utf8");
    key = createPublicKey(pem);
  } catch (e) {
    throw new ConfigError(file, [
      { path: "auth.jwt.pubkey_file", message: `cannot read a PEM public key: ${(e as Error).message}` },
    ]);
  }
  const spki = key.export({ type: "spki", format: "pem" }).toString();
  const fits = new Set(algorithmsForKey(key));
  const algorithms = allow.filter((a) => fits.has(a));
  if (algorithms.length === 0)
    throw new ConfigError(file, [
      {
        path: "auth.jwt.algorithm",
        message: `the key (${key.asymmetricKeyType}) cannot verify any of ${allow.join(", ")}`,
      },
    ]);
  const imported = new Map<string, Promise<CryptoKey>>();
  const getKey: JWTVerifyGetKey = (header) => {
    const alg = header.alg;
    if (typeof alg !== "string" || !algorithms.includes(alg as Algorithm))
      throw new errors.JOSEAlgNotAllowed("alg not allowed");
    let p = imported.get(alg);
    if (!p) {
      p = importSPKI(spki, alg);
      imported.set(alg, p);
    }
    return p;
  };
  return { getKey, algorithms };
}

export interface VerifierDeps {
  readonly logger: Logger;
  readonly labelClaims: readonly string[];
  readonly now: () => number;
}

/** `auth.jwt` → verifier. Throws ConfigError for an unusable key. */
export function buildJwtVerifier(cfg: JwtConfig, deps: VerifierDeps): JwtVerifier {
  const requested: readonly Algorithm[] =
    cfg.algorithms ?? (cfg.algorithm ? [cfg.algorithm] : cfg.secret !== undefined ? ["HS256"] : DEFAULT_ASYMMETRIC);
  const common = {
    method: "jwt" as const,
    issuer: cfg.issuer,
    audience: cfg.audience === undefined ? undefined : typeof cfg.audience === "string" ? [cfg.audience] : cfg.audience,
    subjectClaim: cfg.subject_claim,
    rolesClaim: cfg.roles_claim,
    scopeClaim: cfg.scope_claim,
    labelClaims: deps.labelClaims,
    clockSkewMs: cfg.clock_skew,
    now: deps.now,
  };
  if (cfg.secret !== undefined) {
    return createJwtVerifier({ ...common, algorithms: requested, key: new TextEncoder().encode(cfg.secret) });
  }
  if (cfg.pubkey_file !== undefined) {
    const { getKey, algorithms } = staticKeyResolver(cfg.pubkey_file, requested);
    return createJwtVerifier({ ...common, algorithms, key: getKey });
  }
  const jwks = new RemoteJwks({
    url: cfg.jwks_url as string,
    cacheTtlMs: cfg.jwks_cache_ttl,
    refetchIntervalMs: cfg.jwks_refetch_interval,
    timeoutMs: cfg.jwks_timeout,
    logger: deps.logger,
    now: deps.now,
  });
  return createJwtVerifier({ ...common, algorithms: requested, key: jwks.getKey }, jwks);
}

/** The audiences an OAuth token may carry: the canonical resource URI (RFC 8707) and `audience`. */
export function oauthAudiences(cfg: OAuthConfig): string[] {
  const out = new Set<string>();
  const r = cfg.resource_url;
  if (r !== undefined) {
    out.add(r);
    // "https://gw/mcp" and "https://gw/mcp/" name the same resource.
    out.add(r.endsWith("/") ? r.slice(0, -1) : `${r}/`);
  }
  if (cfg.audience) out.add(cfg.audience);
  return [...out];
}

/**
 * `auth.oauth` → verifier of JWT access tokens: keys from `jwks_url`, or, when neither it nor
 * introspection is configured, from the `jwks_uri` the issuer's metadata names.
 */
export function buildOAuthJwtVerifier(cfg: OAuthConfig, deps: VerifierDeps): JwtVerifier | undefined {
  if (!cfg.jwks_url && cfg.introspection) return undefined;
  const jwks = new RemoteJwks({
    url: cfg.jwks_url ?? (() => discoverJwksUri(cfg.issuer, cfg.jwks_timeout)),
    cacheTtlMs: cfg.jwks_cache_ttl,
    refetchIntervalMs: cfg.jwks_refetch_interval,
    timeoutMs: cfg.jwks_timeout,
    logger: deps.logger,
    now: deps.now,
  });
  return createJwtVerifier(
    {
      method: "oauth",
      algorithms: cfg.algorithms ?? DEFAULT_ASYMMETRIC,
      issuer: cfg.issuer,
      audience: oauthAudiences(cfg),
      subjectClaim: cfg.subject_claim,
      rolesClaim: cfg.roles_claim,
      scopeClaim: cfg.scope_claim,
      labelClaims: deps.labelClaims,
      clockSkewMs: cfg.clock_skew,
      key: jwks.getKey,
      now: deps.now,
    },
    jwks,
  );
}
