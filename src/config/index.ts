export { ByteSize, Duration, FailModeSchema, LinkSettings, Mode, parseDuration, parseSize } from "./common.ts";
export { compileRuntime, loadPolicy, type Runtime, RuntimeHolder } from "./compile.ts";
export { ConfigError, type ConfigIssue, formatIssue, UsageError } from "./errors.ts";
export { type Env, expandVars, loadYaml, loadYamlFile } from "./load.ts";
export { defaultConfigPath, ENV_OVERRIDES, type Resolved, resolveConfig, resolveConfigFile } from "./resolve.ts";
export { type Config, type ConfigInput, ConfigSchema, DEFAULT_MAX_FRAME_BYTES } from "./schema.ts";
