/**
 * The `auth:` config section: API keys, JWT (static key or JWKS), and the OAuth 2.1 resource
 * server of the MCP authorization spec. Keys follow the original mcpgw (`api_keys`, `jwt.algorithm`,
 * `jwt.secret`, `jwt.pubkey_file`, `jwt.roles_claim`, `oauth.jwks_url`, `oauth.issuer`,
 * `oauth.audience`, `oauth.resource_url`); the rest is new. See docs/auth.md.
 */
import { z } from "zod";
import { ByteSize, Duration } from "../../config/common.ts";

/** Signature algorithms mcpgw accepts. `none` is deliberately absent. */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;
export const HMAC_ALGORITHMS = ["HS256", "HS384", "HS512"] as const;
export const DEFAULT_ASYMMETRIC: readonly Algorithm[] = ["RS256", "PS256", "ES256", "EdDSA"];

export const AlgorithmSchema = z.enum([...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS], {
  error: (issue) =>
    `unsupported JWT algorithm ${JSON.stringify(issue.input)} (use one of RS256, PS256, ES256, EdDSA, …; HS256 needs \`secret\`; \`none\` is never accepted)`,
});
export type Algorithm = z.infer<typeof AlgorithmSchema>;

const HEX64 = /^[0-9a-fA-F]{64}$/;
/** Shortest API key accepted: a guessable key is no key. */
export const MIN_API_KEY_LENGTH = 16;
/** Shortest HMAC secret accepted (RFC 7518 §3.2: at least the hash size). */
export const MIN_HMAC_SECRET_BYTES = 32;

export const ApiKeySchema = z
  .strictObject({
    key: z
      .string()
      .min(MIN_API_KEY_LENGTH, `an API key must be at least ${MIN_API_KEY_LENGTH} characters`)
      .optional()
      .describe("the key itself; give it as an environment variable reference, never literally in a shared file"),
    key_sha256: z
      .string()
      .regex(HEX64, "key_sha256 must be 64 hex digits (the SHA-256 of the key)")
      .optional()
      .describe("SHA-256 of the key, hex: the file then holds no secret"),
    name: z.string().min(1).describe("subject of callers using this key (policy `subjects`, audit)"),
    roles: z.array(z.string().min(1)).default([]).describe("roles of callers using this key (policy `roles`)"),
    scopes: z.array(z.string().min(1)).default([]).describe("scopes granted to callers using this key"),
  })
  .superRefine((k, ctx) => {
    if ((k.key === undefined) === (k.key_sha256 === undefined))
      ctx.addIssue({ code: "custom", message: "give exactly one of `key` or `key_sha256`" });
  });

/** Claim mapping and time checks shared by `jwt` and `oauth`. */
const ClaimFields = {
  issuer: z.string().min(1).optional().describe("expected `iss`"),
  subject_claim: z.string().min(1).default("sub").describe("claim holding the subject (dotted path allowed)"),
  roles_claim: z
    .string()
    .min(1)
    .default("roles")
    .describe("claim holding the roles: an array or a space-separated string; dotted path like realm_access.roles"),
  scope_claim: z.string().min(1).default("scope").describe("claim holding the scopes (`scope` string or `scp` array)"),
  clock_skew: Duration.default(30_000).describe("tolerance for exp / nbf / iat"),
  jwks_cache_ttl: Duration.default(600_000).describe("how long a fetched JWKS is fresh before a background refresh"),
  jwks_refetch_interval: Duration.default(30_000).describe(
    "least time between two JWKS fetches (an unknown `kid` never triggers more than this)",
  ),
  jwks_timeout: Duration.default(5_000).describe("upper bound for one JWKS fetch"),
};

export const JwtSchema = z
  .strictObject({
    algorithm: AlgorithmSchema.optional().describe("the one accepted algorithm (original key)"),
    algorithms: z.array(AlgorithmSchema).min(1).optional().describe("accepted algorithms (allow list)"),
    secret: z
      .string()
      .optional()
      .describe("HMAC shared secret (HS256/384/512 only); give it as an environment variable reference"),
    pubkey_file: z.string().min(1).optional().describe("PEM public key (SPKI) or certificate"),
    jwks_url: z.url().optional().describe("remote JWKS, cached and refreshed"),
    audience: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe("accepted `aud` value(s)"),
    ...ClaimFields,
  })
  .superRefine((j, ctx) => {
    const sources = [j.secret, j.pubkey_file, j.jwks_url].filter((s) => s !== undefined).length;
    if (sources !== 1)
      ctx.addIssue({ code: "custom", message: "give exactly one of `secret`, `pubkey_file` or `jwks_url`" });
    if (j.algorithm !== undefined && j.algorithms !== undefined)
      ctx.addIssue({ code: "custom", path: ["algorithms"], message: "give `algorithm` or `algorithms`, not both" });
    const algs = j.algorithms ?? (j.algorithm ? [j.algorithm] : []);
    const hmac = algs.filter((a) => a.startsWith("HS"));
    if (j.secret !== undefined) {
      if (new TextEncoder().encode(j.secret).length < MIN_HMAC_SECRET_BYTES)
        ctx.addIssue({
          code: "custom",
          path: ["secret"],
          message: `an HMAC secret must be at least ${MIN_HMAC_SECRET_BYTES} bytes`,
        });
      if (hmac.length !== algs.length)
        ctx.addIssue({
          code: "custom",
          path: ["algorithms"],
          message: "with `secret`, only HS256/HS384/HS512 are allowed",
        });
    } else if (hmac.length > 0) {
      ctx.addIssue({ code: "custom", path: ["algorithms"], message: `${hmac[0]} needs an explicit \`secret\`` });
    }
  });

