/**
 * The contract between a transport's edge and authentication: identity is established once per
 * HTTP request (ARCHITECTURE.md §4) and is read-only afterwards. The HTTP transport calls it; the
 * auth interceptor package implements it. Neither imports the other.
 */
import type { Identity } from "./types.ts";

export type AuthOutcome =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly response: Response };

export interface Authenticator {
  /** Serves discovery documents (e.g. /.well-known/oauth-protected-resource…); null when the path is not one. */
  wellKnown(req: Request, url: URL): Response | null;
  /** Establishes the caller's identity once per HTTP request; a failure is the HTTP response to send (401/403). Never throws. */
  authenticate(req: Request, url: URL, clientAddress: string): Promise<AuthOutcome>;
  close?(): Promise<void>;
}
