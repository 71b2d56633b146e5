/** Identity at the HTTP edge: API keys, JWT / JWKS, OAuth 2.1 resource server. See docs/auth.md. */
export {
  ANONYMOUS_SUBJECT,
  type Authenticator,
  type AuthenticatorOptions,
  type AuthOutcome,
  CLIENT_ADDRESS_LABEL,
  createAuthenticator,
  headerLabels,
} from "./authenticator.ts";
export { constantTimeEqual } from "./constant-time.ts";
export { type JwksStats, RemoteJwks } from "./jwks.ts";
export { createReloadingAuthenticator } from "./reloading.ts";
export { type AuthConfig, AuthSchema, type ScopeRule } from "./schema.ts";
export { AUTH_NAME, createScopeInterceptor, type ScopeInterceptor } from "./scope-interceptor.ts";
