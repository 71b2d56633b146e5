/**
 * The mcpgw command line. Real: `bun src/main.ts …` spawned as a process with HOME pointed at a
 * temporary directory; exit codes, stdout and stderr are read from the process.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { EVERYTHING, INITIALIZE, isolatedEnv, runMcpgw, spawnMcpgw, tempDir } from "../helpers/process.ts";

setDefaultTimeout(60_000);
const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());
const env = isolatedEnv(dir.path);

describe("help and version", () => {
  test("mcpgw --help lists the commands and exits 0", async () => {
    const r = await runMcpgw(["--help"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: mcpgw <command> [options]");
    expect(r.stdout).toMatch(/\n {2}wrap +wrap a local stdio MCP server/);
    expect(r.stdout).toMatch(/\n {2}version +print the version/);
    expect(r.stderr).toBe("");
  });

  test("mcpgw with no command prints the help and exits 2", async () => {
    const r = await runMcpgw([], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Commands:");
  });

  test("mcpgw wrap --help describes wrap's options and exits 0", async () => {
    const r = await runMcpgw(["wrap", "--help"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: mcpgw wrap [options] -- CMD [ARGS…]");
    for (const flag of ["--policy", "--mode", "--config", "--log-level", "--log-format"])
      expect(r.stdout).toContain(flag);
  });

  test("mcpgw help wrap is the same as mcpgw wrap --help", async () => {
    const a = await runMcpgw(["help", "wrap"], env);
    const b = await runMcpgw(["wrap", "--help"], env);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  test("mcpgw version prints the package version", async () => {
    const r = await runMcpgw(["version"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`mcpgw ${pkg.version} (bun ${Bun.version})\n`);
    expect((await runMcpgw(["--version"], env)).stdout).toBe(r.stdout);
  });
});

describe("usage errors exit 2", () => {
  test("an unknown command", async () => {
    const r = await runMcpgw(["frobnicate"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mcpgw: unknown command "frobnicate"');
    expect(r.stdout).toBe("");
  });

  test("help for an unknown command", async () => {
    const r = await runMcpgw(["help", "frobnicate"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mcpgw: unknown command "frobnicate"');
  });

  test("an unknown flag", async () => {
    const r = await runMcpgw(["wrap", "--polcy", "x", "--", "true"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--polcy'");
    expect(r.stderr).toContain("Run 'mcpgw wrap --help' for usage.");
  });

  test("a bad flag value", async () => {
    const r = await runMcpgw(["wrap", "--log-format", "xml", "--", "true"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--log-format must be one of text, json, not "xml"');
  });

  test("wrap with the server command but no --", async () => {
    const r = await runMcpgw(["wrap", "--mode", "audit", "npx", "some-server"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the server command goes after --, e.g. mcpgw wrap -- npx some-server");
  });

  test("wrap without a command", async () => {
    const r = await runMcpgw(["wrap"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("wrap needs a command after --");
  });

  test("a bad config file: exit 2 with file:line:col on stderr, and the child is never started", async () => {
    const config = join(dir.path, "bad.yaml");
    writeFileSync(config, "logging:\n  level: info\n  colour: true\n");
    const marker = join(dir.path, "started");
    const r = await runMcpgw(["wrap", "--config", config, "--", "touch", marker], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${config}:3:3: logging: unknown key "colour"`);
    expect(await Bun.file(marker).exists()).toBe(false);
  });

  test("a bad policy file: exit 2 with file:line:col", async () => {
    const policy = join(dir.path, "bad-policy.yaml");
    writeFileSync(policy, "version: v1\nrules:\n  - name: r\n    action: maybe\n");
    const r = await runMcpgw(["wrap", "--policy", policy, "--", "true"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${policy}:4:13`);
  });

  test("MCPGW_CONFIG pointing at a bad file is reported the same way", async () => {
    const config = join(dir.path, "bad-env.yaml");
    writeFileSync(config, "mode: block-everything\n");
    const r = await runMcpgw(["wrap", "--", "true"], { ...env, MCPGW_CONFIG: config });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${config}:1:7: mode:`);
  });

  test("~/.mcpgw/config.yaml is picked up when present", async () => {
    const home = join(dir.path, "home-with-config");
    await Bun.write(join(home, ".mcpgw", "config.yaml"), "limits:\n  max_batch: -1\n");
    const r = await runMcpgw(["wrap", "--", "true"], isolatedEnv(home));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(home, ".mcpgw", "config.yaml")}:2:14: limits.max_batch:`);
  });
});

describe("logging", () => {
  test("--log-format json writes JSON lines to stderr, and stdout carries only protocol frames", async () => {
    const p = spawnMcpgw(
      ["wrap", "--log-format", "json", "--log-level", "debug", "--", process.execPath, EVERYTHING],
      env,
    );
    await using _ = p;
    p.send(INITIALIZE);
    await p.message((m) => m.id === 1);
    p.send("not json");
    await p.stderr.waitFor("invalid message dropped");
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    const stdoutLines = p.stdout.lines();
    expect(stdoutLines).toHaveLength(1);
    expect(JSON.parse(stdoutLines[0]!)).toMatchObject({ jsonrpc: "2.0", id: 1 });
    const logs = p.stderr.lines().map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const l of logs) {
      expect(["debug", "info", "warn", "error"]).toContain(l.level);
      expect(typeof l.msg).toBe("string");
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
    }
    expect(logs.map((l) => l.msg)).toContain("started MCP server");
  });

  test("--log-level error silences info logs", async () => {
    const p = spawnMcpgw(["wrap", "--log-level", "error", "--", process.execPath, EVERYTHING], env);
    await using _ = p;
    p.send(INITIALIZE);
    await p.message((m) => m.id === 1);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expect(p.stderr.text).toBe("");
  });
});
