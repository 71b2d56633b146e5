import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, defaultConfigPath, resolveConfig, resolveConfigFile } from "../../../src/config/index.ts";
import { tempDir } from "../../helpers/process.ts";

const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());

const file = join(dir.path, "config.yaml");
writeFileSync(file, "mode: audit\nlogging:\n  level: warn\n  format: json\nlimits:\n  max_batch: 10\n");

describe("precedence: flags > MCPGW_* environment > file > defaults", () => {
  test("the file overrides the defaults", () => {
    const { config } = resolveConfig({ file, env: {} });
    expect(config.logging).toEqual({ level: "warn", format: "json" });
    expect(config.limits.max_frame_bytes).toBe(16 * 1024 * 1024);
    expect(config.limits.max_batch).toBe(10);
  });

  test("the environment overrides the file", () => {
    const { config } = resolveConfig({
      file,
      env: { MCPGW_LOG_LEVEL: "error", MCPGW_MODE: "enforce", MCPGW_MAX_FRAME_BYTES: "1024" },
    });
    expect(config.logging.level).toBe("error");
    expect(config.mode).toBe("enforce");
    expect(config.limits.max_frame_bytes).toBe(1024);
    expect(config.logging.format).toBe("json");
  });

  test("an all-digit environment value stays text for text keys and becomes a number for numeric ones", () => {
    const { config } = resolveConfig({
      file,
      env: { MCPGW_LISTEN: "9090", MCPGW_POLICY: "2024", MCPGW_MAX_FRAME_BYTES: "2048" },
    });
    expect(config.listen).toBe("9090");
    expect(config.policy).toBe("2024");
    expect(config.limits.max_frame_bytes).toBe(2048);
  });

  test("flags override the environment", () => {
    const { config } = resolveConfig({
      file,
      env: { MCPGW_LOG_LEVEL: "error" },
      flags: { "logging.level": "debug", mode: undefined },
    });
    expect(config.logging.level).toBe("debug");
    expect(config.mode).toBe("audit");
  });

  test("an invalid environment value is a config error that names where it came from", () => {
    expect(() => resolveConfig({ file, env: { MCPGW_LOG_LEVEL: "loud" } })).toThrow(ConfigError);
    expect(() => resolveConfig({ file, env: { MCPGW_LOG_LEVEL: "loud" } })).toThrow("MCPGW_LOG_LEVEL");
  });

  test("the resolved config is frozen", () => {
    const { config } = resolveConfig({ file, env: {} });
    expect(Object.isFrozen(config)).toBe(true);
  });
});

describe("relative policy paths", () => {
  test("a relative policy: in the file is relative to the file's directory", () => {
    const sub = join(dir.path, "conf");
    mkdirSync(sub, { recursive: true });
    const f = join(sub, "config.yaml");
    writeFileSync(f, "policy: policies/main.yaml\n");
    expect(resolveConfig({ file: f, env: {} }).config.policy).toBe(join(sub, "policies/main.yaml"));
  });

  test("an absolute policy: is kept, and a flag or MCPGW_POLICY is taken as given", () => {
    const f = join(dir.path, "abs.yaml");
    writeFileSync(f, "policy: /etc/mcpgw/policy.yaml\n");
    expect(resolveConfig({ file: f, env: {} }).config.policy).toBe("/etc/mcpgw/policy.yaml");
    expect(resolveConfig({ file: f, env: { MCPGW_POLICY: "p.yaml" } }).config.policy).toBe("p.yaml");
    expect(resolveConfig({ file: f, env: {}, flags: { policy: "q.yaml" } }).config.policy).toBe("q.yaml");
  });
});

describe("config file discovery", () => {
  const home = join(dir.path, "home");
  mkdirSync(join(home, ".mcpgw"), { recursive: true });
  const homeConfig = join(home, ".mcpgw", "config.yaml");
  writeFileSync(homeConfig, "logging:\n  level: error\n");
  const other = join(dir.path, "other.yaml");
  writeFileSync(other, "logging:\n  level: debug\n");

  test("--config wins over MCPGW_CONFIG and ~/.mcpgw/config.yaml", () => {
    expect(resolveConfigFile({ file, env: { HOME: home, MCPGW_CONFIG: other } })).toBe(file);
  });

  test("MCPGW_CONFIG wins over ~/.mcpgw/config.yaml", () => {
    const r = resolveConfig({ env: { HOME: home, MCPGW_CONFIG: other } });
    expect(r.file).toBe(other);
    expect(r.config.logging.level).toBe("debug");
  });

  test("~/.mcpgw/config.yaml is used when present", () => {
    expect(defaultConfigPath({ HOME: home })).toBe(homeConfig);
    const r = resolveConfig({ env: { HOME: home } });
    expect(r.file).toBe(homeConfig);
    expect(r.config.logging.level).toBe("error");
  });

  test("with no file anywhere the defaults apply", () => {
    const r = resolveConfig({ env: { HOME: join(dir.path, "empty-home") } });
    expect(r.file).toBeUndefined();
    expect(r.config.logging.level).toBe("info");
  });

  test("a missing --config file is an error that names it", () => {
    expect(() => resolveConfig({ file: join(dir.path, "missing.yaml"), env: {} })).toThrow(
      `${join(dir.path, "missing.yaml")}: cannot read file: ENOENT`,
    );
  });
});
