/**
 * `mcpgw demo` (what `bun run demo` runs). Real: the demo spawns a real SDK server and a real SDK
 * client, directly and through `mcpgw wrap`; this test runs the whole command as a process.
 */
import { afterAll, expect, test } from "bun:test";
import { isolatedEnv, runMcpgw, tempDir } from "../helpers/process.ts";

const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());

test("the demo shows the attacks succeeding directly and refused through mcpgw, and exits 0", async () => {
  const r = await runMcpgw(["demo"], isolatedEnv(dir.path));
  expect(r.code).toBe(0);
  const [before, after] = r.stdout.split("2. With mcpgw");
  expect(before).toMatch(/read_file ~\/\.ssh\/id_rsa +→ ALLOWED \(!\): "-----BEGIN OPENSSH PRIVATE KEY/);
  expect(before).toMatch(/run_command rm -rf ~ +→ ALLOWED \(!\)/);
  expect(before).toContain("the server received: read_file, run_command, echo");
  expect(after).toMatch(/read_file ~\/\.ssh\/id_rsa +→ BLOCKED: JSON-RPC error -32602 .*\(rule block-ssh-keys\)/);
  expect(after).toMatch(/run_command rm -rf ~ +→ BLOCKED: .*\(rule block-destructive-commands\)/);
  expect(after).toMatch(/echo hello +→ allowed: "hello"/);
  expect(after).toContain("the server received: echo\n");
  expect(after).not.toContain("PRIVATE KEY");
  expect(r.stdout).toContain("with mcpgw 2 of 2 were refused and ordinary calls still worked.");
}, 60_000);
