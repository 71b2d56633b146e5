// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} syntax is what these tests are about
/**
 * Config loading: every invalid fixture under test/fixtures/config/invalid/ has a golden
 * `<name>.expected` with the exact error text (file:line:col: path: message). Set
 * UPDATE_GOLDENS=1 to rewrite them after a deliberate change, then review the diff.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ConfigError, ConfigSchema, expandVars, loadYaml, loadYamlFile } from "../../../src/config/index.ts";
import { ROOT } from "../../helpers/process.ts";

const DIR = join(ROOT, "test/fixtures/config");
const ENV = { MCPGW_TEST_BATCH: "50" };

describe("invalid configs fail with golden file:line:col messages", () => {
  const files = readdirSync(join(DIR, "invalid")).filter((f) => f.endsWith(".yaml"));
  test("there are invalid fixtures", () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    test(`${f} is rejected with its golden message`, () => {
      const file = relative(ROOT, join(DIR, "invalid", f));
      let err: unknown;
      try {
        loadYamlFile(join(ROOT, file), ConfigSchema, ENV);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message.replaceAll(`${ROOT}/`, "");
      const golden = join(DIR, "invalid", f.replace(/\.yaml$/, ".expected"));
      if (process.env.UPDATE_GOLDENS === "1" || !existsSync(golden)) writeFileSync(golden, `${message}\n`);
      expect(message).toBe(readFileSync(golden, "utf8").trimEnd());
    });
  }
});

describe("valid configs", () => {
  test("the full example loads with every value typed and converted", () => {
    const c = loadYamlFile(join(DIR, "valid/full.yaml"), ConfigSchema, ENV);
    expect(c.listen).toBe("127.0.0.1:9191");
    expect(c.mode).toBe("audit");
    expect(c.logging).toEqual({ level: "debug", format: "json" });
    expect(c.limits).toMatchObject({ max_frame_bytes: 32 * 1024 * 1024, max_depth: 64, max_batch: 50 });
    expect(c.wrap).toMatchObject({
      shutdown_grace: 90_000,
      subject: "alice",
      roles: ["admin", "dev"],
      upstream_name: "files",
    });
  });

  test("an empty file and a comments-only file give the defaults", () => {
    for (const f of ["empty.yaml", "comments-only.yaml"]) {
      const c = loadYamlFile(join(DIR, "valid", f), ConfigSchema, {});
      expect(c.mode).toBe("enforce");
      expect(c.limits.max_frame_bytes).toBe(16 * 1024 * 1024);
      expect(c.logging).toEqual({ level: "info", format: "text" });
      expect(c.wrap.shutdown_grace).toBe(5000);
    }
  });
});

describe("${VAR} expansion", () => {
  test("${VAR} and ${VAR:-default} expand inside values", () => {
    expect(expandVars("a-${X}-${Y:-dflt}-${Z:-}", { X: "1" })).toEqual({ value: "a-1-dflt-", missing: [] });
  });

  test("an unset variable without a default is reported by name", () => {
    expect(expandVars("${NOPE}", {}).missing).toEqual(["NOPE"]);
  });

  test("an unset variable is an error at the value's line and column", () => {
    expect(() => loadYaml("mode: enforce\nupstream: ${MCPGW_NOPE}\n", ConfigSchema, "c.yaml", {})).toThrow(
      "c.yaml:2:11: environment variable ${MCPGW_NOPE} is not set and has no default",
    );
  });

  test("a plain ${VAR} is typed as YAML would type its value; a quoted one stays a string", () => {
    const c = loadYaml('limits:\n  max_batch: ${N}\nwrap:\n  subject: "${N}"\n', ConfigSchema, "c.yaml", { N: "7" });
    expect(c.limits.max_batch).toBe(7);
    expect(c.wrap.subject).toBe("7");
  });

  test("a variable whose value does not fit the key is a type error at that value", () => {
    expect(() => loadYaml("limits:\n  max_batch: ${N}\n", ConfigSchema, "c.yaml", { N: "lots" })).toThrow(
      "c.yaml:2:14: limits.max_batch:",
    );
  });

  test("keys are never expanded", () => {
    expect(() => loadYaml("${K}: 1\n", ConfigSchema, "c.yaml", { K: "mode" })).toThrow('unknown key "${K}"');
  });

  test("a value expanding to YAML syntax stays a plain string (no injection into the structure)", () => {
    const c = loadYaml("wrap:\n  subject: ${S}\n", ConfigSchema, "c.yaml", { S: "x\nmode: audit" });
    expect(c.wrap.subject).toBe("x\nmode: audit");
    expect(c.mode).toBe("enforce");
  });
});
