import { describe, expect, test } from "bun:test";
import { createApiKeyVerifier } from "../../../../src/interceptors/auth/api-keys.ts";
import { constantTimeEqual, sha256 } from "../../../../src/interceptors/auth/constant-time.ts";
import { createReloadingAuthenticator } from "../../../../src/interceptors/auth/index.ts";
import { build, call, config, GATEWAY, identity, recordingLogger, refusal } from "./helpers.ts";

const KEY_A = "alpha-key-0123456789abcdef";
const KEY_B = "bravo-key-0123456789abcdef";
const KEY_B_SHA = Buffer.from(sha256(KEY_B)).toString("hex");

const keys = {
  auth: {
    api_keys: [
      { key: KEY_A, name: "alice", roles: ["admin"] },
      { key_sha256: KEY_B_SHA, name: "bob", roles: ["reader"], scopes: ["tools:read"] },
    ],
  },
};

describe("API keys", () => {
  test("accepts a key as a Bearer token and names the caller after the key", async () => {
    const { authn } = build(keys);
    const id = identity(await call(authn, { authorization: `Bearer ${KEY_A}` }, "/mcp", "10.0.0.7"));
    expect(id).toEqual({
      subject: "alice",
      roles: ["admin"],
      scopes: [],
      labels: { client_address: "10.0.0.7" },
      method: "api_key",
    });
  });

  test("accepts a key given by its SHA-256 in X-API-Key and in the ApiKey scheme", async () => {
    const { authn } = build(keys);
    expect(identity(await call(authn, { "x-api-key": KEY_B })).subject).toBe("bob");
    expect(identity(await call(authn, { authorization: `ApiKey ${KEY_B}` })).roles).toEqual(["reader"]);
  });

  test("refuses an unknown key with 401 and a Bearer challenge", async () => {
    const { authn } = build(keys);
    const res = refusal(await call(authn, { "x-api-key": `${KEY_A}x` }));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="mcpgw", error="invalid_token", error_description="unknown API key"',
    );
    expect(await res.json()).toEqual({ error: "invalid_token", error_description: "unknown API key" });
  });

  test("asks for credentials without an error code when none are given", async () => {
    const { authn } = build(keys);
    const res = refusal(await call(authn, {}));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="mcpgw"');
  });

  test("refuses a request carrying both Authorization and X-API-Key", async () => {
    const { authn } = build(keys);
    const res = refusal(await call(authn, { authorization: `Bearer ${KEY_A}`, "x-api-key": KEY_A }));
    expect(res.status).toBe(400);
  });

  test("refuses a key in the query string even when it is valid", async () => {
    const { authn } = build(keys);
    const res = refusal(await call(authn, {}, `/mcp?api_key=${KEY_A}`));
    expect(res.status).toBe(400);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_request"');
  });

  test("never writes a key into the logs", async () => {
    const { authn, lines } = build({ ...keys, logging: { level: "debug", format: "text" } });
    await call(authn, { authorization: `Bearer ${KEY_A}` });
    await call(authn, { authorization: `Bearer ${KEY_A}zz` });
    await call(authn, { "x-api-key": "wrong-but-long-enough-key" });
    const text = lines.join("");
    expect(text).not.toContain(KEY_A);
    expect(text).not.toContain("wrong-but-long-enough-key");
  });

  test("compares the presented key with every configured key through the constant-time helper", () => {
    const seen: Array<[number, number]> = [];
    const spy = (a: Uint8Array, b: Uint8Array) => {
      seen.push([a.byteLength, b.byteLength]);
      return constantTimeEqual(a, b);
    };
    const v = createApiKeyVerifier(
      [
        { key: KEY_A, name: "alice", roles: [], scopes: [] },
        { key: KEY_B, name: "bob", roles: [], scopes: [] },
      ],
      spy,
    );
    // A match on the first key still compares the second: no early exit.
    expect(v.verify(KEY_A)?.name).toBe("alice");
    expect(seen).toEqual([
      [32, 32],
      [32, 32],
    ]);
    // A key sharing a long prefix with a valid one is compared the same way and refused.
    expect(v.verify(`${KEY_A.slice(0, -1)}X`)).toBeNull();
    expect(seen.length).toBe(4);
  });

  test("the constant-time helper tells equal from unequal bytes and refuses different lengths", () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(constantTimeEqual(a, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(a, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(a, new Uint8Array([1, 2]))).toBe(false);
  });

  test("without any auth configuration every caller is anonymous, labelled with its address", async () => {
    const { authn } = build({});
    const id = identity(await call(authn, { "x-mcpgw-label-team": "blue" }, "/mcp", "192.0.2.1"));
    expect(id).toEqual({
      subject: "anonymous",
      roles: [],
      scopes: [],
      labels: { team: "blue", client_address: "192.0.2.1" },
      method: "anonymous",
    });
    expect(
      authn.wellKnown(
        new Request("http://x/.well-known/oauth-protected-resource"),
        new URL("http://x/.well-known/oauth-protected-resource"),
      ),
    ).toBeNull();
  });

  test("an anonymous caller's address is looked up once, and only when its labels are read", async () => {
    const { authn } = build({});
    let lookups = 0;
    const url = new URL("/mcp", GATEWAY);
    const req = new Request(url.href, { method: "POST", headers: { "x-mcpgw-label-team": "red" } });
    const id = identity(
      await authn.authenticate(req, url, () => {
        lookups++;
        return "198.51.100.7";
      }),
    );
    expect(id.subject).toBe("anonymous");
    expect(lookups).toBe(0);
    expect(id.labels).toEqual({ team: "red", client_address: "198.51.100.7" });
    expect(id.labels.client_address).toBe("198.51.100.7");
    expect(lookups).toBe(1);
  });

  test("a credentialed caller gets the address from a lookup function too", async () => {
    const { authn } = build(keys);
    const url = new URL("/mcp", GATEWAY);
    const req = new Request(url.href, { method: "POST", headers: { "x-api-key": KEY_A } });
    const id = identity(await authn.authenticate(req, url, () => "203.0.113.9"));
    expect(id.subject).toBe("alice");
    expect(id.labels.client_address).toBe("203.0.113.9");
  });
});

describe("reloading", () => {
  test("follows a reloaded auth section and keeps the previous one when the new one is unusable", async () => {
    const { logger, lines } = recordingLogger();
    let live = config(keys);
    const authn = createReloadingAuthenticator(() => live, logger);
    expect(identity(await call(authn, { "x-api-key": KEY_A })).subject).toBe("alice");
    live = config({ auth: { api_keys: [{ key: KEY_A, name: "alice-renamed" }] } });
    expect(identity(await call(authn, { "x-api-key": KEY_A })).subject).toBe("alice-renamed");
    expect(refusal(await call(authn, { "x-api-key": KEY_B })).status).toBe(401);
    live = config({ auth: { jwt: { algorithm: "RS256", pubkey_file: "/nonexistent.pem" } } });
    expect(identity(await call(authn, { "x-api-key": KEY_A })).subject).toBe("alice-renamed");
    expect(lines.join("")).toContain("reloaded auth configuration is unusable; keeping the previous one");
  });
});
