/** JWT verification against a real JWKS server (Bun.serve on port 0) that rotates keys. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportSPKI, generateKeyPair, importJWK, SignJWT } from "jose";
import { type JwksFixture, startJwksFixture } from "../../../fixtures/servers/jwks-fixture.ts";
import { b64url, build, call, identity, manualClock, refusal } from "./helpers.ts";

let as: JwksFixture;
beforeAll(async () => {
  as = await startJwksFixture();
});
afterAll(async () => {
  await as[Symbol.asyncDispose]();
});

const AUD = "mcpgw-test";

function jwtConfig(extra: Record<string, unknown> = {}) {
  return {
    auth: {
      jwt: { jwks_url: as.jwksUrl, issuer: as.issuer, audience: AUD, ...extra },
      token_cache_size: 0,
    },
  };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function description(p: ReturnType<typeof call>): Promise<string> {
  const res = refusal(await p);
  expect(res.status).toBe(401);
  return ((await res.json()) as { error_description: string }).error_description;
}

describe("JWT with a remote JWKS", () => {
  test("accepts a valid RS256 token and reads subject, nested roles, scopes and labels", async () => {
    const { authn } = build({
      ...jwtConfig({ roles_claim: "realm_access.roles" }),
      audit: { label_claims: ["tenant", "org.unit"] },
    });
    const token = await as.sign({
      sub: "user-1",
      aud: AUD,
      realm_access: { roles: ["dev", "ops"] },
      scope: "tools:read tools:write",
      tenant: "acme",
      org: { unit: "r&d" },
    });
    const id = identity(
      await call(authn, { ...bearer(token), "x-mcpgw-label-tenant": "spoofed", "x-mcpgw-label-run": "42" }),
    );
    expect(id).toEqual({
      subject: "user-1",
      roles: ["dev", "ops"],
      scopes: ["tools:read", "tools:write"],
      labels: { tenant: "acme", run: "42", "org.unit": "r&d", client_address: "127.0.0.1" },
      method: "jwt",
    });
  });

  test("reads roles from a space-separated string claim and a custom subject claim", async () => {
    const { authn } = build(jwtConfig({ subject_claim: "email", roles_claim: "groups" }));
    const token = await as.sign({ sub: "x", email: "a@example.com", groups: "admin audit", aud: AUD });
    const id = identity(await call(authn, bearer(token)));
    expect([id.subject, id.roles]).toEqual(["a@example.com", ["admin", "audit"]]);
  });

  test("accepts ES256 and EdDSA keys published next to the RSA key", async () => {
    const { authn } = build(jwtConfig());
    const es = await as.rotate({ alg: "ES256" });
    const ed = await as.rotate({ alg: "EdDSA" });
    expect(identity(await call(authn, bearer(await as.sign({ sub: "es", aud: AUD }, { key: es })))).subject).toBe("es");
    expect(identity(await call(authn, bearer(await as.sign({ sub: "ed", aud: AUD }, { key: ed })))).subject).toBe("ed");
  });

  test("refuses alg none", async () => {
    const { authn } = build(jwtConfig());
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "mallory", aud: AUD, iss: as.issuer, exp: 9e9 })}.`;
    expect(await description(call(authn, bearer(token)))).toBe("token algorithm not accepted");
  });

  test("refuses an HS256 token whose HMAC secret is the server's RSA public key", async () => {
    const { authn } = build(jwtConfig());
    const rsa = as.keys().find((k) => k.alg === "RS256");
    if (!rsa) throw new Error("no RSA key");
    const pem = await exportSPKI((await importJWK(rsa.publicJwk, "RS256", { extractable: true })) as CryptoKey);
    for (const secret of [pem, JSON.stringify(rsa.publicJwk), String(rsa.publicJwk.n)]) {
      const token = await new SignJWT({ sub: "mallory", aud: AUD, iss: as.issuer })
        .setProtectedHeader({ alg: "HS256", kid: rsa.kid })
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(secret));
      expect(await description(call(authn, bearer(token)))).toBe("token algorithm not accepted");
    }
  });

  test("refuses an expired token and one not yet valid, beyond the clock skew", async () => {
    const { authn } = build(jwtConfig({ clock_skew: "30s" }));
    const now = Math.floor(Date.now() / 1000);
    expect(await description(call(authn, bearer(await as.sign({ sub: "u", aud: AUD, exp: now - 60 }))))).toBe(
      "token expired",
    );
    expect(await description(call(authn, bearer(await as.sign({ sub: "u", aud: AUD, nbf: now + 120 }))))).toBe(
      "token not yet valid",
    );
  });

  test("accepts a token that expired within the configured clock skew", async () => {
    const { authn } = build(jwtConfig({ clock_skew: "30s" }));
    const now = Math.floor(Date.now() / 1000);
    expect(identity(await call(authn, bearer(await as.sign({ sub: "u", aud: AUD, exp: now - 5 }))))).toBeTruthy();
  });

  test("refuses a wrong issuer, a wrong audience, no expiry and no subject", async () => {
    const { authn } = build(jwtConfig());
    expect(
      await description(call(authn, bearer(await as.sign({ sub: "u", aud: AUD, iss: "https://evil.example" })))),
    ).toBe("token issuer not accepted");
    expect(await description(call(authn, bearer(await as.sign({ sub: "u", aud: "another-api" }))))).toBe(
      "token not issued for this resource",
    );
    const noExp = await new SignJWT({ sub: "u", aud: AUD, iss: as.issuer })
      .setProtectedHeader({ alg: "RS256", kid: as.keys()[0]?.kid })
      .sign((as.keys()[0] as { privateKey: CryptoKey }).privateKey);
    expect(await description(call(authn, bearer(noExp)))).toBe("token has no expiry");
    expect(await description(call(authn, bearer(await as.sign({ aud: AUD }))))).toBe("token has no subject");
  });

  test("refuses a token signed by an attacker's key under a forged kid", async () => {
    const { authn } = build(jwtConfig());
    const { privateKey } = await generateKeyPair("RS256");
    for (const kid of [as.keys()[0]?.kid, "forged"]) {
      const token = await new SignJWT({ sub: "mallory", aud: AUD, iss: as.issuer })
        .setProtectedHeader({ alg: "RS256", kid })
        .setExpirationTime("5m")
        .sign(privateKey);
      const d = await description(call(authn, bearer(token)));
      expect(["token signature invalid", "token signing key unknown"]).toContain(d);
    }
  });

  test("refuses malformed tokens with 401, never an exception", async () => {
    const { authn } = build(jwtConfig());
    for (const t of ["abc.def.ghi", "a.b.", `${b64url({ alg: "RS256" })}.!!!.x`, "e30.e30.e30", "x", "....."]) {
      expect(refusal(await call(authn, bearer(t))).status).toBe(401);
    }
    expect(refusal(await call(authn, { authorization: "Bearer" })).status).toBe(401);
    expect(refusal(await call(authn, { authorization: "Basic dXNlcjpwYXNz" })).status).toBe(401);
    expect(refusal(await call(authn, { authorization: "Bearer a b" })).status).toBe(401);
  });

  test("refuses a 1 MiB token before parsing it, without touching the JWKS", async () => {
    const { authn } = build(jwtConfig());
    const before = as.jwksHits();
    const huge = `${b64url({ alg: "RS256", kid: "x" })}.${"A".repeat(1024 * 1024)}.sig`;
    expect(await description(call(authn, bearer(huge)))).toBe("credential too large");
    expect(as.jwksHits()).toBe(before);
  });

  test("never writes a token into the logs, accepted or refused", async () => {
    const { authn, lines } = build(jwtConfig());
    const good = await as.sign({ sub: "u", aud: AUD });
    const expired = await as.sign({ sub: "u", aud: AUD, exp: Math.floor(Date.now() / 1000) - 3600 });
    identity(await call(authn, bearer(good)));
    refusal(await call(authn, bearer(expired)));
    refusal(await call(authn, bearer(`${good}x`)));
    const text = lines.join("");
    expect(text).toContain("credential refused");
    for (const t of [good, expired]) for (const part of t.split(".")) expect(text).not.toContain(part);
  });

  test("refuses a token given in the query string", async () => {
    const { authn } = build(jwtConfig());
    const token = await as.sign({ sub: "u", aud: AUD });
    expect(refusal(await call(authn, {}, `/mcp?access_token=${token}`)).status).toBe(400);
  });
});

describe("JWKS caching, rotation and failure", () => {
  test("a flood of unknown kids costs the JWKS server at most one fetch per refetch interval", async () => {
    await using fx = await startJwksFixture();
    const clock = manualClock();
    const { authn } = build(
      { auth: { jwt: { jwks_url: fx.jwksUrl, audience: AUD, jwks_refetch_interval: "30s" }, token_cache_size: 0 } },
      clock.now,
    );
    identity(await call(authn, bearer(await fx.sign({ sub: "u", aud: AUD }))));
    expect(fx.jwksHits()).toBe(1);
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        new SignJWT({ sub: "m", aud: AUD })
          .setProtectedHeader({ alg: "RS256", kid: `bogus-${i}` })
          .setExpirationTime("5m")
          .sign(privateKey),
      ),
    );
    const outcomes = await Promise.all(forged.map((t) => call(authn, bearer(t))));
    expect(outcomes.every((o) => !o.ok && o.response.status === 401)).toBe(true);
    expect(fx.jwksHits()).toBe(1);
    clock.advance(31_000);
    await Promise.all(forged.map((t) => call(authn, bearer(t))));
    expect(fx.jwksHits()).toBe(2);
  });

  test("picks up a rotated key once the refetch interval allows, and drops a retired one on refresh", async () => {
    await using fx = await startJwksFixture();
    const clock = manualClock();
    const { authn } = build(
      {
        auth: {
          jwt: { jwks_url: fx.jwksUrl, audience: AUD, jwks_refetch_interval: "10s", jwks_cache_ttl: "1m" },
          token_cache_size: 0,
        },
      },
      clock.now,
    );
    const old = fx.keys()[0];
    identity(await call(authn, bearer(await fx.sign({ sub: "u", aud: AUD }))));
    const fresh = await fx.rotate({ retireOld: true });
    clock.advance(11_000);
    expect(identity(await call(authn, bearer(await fx.sign({ sub: "new", aud: AUD }, { key: fresh })))).subject).toBe(
      "new",
    );
    expect(fx.jwksHits()).toBe(2);
    expect(await description(call(authn, bearer(await fx.sign({ sub: "old", aud: AUD }, { key: old }))))).toBe(
      "token signing key unknown",
    );
  });

  test("keeps using cached keys while the JWKS endpoint is down, and refuses unknown keys", async () => {
    await using fx = await startJwksFixture();
    const clock = manualClock();
    const { authn, lines } = build(
      {
        auth: {
          jwt: { jwks_url: fx.jwksUrl, audience: AUD, jwks_cache_ttl: "1m", jwks_refetch_interval: "5s" },
          token_cache_size: 0,
        },
      },
      clock.now,
    );
    const known = fx.keys()[0];
    identity(await call(authn, bearer(await fx.sign({ sub: "a", aud: AUD }))));
    for (const mode of ["error", "garbage", "not-a-set"] as const) {
      fx.mode = mode;
      clock.advance(120_000); // stale: a background refresh is attempted and fails
      const hits = fx.jwksHits();
      expect(
        identity(await call(authn, bearer(await fx.sign({ sub: `b-${mode}`, aud: AUD }, { key: known })))).subject,
      ).toBe(`b-${mode}`);
      await Bun.sleep(0);
      const unknown = await fx.rotate();
      clock.advance(6_000);
      expect(await description(call(authn, bearer(await fx.sign({ sub: "c", aud: AUD }, { key: unknown }))))).toBe(
        "token signing key unknown",
      );
      expect(fx.jwksHits()).toBeGreaterThan(hits);
    }
    expect(lines.join("")).toContain("JWKS refresh failed; keeping the cached keys");
  });

  test("refuses tokens when the JWKS was never reachable: garbage, HTTP 500, or a hang past the timeout", async () => {
    for (const mode of ["garbage", "error", "hang"] as const) {
      await using fx = await startJwksFixture();
      fx.mode = mode;
      const { authn } = build({ auth: { jwt: { jwks_url: fx.jwksUrl, audience: AUD, jwks_timeout: "200ms" } } });
      expect(await description(call(authn, bearer(await fx.sign({ sub: "u", aud: AUD }))))).toBe(
        "signing keys unavailable",
      );
      // Within the refetch interval, a second attempt does not fetch again.
      expect(await description(call(authn, bearer(await fx.sign({ sub: "v", aud: AUD }))))).toBe(
        "signing keys unavailable",
      );
      expect(fx.jwksHits()).toBe(1);
    }
  });

  test("a cached verification ends at the token's own expiry", async () => {
    await using fx = await startJwksFixture();
    const clock = manualClock();
    const { authn } = build(
      { auth: { jwt: { jwks_url: fx.jwksUrl, audience: AUD, clock_skew: 0 }, token_cache_ttl: "1h" } },
      clock.now,
    );
    const token = await fx.sign({ sub: "u", aud: AUD, exp: Math.floor(clock.now() / 1000) + 60 });
    identity(await call(authn, bearer(token)));
    clock.advance(30_000);
    identity(await call(authn, bearer(token)));
    clock.advance(31_000);
    expect(await description(call(authn, bearer(token)))).toBe("token expired");
  });
});

describe("JWT with a static key or a shared secret", () => {
  test("verifies RS256 with a PEM public key file and refuses HS256 made from that PEM", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const pem = await exportSPKI(publicKey);
    const dir = mkdtempSync(join(tmpdir(), "mcpgw-jwt-"));
    const file = join(dir, "pub.pem");
    writeFileSync(file, pem);
    const { authn } = build({ auth: { jwt: { algorithm: "RS256", pubkey_file: file } } });
    const good = await new SignJWT({ sub: "svc" })
      .setProtectedHeader({ alg: "RS256" })
      .setExpirationTime("5m")
      .sign(privateKey);
    expect(identity(await call(authn, bearer(good))).subject).toBe("svc");
    const confused = await new SignJWT({ sub: "mallory" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(pem));
    expect(await description(call(authn, bearer(confused)))).toBe("token algorithm not accepted");
  });

  test("verifies HS256 with an explicit secret and refuses an RS256 token", async () => {
    const secret = "s".repeat(40);
    const { authn } = build({ auth: { jwt: { algorithm: "HS256", secret } } });
    const good = await new SignJWT({ sub: "svc", roles: ["bot"] })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(secret));
    expect(identity(await call(authn, bearer(good))).roles).toEqual(["bot"]);
    expect(await description(call(authn, bearer(await as.sign({ sub: "u" }))))).toBe("token algorithm not accepted");
  });
});
