/**
 * The contract between the proxy's HTTP edge and authentication. The auth engineer's
 * `createAuthenticator` (src/interceptors/auth/) implements it; without `auth:` configured the
 * proxy uses {@link ANONYMOUS_AUTHENTICATOR}.
 */
import type { Identity } from "../../chain/types.ts";

export type AuthOutcome =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly response: Response };

export interface Authenticator {
  /** Serves discovery documents (e.g. /.well-known/oauth-protected-resource…); null when the path is not one. */
  wellKnown(req: Request, url: URL): Response | null;
  /** Establishes the caller's identity once per HTTP request; a failure is the HTTP response to send (401/403). */
  authenticate(req: Request, url: URL, clientAddress: string): Promise<AuthOutcome>;
  close?(): Promise<void>;
}

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
