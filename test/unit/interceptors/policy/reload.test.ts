/**
 * Policy hot reload through the real RuntimeHolder: real files in a temp dir, really polled.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileRuntime, RuntimeHolder, reloadFailuresTotal } from "../../../../src/config/compile.ts";
import { ConfigSchema } from "../../../../src/config/schema.ts";
import { silentLogger } from "../../../../src/log/index.ts";

const dir = mkdtempSync(join(tmpdir(), "mcpgw-policy-reload-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALLOW = "version: v1\nrules:\n  - name: all\n    action: allow\n";
const DENY = "version: v1\nrules:\n  - name: none\n    action: deny\n";

function holderFor(file: string) {
  const build = () => compileRuntime(ConfigSchema.parse({ policy: file, audit: { enabled: false } }), silentLogger);
  return new RuntimeHolder(build(), build, silentLogger);
}

describe("RuntimeHolder with a policy file", () => {
  test("an invalid policy keeps the old one and counts a reload failure", () => {
    const file = join(dir, "a.yaml");
    writeFileSync(file, ALLOW);
    const holder = holderFor(file);
    const before = holder.current;
    const metricBefore = reloadFailuresTotal.get();
    writeFileSync(file, "version: v1\nrules: []\n");
    const r = holder.reload();
    expect(r.ok).toBe(false);
    expect(holder.current).toBe(before);
    expect(holder.reloadFailures).toBe(1);
    expect(reloadFailuresTotal.get()).toBe(metricBefore + 1);
    writeFileSync(file, DENY);
    expect(holder.reload().ok).toBe(true);
    expect(holder.current.policy.rules[0]!.name).toBe("none");
  });

  test("watch() reloads when the file changes", async () => {
    const file = join(dir, "b.yaml");
    writeFileSync(file, ALLOW);
    const holder = holderFor(file);
    holder.watch([file], undefined, 20);
    try {
      writeFileSync(file, DENY);
      for (let i = 0; i < 200 && holder.current.policy.rules[0]!.name !== "none"; i++) await Bun.sleep(25);
      expect(holder.current.policy.rules[0]!.name).toBe("none");
    } finally {
      holder.unwatch();
    }
  });

  test("watch() sees a file replaced by rename, and ignores writes to other files beside it", async () => {
    const file = join(dir, "c.yaml");
    writeFileSync(file, ALLOW);
    const holder = holderFor(file);
    const before = holder.current;
    holder.watch([file], undefined, 20, 20);
    try {
      // An audit database beside the config is written all the time: no reload for that.
      for (let i = 0; i < 10; i++) {
        writeFileSync(join(dir, "audit.db"), `write ${i}`);
        await Bun.sleep(10);
      }
      await Bun.sleep(100);
      expect(holder.current).toBe(before);
      writeFileSync(join(dir, "c.yaml.tmp"), DENY);
      renameSync(join(dir, "c.yaml.tmp"), file);
      for (let i = 0; i < 200 && holder.current.policy.rules[0]!.name !== "none"; i++) await Bun.sleep(25);
      expect(holder.current.policy.rules[0]!.name).toBe("none");
    } finally {
      holder.unwatch();
    }
  });
});
