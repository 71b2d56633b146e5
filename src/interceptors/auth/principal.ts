/** What a verified credential says about its bearer, before per-request labels are added. */

export interface Principal {
  readonly subject: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  /** Labels taken from token claims (`audit.label_claims`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly method: "api_key" | "jwt" | "oauth";
  /** Wall-clock ms when the credential stops being valid (Infinity for API keys). */
  readonly expiresAt: number;
}

/** Why a credential was refused; `description` is safe to send to the client (never the token). */
export type VerifyResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly description: string };

export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
}

export const MAX_SUBJECT_LENGTH = 256;
