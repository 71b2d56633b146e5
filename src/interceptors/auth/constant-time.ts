/** Constant-time comparison of secrets (API keys, digests). */
import { timingSafeEqual } from "node:crypto";

/**
 * True when `a` and `b` hold the same bytes. The time taken depends only on the lengths, never on
 * where the first difference is; compare fixed-length digests so that lengths leak nothing either.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

/** SHA-256 of a UTF-8 string. */
export function sha256(text: string): Uint8Array {
  return new Bun.CryptoHasher("sha256").update(text).digest() as Uint8Array;
}
