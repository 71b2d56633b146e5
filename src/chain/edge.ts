/**
 * The contract between a transport's edge and authentication: identity is established once per
 * HTTP request (ARCHITECTURE.md §4) and is read-only afterwards. The HTTP transport calls it; the
 * auth interceptor package implements it. Neither imports the other.
 */
import type { Identity } from "./types.ts";

/** The client's address, or a function that finds it (the lookup costs a system call). */
export type ClientAddress = string | (() => string);

export type AuthOutcome =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly response: Response };

export interface Authenticator {
  /** Serves discovery documents (e.g. /.well-known/oauth-protected-resource…); null when the path is not one. */
  wellKnown(req: Request, url: URL): Response | null;
  /**
   * Establishes the caller's identity once per HTTP request; a failure is the HTTP response to send (401/403). Never throws.
   * `clientAddress` may be given as a function: it is then called at most once, while the request is in flight.
   */
  authenticate(req: Request, url: URL, clientAddress: ClientAddress): Promise<AuthOutcome>;
  close?(): Promise<void>;
}
