/**
 * An authenticator that follows configuration reloads: when the live config's `auth` section (or
 * `audit.label_claims`) changes, a new authenticator is built and swapped in; otherwise the
 * current one, with its JWKS and token caches, keeps serving. A new section that cannot be built
 * (an unreadable PEM file) keeps the previous one and says why.
 */
import type { Config } from "../../config/schema.ts";
import type { Logger } from "../../log/index.ts";
import { type Authenticator, type AuthenticatorOptions, createAuthenticator } from "./authenticator.ts";

function authKey(c: Config): string {
  return JSON.stringify([c.auth ?? null, (c as { audit?: { label_claims?: unknown } }).audit?.label_claims ?? null]);
}

/** `config` returns the live configuration (e.g. `() => holder.current.config`). Throws ConfigError at startup. */
export function createReloadingAuthenticator(
  config: () => Config,
  logger: Logger,
  opts: AuthenticatorOptions = {},
): Authenticator {
  let seen = config();
  let key = authKey(seen);
  let inner = createAuthenticator(seen, logger, opts);

  const current = (): Authenticator => {
    const c = config();
    if (c === seen) return inner;
    seen = c;
    const k = authKey(c);
    if (k === key) return inner;
    key = k;
    try {
      const next = createAuthenticator(c, logger, opts);
      void inner.close?.();
      inner = next;
      logger.info("auth configuration reloaded", {});
    } catch (e) {
      logger.error("reloaded auth configuration is unusable; keeping the previous one", {
        error: (e as Error).message,
      });
    }
    return inner;
  };

  return {
    wellKnown: (req, url) => current().wellKnown(req, url),
    authenticate: (req, url, clientAddress) => current().authenticate(req, url, clientAddress),
    close: async () => {
      await inner.close?.();
    },
  };
}
