/**
 * The static interceptor registry (compiled into the binary, like Caddy's modules). Entries are
 * listed in default chain order: c2s messages visit them top to bottom, s2c bottom to top.
 */
import type { ChainLink } from "../chain/types.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/index.ts";
import type { Policy } from "./policy/schema.ts";

export interface BuildDeps {
  readonly config: Config;
  readonly policy: Policy;
  readonly logger: Logger;
}

export interface RegistryEntry {
  /** Config key = folder = Interceptor.name = audit decided_by = metrics label. */
  readonly name: string;
  /** Builds the link, or returns null when the configuration leaves it off. Throws ConfigError on bad config. */
  build(deps: BuildDeps): ChainLink | null;
}