export const IntrospectionSchema = z
  .strictObject({
    url: z.url().describe("RFC 7662 token introspection endpoint"),
    client_id: z.string().min(1).describe("the gateway's client id at the authorization server"),
    client_secret: z.string().min(1).describe("its secret; give it as an environment variable reference"),
    cache_ttl: Duration.default(30_000).describe("how long an introspection answer is reused (never past `exp`)"),
    timeout: Duration.default(5_000).describe("upper bound for one introspection call"),
  })
  .describe("opaque (non-JWT) tokens are checked by the authorization server");

export const OAuthSchema = z
  .strictObject({
    ...ClaimFields,
    issuer: z.url().describe("authorization server issuer; expected `iss`"),
    jwks_url: z
      .url()
      .optional()
      .describe("the authorization server's JWKS (default: its `jwks_uri`, discovered from the issuer's metadata)"),
    resource_url: z
      .url()
      .optional()
      .describe(
        "this gateway's canonical resource URI (RFC 8707), e.g. https://mcp.example.com/mcp; tokens must name it in `aud`, and RFC 9728 metadata is served for it",
      ),
    audience: z.string().min(1).optional().describe("another accepted `aud` (for servers without RFC 8707 support)"),
    authorization_servers: z
      .array(z.url())
      .min(1)
      .optional()
      .describe("advertised in RFC 9728 metadata (default: [issuer])"),
    scopes_supported: z.array(z.string().min(1)).default([]).describe("advertised in RFC 9728 metadata"),
    required_scopes: z.array(z.string().min(1)).default([]).describe("every token must carry all of these (else 403)"),
    resource_name: z.string().min(1).optional().describe("human-readable name in the metadata"),
    algorithms: z
      .array(AlgorithmSchema)
      .min(1)
      .optional()
      .describe("accepted algorithms (default RS256, PS256, ES256, EdDSA)"),
    introspection: IntrospectionSchema.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.resource_url === undefined && o.audience === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["resource_url"],
        message:
          "give `resource_url` (this gateway's canonical URI, RFC 8707) or at least `audience`: otherwise tokens made for any service would pass",
      });
    if (o.algorithms?.some((a) => a.startsWith("HS")))
      ctx.addIssue({
        code: "custom",
        path: ["algorithms"],
        message: "OAuth tokens are verified with public keys; HS* is not allowed",
      });
    if (o.resource_url !== undefined && URL.canParse(o.resource_url) && new URL(o.resource_url).hash)
      ctx.addIssue({ code: "custom", path: ["resource_url"], message: "resource_url must not have a fragment" });
  });

export const ScopeRuleSchema = z
  .strictObject({
    methods: z.array(z.string().min(1)).min(1).optional().describe("JSON-RPC method globs (`*` crosses `/`)"),
    tools: z.array(z.string().min(1)).min(1).optional().describe("tool name globs (tools/call)"),
    scopes: z.array(z.string().min(1)).min(1).describe("scopes the caller must all hold"),
  })
  .refine((r) => r.methods !== undefined || r.tools !== undefined, "give `methods`, `tools`, or both")
  .describe("a request matching every given condition needs all `scopes`");

export const AuthSchema = z
  .strictObject({
    api_keys: z.array(ApiKeySchema).default([]).describe("static API keys (Authorization: Bearer or X-API-Key)"),
    jwt: JwtSchema.optional().describe("JWTs signed by a key you hold or publish"),
    oauth: OAuthSchema.optional().describe("OAuth 2.1 resource server (MCP authorization spec)"),
    max_token_bytes: ByteSize.default(8192).describe("longest credential accepted; longer is refused before parsing"),
    token_cache_ttl: Duration.default(60_000).describe("how long a verified token is reused (never past `exp`)"),
    token_cache_size: z.number().int().min(0).max(1_000_000).default(10_000).describe("most verified tokens kept"),
    scope_rules: z
      .array(ScopeRuleSchema)
      .default([])
      .describe("per method / tool scope requirements, enforced by the `auth` interceptor"),
  })
  .superRefine((a, ctx) => {
    const names = new Set<string>();
    a.api_keys.forEach((k, i) => {
      if (names.has(k.name))
        ctx.addIssue({ code: "custom", path: ["api_keys", i, "name"], message: `duplicate key name "${k.name}"` });
      names.add(k.name);
    });
  })
  .describe("who may call the gateway (proxy mode); absent = anonymous callers");

export type AuthConfig = z.infer<typeof AuthSchema>;
export type ApiKeyConfig = z.infer<typeof ApiKeySchema>;
export type JwtConfig = z.infer<typeof JwtSchema>;
export type OAuthConfig = z.infer<typeof OAuthSchema>;
export type ScopeRule = z.infer<typeof ScopeRuleSchema>;
export type IntrospectionConfig = z.infer<typeof IntrospectionSchema>;
