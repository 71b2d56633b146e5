/**
 * Rate limits in `mcpgw wrap`: a real SDK client over stdio, a real `mcpgw wrap` process and the
 * SDK everything fixture as its child. The caller is the local OS user (or `wrap.subject`).
 * The configured rates are so low that no token refills while a test runs: no clock is needed.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectWrapped, firstText } from "../helpers/mcp.ts";
import { isolatedEnv, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

test("tool_rate_limit refuses the call past the burst with RATE_LIMITED, other tools go on", async () => {
  using home = tempDir("mcpgw-rl-wrap-");
  const config = join(home.path, "config.yaml");
  writeFileSync(config, "tool_rate_limit:\n  requests_per_minute: 0.01\n  burst: 2\nwrap:\n  subject: tester\n");
  await using w = await connectWrapped({ flags: ["--config", config], env: isolatedEnv(home.path) });
  const echo = (text: string) => w.client.callTool({ name: "echo", arguments: { text } });
  expect(firstText(await echo("one"))).toContain("one");
  expect(firstText(await echo("two"))).toContain("two");
  const refused = await echo("three").then(
    () => null,
    (e: unknown) => e as { code?: number; message?: string },
  );
  expect(refused?.code).toBe(-32011);
  expect(refused?.message).toMatch(/Rate limit exceeded for tool echo; retry after \d+ s/);
  // The bucket is per tool: listing and other methods are not limited by tool_rate_limit.
  expect((await w.client.listTools()).tools.length).toBeGreaterThan(0);
});

test("rate_limit counts every request of the local caller", async () => {
  using home = tempDir("mcpgw-rl-wrap-");
  const config = join(home.path, "config.yaml");
  // initialize takes one token; burst 3 leaves two more requests.
  writeFileSync(config, "rate_limit:\n  requests_per_second: 0.0001\n  burst: 3\n");
  await using w = await connectWrapped({ flags: ["--config", config], env: isolatedEnv(home.path) });
  await w.client.listTools();
  await w.client.listTools();
  await expect(w.client.listTools()).rejects.toThrow(/Rate limit exceeded; retry after \d+ s/);
});
