/** Startup and usage errors: printed to stderr, exit code 2. */

export interface ConfigIssue {
  /** Dotted path of the offending key, e.g. "auth.jwt.algorithm" ("" for the document). */
  readonly path: string;
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
  /** Where the value came from when not from the file, e.g. "MCPGW_LOG_LEVEL" or "--log-level". */
  readonly source?: string;
}

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(issues.map((i) => formatIssue(file, i)).join("\n"));
    this.name = "ConfigError";
  }
}

export function formatIssue(file: string, i: ConfigIssue): string {
  const where = i.source ?? (i.line === undefined ? file : `${file}:${i.line}:${i.col ?? 1}`);
  return i.path ? `${where}: ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

export class UsageError extends Error {
  readonly code = "USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
