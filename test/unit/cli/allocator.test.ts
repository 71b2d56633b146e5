import { describe, expect, test } from "bun:test";
import {
  allocatorAdditions,
  environNames,
  forgetAdditions,
  MARKER_VAR,
  rebuiltArgv,
  splitNulBlock,
} from "../../../src/cli/allocator.ts";

describe("allocatorAdditions", () => {
  test("proxy and wrap get MIMALLOC_PURGE_DELAY=-1 when it is unset", () => {
    const purge = { name: "MIMALLOC_PURGE_DELAY", value: "-1", added: true };
    expect(allocatorAdditions("proxy", {})).toEqual([purge]);
    expect(allocatorAdditions("wrap", { PATH: "/bin" })).toEqual([purge]);
    expect(allocatorAdditions("wrap", { PATH: "/bin" }, new Set(["PATH"]))).toEqual([purge]);
  });

  test("one-shot commands, help and no command run as they are", () => {
    for (const c of ["scan", "audit", "policy", "demo", "version", "--help", undefined]) {
      expect(allocatorAdditions(c, {})).toEqual([]);
    }
  });

  test("an explicit value, even empty, is kept", () => {
    expect(allocatorAdditions("proxy", { MIMALLOC_PURGE_DELAY: "10" })).toEqual([]);
    expect(allocatorAdditions("proxy", { MIMALLOC_PURGE_DELAY: "" })).toEqual([]);
  });

  test("a value only a .env file set (absent at start-up) is passed on to the re-execution, and kept afterwards", () => {
    expect(allocatorAdditions("proxy", { MIMALLOC_PURGE_DELAY: "250", PATH: "/bin" }, new Set(["PATH"]))).toEqual([
      { name: "MIMALLOC_PURGE_DELAY", value: "250", added: false },
    ]);
    // Present at start-up: mimalloc read it, nothing to do.
    expect(allocatorAdditions("proxy", { MIMALLOC_PURGE_DELAY: "250" }, new Set(["MIMALLOC_PURGE_DELAY"]))).toEqual([]);
    // The opt-out still wins.
    expect(
      allocatorAdditions("proxy", { MIMALLOC_PURGE_DELAY: "250", MCPGW_ALLOCATOR_TUNING: "off" }, new Set()),
    ).toEqual([]);
  });

  test("MCPGW_ALLOCATOR_TUNING turns it off with off/0/false/no, and only with those", () => {
    for (const v of ["off", "0", "false", "no", "OFF", " no "]) {
      expect(allocatorAdditions("wrap", { MCPGW_ALLOCATOR_TUNING: v })).toEqual([]);
    }
    for (const v of ["on", "1", "", "yes"]) {
      expect(allocatorAdditions("wrap", { MCPGW_ALLOCATOR_TUNING: v })).toHaveLength(1);
    }
  });

  test("a re-executed process (marker present) never re-executes again", () => {
    expect(allocatorAdditions("proxy", { [MARKER_VAR]: "" })).toEqual([]);
  });
});

describe("forgetAdditions", () => {
  test("removes the marker and the variables it names, nothing else", () => {
    const env: Record<string, string | undefined> = {
      MIMALLOC_PURGE_DELAY: "-1",
      [MARKER_VAR]: "MIMALLOC_PURGE_DELAY",
      PATH: "/bin",
    };
    forgetAdditions(env);
    expect(env).toEqual({ PATH: "/bin" });
  });

  test("leaves variables it did not add, and an environment without the marker, alone", () => {
    const env: Record<string, string | undefined> = { MIMALLOC_PURGE_DELAY: "5", HOME: "/h", [MARKER_VAR]: "HOME" };
    forgetAdditions(env);
    expect(env).toEqual({ MIMALLOC_PURGE_DELAY: "5", HOME: "/h" });
    const plain: Record<string, string | undefined> = { MIMALLOC_PURGE_DELAY: "5" };
    forgetAdditions(plain);
    expect(plain).toEqual({ MIMALLOC_PURGE_DELAY: "5" });
  });
});

describe("environNames", () => {
  test("the names of an environment block, with values containing '=' and entries without one", () => {
    const block = new TextEncoder().encode("A=1\0B=x=y\0EMPTY=\0ODD\0ü=2\0");
    expect([...environNames(block)].sort()).toEqual(["A", "B", "EMPTY", "ODD", "ü"]);
  });
});

describe("splitNulBlock", () => {
  const enc = new TextEncoder();
  const dec = (parts: Uint8Array[]) => parts.map((p) => new TextDecoder().decode(p));

  test("keeps empty strings, spaces and multi-byte characters", () => {
    expect(dec(splitNulBlock(enc.encode("bun\0a b\0\0ü €\0")))).toEqual(["bun", "a b", "", "ü €"]);
  });

  test("an empty block has no strings; a missing final NUL still ends the last one", () => {
    expect(splitNulBlock(new Uint8Array(0))).toEqual([]);
    expect(dec(splitNulBlock(enc.encode("A=1\0B=2")))).toEqual(["A=1", "B=2"]);
  });
});

describe("rebuiltArgv", () => {
  test("bun [flags] main.ts: the runtime, its flags, the script and the arguments", () => {
    expect(rebuiltArgv(["/usr/bin/bun", "/src/main.ts", "wrap", ""], ["--smol"], "/usr/bin/bun")).toEqual([
      "/usr/bin/bun",
      "--smol",
      "/src/main.ts",
      "wrap",
      "",
    ]);
  });

  test("the compiled binary: itself and the arguments, not its embedded script path", () => {
    expect(rebuiltArgv(["bun", "/$bunfs/root/mcpgw", "proxy", "a b"], [], "/opt/mcpgw")).toEqual([
      "/opt/mcpgw",
      "proxy",
      "a b",
    ]);
  });
});
