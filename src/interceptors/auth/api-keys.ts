/**
 * Static API keys. Only SHA-256 digests are kept in memory; a presented key is hashed and compared
 * with every configured digest in constant time, without stopping at the first match, so the
 * time taken says nothing about which key (or how much of one) matched.
 */

import { constantTimeEqual, sha256 } from "./constant-time.ts";
import type { ApiKeyConfig } from "./schema.ts";

export interface ApiKeyPrincipal {
  readonly name: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}

export interface ApiKeyVerifier {
  /** The principal the key belongs to, or null. */
  verify(presented: string): ApiKeyPrincipal | null;
  readonly size: number;
}

type Equal = (a: Uint8Array, b: Uint8Array) => boolean;

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** `equal` is the comparison used; it is a parameter only so tests can observe the calls. */
export function createApiKeyVerifier(keys: readonly ApiKeyConfig[], equal: Equal = constantTimeEqual): ApiKeyVerifier {
  const entries = keys.map((k) => ({
    digest: k.key_sha256 !== undefined ? hexToBytes(k.key_sha256) : sha256(k.key ?? ""),
    principal: Object.freeze({
      name: k.name,
      roles: Object.freeze([...k.roles]),
      scopes: Object.freeze([...k.scopes]),
    }),
  }));
  return {
    size: entries.length,
    verify(presented) {
      if (entries.length === 0) return null;
      const digest = sha256(presented);
      let found: ApiKeyPrincipal | null = null;
      for (const e of entries) {
        // No early exit: every digest is compared whatever the outcome.
        if (equal(digest, e.digest) && found === null) found = e.principal;
      }
      return found;
    },
  };
}
