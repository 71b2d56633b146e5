/**
 * The OAuth 2.1 resource server of the MCP authorization spec against a real authorization-server
 * fixture (JWKS + RFC 7662 introspection on Bun.serve port 0). The SDK's own client-side discovery
 * reads what the authenticator serves.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { metadataUrls } from "../../../../src/interceptors/auth/discovery.ts";
import type { Authenticator } from "../../../../src/interceptors/auth/index.ts";
import { INTROSPECTION_CLIENT, type JwksFixture, startJwksFixture } from "../../../fixtures/servers/jwks-fixture.ts";
import { build, call, GATEWAY, identity, refusal } from "./helpers.ts";

let as: JwksFixture;
beforeAll(async () => {
  as = await startJwksFixture();
});
afterAll(async () => {
  await as[Symbol.asyncDispose]();
});

const RESOURCE = `${GATEWAY}/mcp`;
const METADATA_URL = `${GATEWAY}/.well-known/oauth-protected-resource/mcp`;

function oauth(extra: Record<string, unknown> = {}) {
  return {
    auth: {
      oauth: {
        issuer: as.issuer,
        jwks_url: as.jwksUrl,
        resource_url: RESOURCE,
        scopes_supported: ["mcp:tools", "mcp:admin"],
        required_scopes: ["mcp:tools"],
        resource_name: "test gateway",
        ...extra,
      },
    },
  };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function wellKnown(authn: Authenticator, path: string, method = "GET") {
  const url = new URL(path, GATEWAY);
  return authn.wellKnown(new Request(url.href, { method }), url);
}

describe("protected resource metadata (RFC 9728)", () => {
  test("is served at the path-suffixed and the root well-known URLs, naming servers and scopes", async () => {
    const { authn } = build(oauth());
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const res = wellKnown(authn, path);
      expect(res?.status).toBe(200);
      expect(res?.headers.get("content-type")).toBe("application/json");
      expect(await res?.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [as.issuer],
        bearer_methods_supported: ["header"],
        scopes_supported: ["mcp:tools", "mcp:admin"],
        resource_name: "test gateway",
      });
    }
  });

  test("answers only its own paths and only GET, HEAD and OPTIONS", () => {
    const { authn } = build(oauth());
    expect(wellKnown(authn, "/mcp")).toBeNull();
    expect(wellKnown(authn, "/.well-known/oauth-authorization-server")).toBeNull();
    expect(wellKnown(authn, "/.well-known/oauth-protected-resource/other")).toBeNull();
    expect(wellKnown(authn, "/.well-known/oauth-protected-resource", "POST")?.status).toBe(405);
    expect(wellKnown(authn, "/.well-known/oauth-protected-resource", "OPTIONS")?.status).toBe(204);
  });

  test("the MCP SDK client discovers the metadata from a 401 served over real HTTP", async () => {
    const { authn } = build(oauth({ resource_url: "http://127.0.0.1:0/mcp" }));
    await using server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const url = new URL(req.url);
        const known = authn.wellKnown(req, url);
        if (known) return known;
        const outcome = await authn.authenticate(req, url, "127.0.0.1");
        return outcome.ok ? new Response("ok") : outcome.response;
      },
    });
    const res = await fetch(`http://127.0.0.1:${server.port}/mcp`, { method: "POST" });
    expect(res.status).toBe(401);
    const params = extractWWWAuthenticateParams(res);
    expect(params.resourceMetadataUrl?.pathname).toBe("/.well-known/oauth-protected-resource/mcp");
    expect(params.scope).toBe("mcp:tools");
    const meta = await discoverOAuthProtectedResourceMetadata(`http://127.0.0.1:${server.port}/mcp`);
    expect(meta.authorization_servers).toEqual([as.issuer]);
  });
});

describe("bearer tokens for this resource", () => {
  test("asks for a token with resource_metadata and scope in the challenge", async () => {
    const { authn } = build(oauth());
    const res = refusal(await call(authn));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer scope="mcp:tools", resource_metadata="${METADATA_URL}"`);
  });

  test("accepts a token whose audience is the canonical resource URI", async () => {
    const { authn } = build(oauth());
    const id = identity(await call(authn, bearer(await as.sign({ sub: "u1", aud: RESOURCE, scope: "mcp:tools" }))));
    expect([id.subject, id.method, id.scopes]).toEqual(["u1", "oauth", ["mcp:tools"]]);
  });

  test("refuses a token issued for another resource", async () => {
    const { authn } = build(oauth());
    for (const aud of ["https://other.example/mcp", `${GATEWAY}/other`, [`${GATEWAY}/mcp-x`]]) {
      const res = refusal(await call(authn, bearer(await as.sign({ sub: "u1", aud, scope: "mcp:tools" }))));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect(res.headers.get("www-authenticate")).toContain(`resource_metadata="${METADATA_URL}"`);
    }
  });

  test("refuses a token without a required scope with 403 insufficient_scope", async () => {
    const { authn } = build(oauth());
    const res = refusal(await call(authn, bearer(await as.sign({ sub: "u1", aud: RESOURCE, scope: "mcp:admin" }))));
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer error="insufficient_scope", error_description="missing scope: mcp:tools", scope="mcp:tools", resource_metadata="${METADATA_URL}"`,
    );
  });

  test("routes tokens by issuer when both auth.jwt and auth.oauth are configured", async () => {
    await using other = await startJwksFixture();
    const { authn } = build({
      auth: { ...oauth().auth, jwt: { jwks_url: other.jwksUrl, issuer: other.issuer, audience: "internal" } },
    });
    expect(identity(await call(authn, bearer(await other.sign({ sub: "svc", aud: "internal" })))).method).toBe("jwt");
    expect(
      identity(await call(authn, bearer(await as.sign({ sub: "u", aud: RESOURCE, scope: "mcp:tools" })))).method,
    ).toBe("oauth");
  });
});

describe("opaque tokens by introspection (RFC 7662)", () => {
  function introspecting() {
    return oauth({
      jwks_url: undefined,
      introspection: {
        url: as.introspectionUrl,
        client_id: INTROSPECTION_CLIENT.id,
        client_secret: INTROSPECTION_CLIENT.secret,
        cache_ttl: "30s",
      },
    });
  }

  test("accepts an active token for this resource and reuses the answer briefly", async () => {
    const { authn } = build(introspecting());
    const token = `opaque-${crypto.randomUUID()}`;
    as.setIntrospection(token, {
      active: true,
      sub: "svc-7",
      aud: RESOURCE,
      scope: "mcp:tools",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const before = as.introspectionHits();
    expect(identity(await call(authn, bearer(token))).subject).toBe("svc-7");
    expect(identity(await call(authn, bearer(token))).subject).toBe("svc-7");
    expect(as.introspectionHits()).toBe(before + 1);
  });

  test("refuses an inactive token, one for another audience and one past its expiry", async () => {
    const { authn } = build(introspecting());
    const exp = Math.floor(Date.now() / 1000) + 600;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ active: false }, "token not active"],
      [
        { active: true, sub: "s", aud: "https://other.example/mcp", scope: "mcp:tools", exp },
        "token not issued for this resource",
      ],
      [{ active: true, sub: "s", aud: RESOURCE, scope: "mcp:tools", exp: exp - 3600 }, "token expired"],
    ];
    for (const [answer, why] of cases) {
      const token = `opaque-${crypto.randomUUID()}`;
      as.setIntrospection(token, answer);
      const res = refusal(await call(authn, bearer(token)));
      expect([res.status, ((await res.json()) as { error_description: string }).error_description]).toEqual([401, why]);
    }
  });

  test("refuses every opaque token when the introspection endpoint is unreachable", async () => {
    const { authn } = build(
      oauth({
        jwks_url: undefined,
        introspection: { url: "http://127.0.0.1:9/introspect", client_id: "x", client_secret: "y", timeout: "500ms" },
      }),
    );
    expect(refusal(await call(authn, bearer("opaque-token"))).status).toBe(401);
  });
});

describe("introspection load", () => {
  test("concurrent requests with one token introspect it once, and a refused token is remembered briefly", async () => {
    const { authn } = build(
      oauth({
        jwks_url: undefined,
        introspection: {
          url: as.introspectionUrl,
          client_id: INTROSPECTION_CLIENT.id,
          client_secret: INTROSPECTION_CLIENT.secret,
        },
      }),
    );
    const good = `opaque-${crypto.randomUUID()}`;
    as.setIntrospection(good, {
      active: true,
      sub: "s",
      aud: RESOURCE,
      scope: "mcp:tools",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const before = as.introspectionHits();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => call(authn, bearer(good))));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(as.introspectionHits()).toBe(before + 1);
    const bad = `opaque-${crypto.randomUUID()}`;
    for (let i = 0; i < 5; i++) expect(refusal(await call(authn, bearer(bad))).status).toBe(401);
    expect(as.introspectionHits()).toBe(before + 2);
  });
});

describe("the original mcpgw's oauth example (issuer and audience only)", () => {
  test("finds the JWKS through the issuer's RFC 8414 metadata and checks the audience", async () => {
    await using fx = await startJwksFixture();
    const { authn, lines } = build({ auth: { oauth: { issuer: fx.issuer, audience: "mcpgw" } } });
    expect(identity(await call(authn, bearer(await fx.sign({ sub: "u", aud: "mcpgw" })))).subject).toBe("u");
    expect(refusal(await call(authn, bearer(await fx.sign({ sub: "u", aud: "other" })))).status).toBe(401);
    expect([fx.metadataHits(), fx.jwksHits()]).toEqual([1, 1]);
    // No resource_url: no metadata to serve, and the operator is told.
    expect(wellKnown(authn, "/.well-known/oauth-protected-resource")).toBeNull();
    expect(lines.join("")).toContain("auth.oauth has no resource_url");
  });

  test("an issuer whose metadata cannot be found refuses every token", async () => {
    const { authn } = build({
      auth: { oauth: { issuer: "http://127.0.0.1:9/as", audience: "mcpgw", jwks_timeout: "500ms" } },
    });
    expect(refusal(await call(authn, bearer(await as.sign({ sub: "u", aud: "mcpgw" })))).status).toBe(401);
  });
});

test("metadata URLs follow RFC 8414 path insertion and OpenID Connect discovery", () => {
  expect(metadataUrls("https://as.example/tenant/1")).toEqual([
    "https://as.example/.well-known/oauth-authorization-server/tenant/1",
    "https://as.example/tenant/1/.well-known/openid-configuration",
  ]);
  expect(metadataUrls("https://as.example")).toEqual([
    "https://as.example/.well-known/oauth-authorization-server",
    "https://as.example/.well-known/openid-configuration",
  ]);
});
