/**
 * Opaque access tokens checked by the authorization server's introspection endpoint
 * (RFC 7662, https://www.rfc-editor.org/rfc/rfc7662). The gateway authenticates with HTTP Basic
 * (client_id / client_secret). An active token must also be for this resource (RFC 8707 `aud`),
 * from the configured issuer when the answer names one, and unexpired.
 */
import type { Logger } from "../../log/index.ts";
import { FetchJsonError, fetchJson } from "./fetch-json.ts";
import { principalFromClaims } from "./jwt.ts";
import type { TokenVerifier, VerifyResult } from "./principal.ts";
import type { OAuthConfig } from "./schema.ts";

export interface IntrospectionDeps {
  readonly logger: Logger;
  readonly labelClaims: readonly string[];
  readonly audiences: readonly string[];
  readonly now: () => number;
}

export function buildIntrospectionVerifier(cfg: OAuthConfig, deps: IntrospectionDeps): TokenVerifier | undefined {
  const ic = cfg.introspection;
  if (!ic) return undefined;
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(ic.client_id)}:${encodeURIComponent(ic.client_secret)}`).toString("base64")}`;
  const audiences = new Set(deps.audiences);
  const skewS = cfg.clock_skew / 1000;
  return {
    async verify(token): Promise<VerifyResult> {
      let answer: Record<string, unknown>;
      try {
        answer = await fetchJson(ic.url, {
          method: "POST",
          timeoutMs: ic.timeout,
          headers: {
            authorization: basic,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        });
      } catch (e) {
        deps.logger.warn("token introspection failed", {
          url: ic.url,
          error: e instanceof FetchJsonError ? e.message : "request failed",
        });
        return { ok: false, description: "token could not be checked" };
      }
      if (answer.active !== true) return { ok: false, description: "token not active" };
      const nowS = deps.now() / 1000;
      const exp = typeof answer.exp === "number" ? answer.exp : undefined;
      if (exp !== undefined && exp + skewS <= nowS) return { ok: false, description: "token expired" };
      if (typeof answer.nbf === "number" && answer.nbf - skewS > nowS)
        return { ok: false, description: "token not yet valid" };
      if (answer.iss !== undefined && answer.iss !== cfg.issuer)
        return { ok: false, description: "token issuer not accepted" };
      const aud = typeof answer.aud === "string" ? [answer.aud] : Array.isArray(answer.aud) ? answer.aud : [];
      if (!aud.some((a) => typeof a === "string" && audiences.has(a)))
        return { ok: false, description: "token not issued for this resource" };
      const claims = { ...answer };
      if (cfg.subject_claim === "sub" && typeof claims.sub !== "string" && typeof answer.username === "string")
        claims.sub = answer.username;
      return principalFromClaims(
        claims,
        {
          method: "oauth",
          subjectClaim: cfg.subject_claim,
          rolesClaim: cfg.roles_claim,
          scopeClaim: cfg.scope_claim,
          labelClaims: deps.labelClaims,
        },
        exp === undefined ? Number.POSITIVE_INFINITY : exp * 1000,
      );
    },
  };
}
