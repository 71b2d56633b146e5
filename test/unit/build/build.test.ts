import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { binaryName, TARGETS, workerEntries } from "../../../src/build/build.ts";

const ROOT = join(import.meta.dir, "../../..");

describe("build script", () => {
  test("lists every worker URL of src/worker-urls.ts as an entry point that exists", async () => {
    const entries = workerEntries();
    expect(entries).toContain("src/pool/worker.ts");
    for (const e of entries) expect(await Bun.file(join(ROOT, e)).exists()).toBe(true);
  });

  test("names the Windows binary with .exe and the others without", () => {
    expect(TARGETS.map(binaryName)).toEqual([
      "mcpgw-linux-x64",
      "mcpgw-linux-arm64",
      "mcpgw-darwin-arm64",
      "mcpgw-darwin-x64",
      "mcpgw-windows-x64.exe",
    ]);
  });

  test("refuses an unknown target with exit code 2 and the list of known ones", async () => {
    const proc = Bun.spawn({
      cmd: [process.execPath, join(ROOT, "src/build/build.ts"), "--target", "plan9-mips"],
      stdout: "pipe",
      stderr: "pipe",
    });
    const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect({ code, err }).toEqual({
      code: 2,
      err: expect.stringContaining("unknown target plan9-mips (known: linux-x64, linux-arm64"),
    });
  });
});
