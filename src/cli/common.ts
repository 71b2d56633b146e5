/** Flags and helpers every command shares. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "../config/errors.ts";
import { createLogger, type LogFormat, type Logger, type LogLevel } from "../log/index.ts";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const COMMON_OPTIONS = {
  config: { type: "string", short: "c" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

export const COMMON_HELP = `Common options:
  -c, --config FILE       config file (default: $MCPGW_CONFIG, else ~/.mcpgw/config.yaml if present)
      --log-level LEVEL   debug | info | warn | error (default info)
      --log-format FMT    text | json (default text); logs always go to stderr
  -h, --help              show this help`;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(argv: string[]): Promise<number>;
}

/** parseArgs with usage errors turned into {@link UsageError}. */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const LEVELS = ["debug", "info", "warn", "error"];
const FORMATS = ["text", "json"];

export function checkEnum(flag: string, v: string | undefined, allowed: readonly string[]): string | undefined {
  if (v !== undefined && !allowed.includes(v))
    throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, not "${v}"`);
  return v;
}

/** Flag overrides for the logging section. */
export function loggingFlags(values: { "log-level"?: string; "log-format"?: string }) {
  return {
    "logging.level": checkEnum("log-level", values["log-level"], LEVELS),
    "logging.format": checkEnum("log-format", values["log-format"], FORMATS),
  };
}

export function loggerFor(cfg: { logging: { level: LogLevel; format: LogFormat } }): Logger {
  return createLogger({ level: cfg.logging.level, format: cfg.logging.format });
}
