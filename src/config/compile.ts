/**
 * Config → frozen runtime: the one place that knows every interceptor. A reload compiles a new
 * runtime and swaps one reference ({@link RuntimeHolder}); the live one is never patched.
 */
import { type ChainLink, compileChain, type RunChain } from "../chain/index.ts";
import { INTERCEPTORS } from "../interceptors/index.ts";
import { DEFAULT_POLICY, type Policy, PolicySchema } from "../interceptors/policy/index.ts";
import type { Logger } from "../log/index.ts";
import { loadYamlFile } from "./load.ts";
import type { Config } from "./schema.ts";

export interface Runtime {
  readonly config: Config;
  readonly policy: Policy;
  /** Where the policy came from ("built-in" when none was configured). */
  readonly policySource: string;
  readonly links: readonly ChainLink[];
  readonly chain: RunChain;
  close(): Promise<void>;
}

export function loadPolicy(file: string | undefined): { policy: Policy; source: string } {
  if (!file) return { policy: DEFAULT_POLICY, source: "built-in" };
  return { policy: loadYamlFile(file, PolicySchema), source: file };
}

export function compileRuntime(config: Config, logger: Logger): Runtime {
  const { policy, source } = loadPolicy(config.policy);
  const links: ChainLink[] = [];
  for (const entry of INTERCEPTORS) {
    const link = entry.build({ config, policy, logger });
    if (link) links.push(Object.freeze(link));
  }
  const chain = compileChain(links, (name, error) => logger.error("interceptor failed", { interceptor: name, error }));
  return Object.freeze({
    config,
    policy,
    policySource: source,
    links: Object.freeze(links),
    chain,
    async close() {
      await Promise.allSettled(links.map((l) => l.interceptor.close?.()));
    },
  });
}

/** Holds the live runtime; a reload swaps it in one step. */
export class RuntimeHolder {
  constructor(
    public current: Runtime,
    private readonly rebuild: () => Runtime,
    private readonly logger: Logger,
  ) {}

  /** Compiles a new runtime; on failure the old one keeps running and the error is returned. */
  reload(): { ok: true } | { ok: false; error: Error } {
    let next: Runtime;
    try {
      next = this.rebuild();
    } catch (e) {
      this.logger.error("reload failed; keeping the previous configuration", { error: (e as Error).message });
      return { ok: false, error: e as Error };
    }
    const old = this.current;
    this.current = next;
    this.logger.info("configuration reloaded", { policy: next.policySource });
    void old.close();
    return { ok: true };
  }
}
