/**
 * Operations of a real `mcpgw proxy` child in front of the real SDK "everything" HTTP fixture:
 * Prometheus metrics on `metrics.addr`, and hot reload of the policy when its file changes
 * (no signal sent). Real processes on 127.0.0.1, a real SDK client.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type Running, startFixture, startProxy } from "../helpers/http-proxy.ts";
import { tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);

const ALLOW_ALL = `version: v1\nrules:\n  - name: everything\n    match: { methods: ["*"] }\n    action: allow\n`;
const DENY_SIMPLE = `version: v1\nrules:\n  - name: no-simple-text\n    match: { methods: ["tools/call"], tools: ["test_simple_text"] }\n    action: deny\n  - name: everything\n    match: { methods: ["*"] }\n    action: allow\n`;

function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  return port!;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "ops-test", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

describe("mcpgw proxy operations", () => {
  const dir = tempDir("mcpgw-proxy-ops-");
  const home = dir.path;
  const policyFile = join(home, "policy.yaml");
  const metricsPort = freePort();
  let upstream: Running;
  let proxy: Running;

  beforeAll(async () => {
    writeFileSync(policyFile, ALLOW_ALL);
    upstream = await startFixture(home);
    proxy = await startProxy({
      home,
      upstream: upstream.url,
      config: `policy: ${policyFile}\nmetrics:\n  addr: 127.0.0.1:${metricsPort}\n`,
    });
  });
  afterAll(async () => {
    await proxy?.[Symbol.asyncDispose]();
    await upstream?.[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  test("serves Prometheus metrics of the decisions it made on metrics.addr", async () => {
    const client = await connect(proxy.url);
    await client.callTool({ name: "test_simple_text", arguments: {} });
    await client.close();
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /mcpgw_messages_total\{direction="c2s",method="tools\/call",action="pass",interceptor="[^"]+"\} \d+/,
    );
  });

  test("a changed policy file takes effect without a signal", async () => {
    const client = await connect(proxy.url);
    const before = await client.callTool({ name: "test_simple_text", arguments: {} });
    expect(before.isError ?? false).toBe(false);
    writeFileSync(policyFile, DENY_SIMPLE);
    // Wait for the watch to pick the file up: bounded polling, the condition is the denial itself.
    let denied: unknown;
    for (let i = 0; i < 100 && denied === undefined; i++) {
      denied = await client.callTool({ name: "test_simple_text", arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (denied === undefined) await Bun.sleep(100);
    }
    expect(String(denied)).toContain("Unknown tool: test_simple_text");
    await client.close();
  });
});
