/**
 * Real path: `mcpgw wrap` with a real config file enabling `server_eval`, in front of the real
 * MCP SDK poisoned-fixture server (it has a `send_note` tool and poisoned definitions), driven by
 * a raw NDJSON client. Checks that an unapproved risky server is held and an approved one is not.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NdjsonPeer } from "../helpers/ndjson-peer.ts";

const ROOT = join(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "mcpgw-servereval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(name: string, yaml: string): Promise<NdjsonPeer> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const peer = new NdjsonPeer(
    [
      "bun",
      join(ROOT, "src/main.ts"),
      "wrap",
      "--no-audit",
      "-c",
      file,
      "--",
      "bun",
      join(ROOT, "test/fixtures/servers/poisoned-fixture.ts"),
    ],
    { ...process.env, HOME: dir, MCPGW_CONFIG: "" },
  );
  await peer.initialize();
  return peer;
}

describe("server_eval through mcpgw wrap", () => {
  test("an unapproved critical-risk server is held: tools/list and tools/call are refused", async () => {
    const peer = await start(
      "held",
      'server_eval:\n  enabled: true\n  mode: enforce\n  auto_approve:\n    risk_levels: ["low"]\n',
    );
    const list = await peer.request("tools/list", {});
    expect(list.error?.message).toContain("held for approval: critical risk");
    const call = await peer.request("tools/call", { name: "add", arguments: { a: 1, b: 2 } });
    expect(call.error?.message).toContain("held for approval");
    await peer.close();
  }, 60_000);

  test("an approved server passes server_eval (the injection plugin still removes poisoned tools)", async () => {
    const peer = await start("approved", 'server_eval:\n  approved_servers: ["stdio"]\n');
    const list = await peer.request("tools/list", {});
    expect(list.error).toBeUndefined();
    expect(((list.result?.tools ?? []) as { name: string }[]).map((t) => t.name).sort()).toEqual([
      "add",
      "echo_result",
    ]);
    await peer.close();
  }, 60_000);
});
