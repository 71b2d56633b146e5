/**
 * The official conformance suite (@modelcontextprotocol/conformance, every server scenario, pending
 * ones included) run with Bun against the SDK "everything" fixture, first direct, then through a
 * real `mcpgw proxy` process. Everything is real: the fixture, mcpgw and the suite are processes
 * talking HTTP on 127.0.0.1.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startFixture, startProxy } from "../helpers/http-proxy.ts";
import { isolatedEnv, ROOT, spawnProcess, tempDir } from "../helpers/process.ts";

const CLI = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
const SCENARIOS = 32;

/** Runs the server suite; returns scenario → passed (every check of it succeeded). */
async function conformance(url: string, cwd: string, home: string): Promise<Map<string, boolean>> {
  const p = spawnProcess([process.execPath, CLI, "server", "--url", url, "--suite", "all"], isolatedEnv(home), cwd);
  await p.exit(240_000);
  const out = new Map<string, boolean>();
  const summary = p.stdout.text.slice(p.stdout.text.indexOf("=== SUMMARY ==="));
  for (const m of summary.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed/gmu))
    out.set(m[2]!, m[1] === "✓" && m[4] === "0");
  if (out.size === 0)
    throw new Error(
      `no summary from the conformance suite:\n${p.stdout.text.slice(-3000)}\n${p.stderr.text.slice(-2000)}`,
    );
  return out;
}

describe("conformance through mcpgw proxy", () => {
  test("every server scenario that passes direct also passes through the proxy", async () => {
    using home = tempDir();
    using direct = tempDir();
    using proxied = tempDir();
    await using fixture = await startFixture(home.path);
    const before = await conformance(fixture.url, direct.path, home.path);
    expect(before.size).toBe(SCENARIOS);
    expect([...before].filter(([, ok]) => !ok).map(([n]) => n)).toEqual([]);

    await using proxy = await startProxy({ home: home.path, upstream: fixture.url });
    const after = await conformance(`${proxy.url}/mcp`, proxied.path, home.path);
    const regressed = [...before].filter(([name, ok]) => ok && after.get(name) !== true).map(([n]) => n);
    expect(regressed).toEqual([]);
    expect(after.size).toBe(SCENARIOS);
  }, 300_000);
});
