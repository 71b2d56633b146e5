/**
 * Ed25519 checkpoints (jose): a compact JWS over `{"hash":…,"seq":…,"timestamp":…}` with
 * `{"alg":"EdDSA","kid":…,"typ":"mcpgw-audit-checkpoint"}`, so a third party holding only the
 * public key can check that the log held exactly these records up to `seq`.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  CompactSign,
  compactVerify,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  type CryptoKey as JoseKey,
} from "jose";
import { canonicalJson } from "./record.ts";

export const CHECKPOINT_TYP = "mcpgw-audit-checkpoint";

export interface CheckpointPayload {
  readonly seq: number;
  readonly hash: string;
  readonly timestamp: string;
}

/** A PEM given inline, or the path of a file holding it. */
export function readPem(valueOrPath: string): string {
  const v = valueOrPath.trim();
  if (v.startsWith("-----BEGIN")) return v;
  if (!existsSync(v)) throw new Error(`key file not found: ${v}`);
  return readFileSync(v, "utf8");
}

/** Key id of an Ed25519 key: "ed-" + 16 hex digits of SHA-256 over its SPKI PEM. */
export async function checkpointKeyId(pub: JoseKey): Promise<string> {
  const spki = await exportSPKI(pub);
  return `ed-${new Bun.CryptoHasher("sha256").update(spki.trim()).digest("hex").slice(0, 16)}`;
}

export interface CheckpointSigner {
  readonly keyId: string;
  sign(p: CheckpointPayload): Promise<string>;
}

export async function createCheckpointSigner(pemOrPath: string, keyId?: string): Promise<CheckpointSigner> {
  const pem = readPem(pemOrPath);
  const key = await importPKCS8(pem, "EdDSA", { extractable: true });
  const kid = keyId ?? (await checkpointKeyId(await publicFromPrivate(pem)));
  const enc = new TextEncoder();
  return {
    keyId: kid,
    sign: (p) =>
      new CompactSign(enc.encode(canonicalJson(p)))
        .setProtectedHeader({ alg: "EdDSA", kid, typ: CHECKPOINT_TYP })
        .sign(key),
  };
}

async function publicFromPrivate(pem: string): Promise<JoseKey> {
  const { createPublicKey } = await import("node:crypto");
  const spki = createPublicKey(pem).export({ type: "spki", format: "pem" }).toString();
  return importSPKI(spki, "EdDSA", { extractable: true });
}

/** Verifies a checkpoint JWS; returns its payload, or an error text. */
export async function verifyCheckpoint(
  jws: string,
  publicKey: JoseKey,
): Promise<{ ok: true; payload: CheckpointPayload; kid: string | undefined } | { ok: false; error: string }> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws, publicKey, { algorithms: ["EdDSA"] });
    if (protectedHeader.typ !== CHECKPOINT_TYP) return { ok: false, error: "not an audit checkpoint" };
    return { ok: true, payload: JSON.parse(new TextDecoder().decode(payload)), kid: protectedHeader.kid };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export async function loadPublicKey(pemOrPath: string): Promise<JoseKey> {
  return importSPKI(readPem(pemOrPath), "EdDSA", { extractable: true });
}

/** A new Ed25519 key pair as PEM (for `mcpgw audit keygen`). */
export async function generateCheckpointKeys(): Promise<{ privatePem: string; publicPem: string; keyId: string }> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return {
    privatePem: await exportPKCS8(privateKey),
    publicPem: await exportSPKI(publicKey),
    keyId: await checkpointKeyId(publicKey),
  };
}
