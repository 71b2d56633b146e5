/** Small builders shared by the auth unit tests (not a test file). */
import { type ConfigInput, ConfigSchema } from "../../../../src/config/schema.ts";
import { type Authenticator, type AuthOutcome, createAuthenticator } from "../../../../src/interceptors/auth/index.ts";
import { createLogger, type Logger } from "../../../../src/log/index.ts";

export const GATEWAY = "http://127.0.0.1:9090";

export function config(input: ConfigInput) {
  return ConfigSchema.parse(input);
}

/** A logger whose lines are kept, to check that secrets never appear in them. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: "debug", format: "text", write: (l) => lines.push(l) }), lines };
}

export function call(
  authn: Authenticator,
  headers: Record<string, string> = {},
  path = "/mcp",
  address = "127.0.0.1",
): Promise<AuthOutcome> {
  const url = new URL(path, GATEWAY);
  return authn.authenticate(new Request(url.href, { method: "POST", headers }), url, address);
}

export function build(input: ConfigInput, now?: () => number): { authn: Authenticator; lines: string[] } {
  const { logger, lines } = recordingLogger();
  return { authn: createAuthenticator(config(input), logger, now ? { now } : {}), lines };
}

/** The refusal, or a failure if the outcome was a success. */
export function refusal(o: AuthOutcome): Response {
  if (o.ok) throw new Error(`expected a refusal, got identity ${o.identity.subject}`);
  return o.response;
}

export function identity(o: AuthOutcome) {
  if (!o.ok)
    throw new Error(
      `expected an identity, got HTTP ${o.response.status} ${o.response.headers.get("www-authenticate")}`,
    );
  return o.identity;
}

/** A manually advanced wall clock. */
export function manualClock(start = Date.now()) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

export function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
