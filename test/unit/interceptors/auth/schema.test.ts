import { describe, expect, test } from "bun:test";
import { ConfigSchema } from "../../../../src/config/schema.ts";
import { createAuthenticator } from "../../../../src/interceptors/auth/index.ts";
import { silentLogger } from "../../../../src/log/index.ts";

function issues(input: unknown): string[] {
  const r = ConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("auth config", () => {
  test("loads the original mcpgw's auth keys unchanged", () => {
    expect(
      issues({
        auth: {
          jwt: { algorithm: "RS256", pubkey_file: "/keys/pub.pem", roles_claim: "roles" },
          api_keys: [{ key: "a-long-enough-api-key", name: "ci" }],
          oauth: {
            jwks_url: "https://as.example/jwks",
            issuer: "https://as.example",
            audience: "mcp",
            resource_url: "https://gw.example/mcp",
          },
        },
        rate_limit: { requests_per_second: 10, burst: 20 },
        tool_rate_limit: { requests_per_minute: 60, burst: 5 },
      }),
    ).toEqual([]);
  });

  test("never accepts alg none, HS256 without a secret, or a short secret", () => {
    expect(issues({ auth: { jwt: { algorithm: "none", jwks_url: "https://as.example/jwks" } } })[0]).toContain(
      "`none` is never accepted",
    );
    expect(issues({ auth: { jwt: { algorithm: "HS256", jwks_url: "https://as.example/jwks" } } })).toEqual([
      "auth.jwt.algorithms: HS256 needs an explicit `secret`",
    ]);
    expect(issues({ auth: { jwt: { algorithm: "HS256", secret: "short" } } })).toEqual([
      "auth.jwt.secret: an HMAC secret must be at least 32 bytes",
    ]);
    expect(issues({ auth: { jwt: { algorithm: "RS256", secret: "s".repeat(40) } } })).toEqual([
      "auth.jwt.algorithms: with `secret`, only HS256/HS384/HS512 are allowed",
    ]);
  });

  test("needs exactly one key source, and an OAuth resource URI", () => {
    expect(issues({ auth: { jwt: { algorithm: "RS256" } } })).toEqual([
      "auth.jwt: give exactly one of `secret`, `pubkey_file` or `jwks_url`",
    ]);
    expect(
      issues({ auth: { oauth: { issuer: "https://as.example", jwks_url: "https://as.example/jwks" } } })[0],
    ).toContain("auth.oauth.resource_url");
  });

  test("refuses short API keys, keys given twice and misspelt keys", () => {
    expect(issues({ auth: { api_keys: [{ key: "short", name: "a" }] } })).toEqual([
      "auth.api_keys.0.key: an API key must be at least 16 characters",
    ]);
    expect(issues({ auth: { api_keys: [{ name: "a" }] } })).toEqual([
      "auth.api_keys.0: give exactly one of `key` or `key_sha256`",
    ]);
    expect(issues({ auth: { api_key: [] } })[0]).toContain("api_key");
  });

  test("a PEM file that cannot be read is a config error when the authenticator is built", () => {
    const config = ConfigSchema.parse({ auth: { jwt: { algorithm: "RS256", pubkey_file: "/nonexistent/pub.pem" } } });
    expect(() => createAuthenticator(config, silentLogger)).toThrow(/pubkey_file: cannot read a PEM public key/);
  });
});
