/**
 * The contract between the proxy's HTTP edge and authentication. The auth engineer's
 * `createAuthenticator` (src/interceptors/auth/) implements it; without `auth:` configured the
 * proxy uses {@link ANONYMOUS_AUTHENTICATOR}.
 */
import type { Authenticator, AuthOutcome } from "../../chain/edge.ts";
import type { Identity } from "../../chain/types.ts";

export type { Authenticator, AuthOutcome } from "../../chain/edge.ts";

const ANONYMOUS: Identity = Object.freeze({
  subject: "anonymous",
  roles: Object.freeze([]) as readonly string[],
  scopes: Object.freeze([]) as readonly string[],
  labels: Object.freeze({}),
  method: "anonymous",
});

const ANONYMOUS_OUTCOME: AuthOutcome = Object.freeze({ ok: true, identity: ANONYMOUS });

/** Everyone is `anonymous` (rate limits fall back to the client address on their own). */
export const ANONYMOUS_AUTHENTICATOR: Authenticator = Object.freeze({
  wellKnown: () => null,
  authenticate: async () => ANONYMOUS_OUTCOME,
});
