/**
 * Finds and loads the configuration with its precedence:
 *   1. command-line flags
 *   2. `MCPGW_*` environment variables (table below)
 *   3. the config file: `--config`, else `MCPGW_CONFIG`, else `~/.mcpgw/config.yaml` if present
 *   4. built-in defaults
 * A relative `policy:` path in the file is taken relative to the file's directory.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { type Env, loadYaml, loadYamlFile } from "./load.ts";
import { type Config, ConfigSchema } from "./schema.ts";

/** Environment variables that override config keys (dotted paths). */
export const ENV_OVERRIDES: Readonly<Record<string, string>> = Object.freeze({
  MCPGW_UPSTREAM: "upstream",
  MCPGW_LISTEN: "listen",
  MCPGW_POLICY: "policy",
  MCPGW_MODE: "mode",
  MCPGW_LOG_LEVEL: "logging.level",
  MCPGW_LOG_FORMAT: "logging.format",
  MCPGW_MAX_FRAME_BYTES: "limits.max_frame_bytes",
  MCPGW_AUDIT_DB: "audit.db",
});

/** Overridable keys whose value is text even when it is all digits (MCPGW_LISTEN=9090, a file named 2024). */
const STRING_KEYS: ReadonlySet<string> = new Set(["upstream", "listen", "policy", "audit.db"]);

export function defaultConfigPath(env: Env = process.env): string {
  return join(env.HOME || homedir(), ".mcpgw", "config.yaml");
}

export interface ResolveOptions {
  /** `--config` flag. */
  readonly file?: string;
  /** Flag overrides, as dotted config paths; undefined values are ignored. */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env?: Env;
}

export interface Resolved {
  readonly config: Config;
  /** The config file used, or undefined when none. */
  readonly file: string | undefined;
}

function envOverrides(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v === undefined || v === "") continue;
    out[path] = /^\d+$/.test(v) && !STRING_KEYS.has(path) ? Number(v) : v;
  }
  return out;
}

export function resolveConfigFile(opts: ResolveOptions): string | undefined {
  const env = opts.env ?? process.env;
  if (opts.file) return opts.file;
  if (env.MCPGW_CONFIG) return env.MCPGW_CONFIG;
  const def = defaultConfigPath(env);
  return existsSync(def) ? def : undefined;
}

/** Loads, overlays and validates. Throws ConfigError (exit code 2) on any problem. */
export function resolveConfig(opts: ResolveOptions = {}): Resolved {
  const env = opts.env ?? process.env;
  const file = resolveConfigFile(opts);
  const overrides: Record<string, unknown> = { ...envOverrides(env) };
  const sources: Record<string, string> = {};
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) if (path in overrides) sources[path] = name;
  for (const [k, v] of Object.entries(opts.flags ?? {})) {
    if (v === undefined) continue;
    overrides[k] = v;
    sources[k] = `command-line flag (${k})`;
  }
  const config = file
    ? loadYamlFile(file, ConfigSchema, env, overrides, sources)
    : loadYaml("{}", ConfigSchema, "<defaults>", env, overrides, sources);
  // A relative `policy:` written in the file is relative to the file (Claude Desktop starts
  // mcpgw in /); from a flag or the environment it is relative to the working directory.
  if (file && config.policy && !("policy" in overrides) && !isAbsolute(config.policy)) {
    config.policy = join(dirname(resolvePath(file)), config.policy);
  }
  return { config: Object.freeze(config) as Config, file };
}
