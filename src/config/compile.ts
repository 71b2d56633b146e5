/**
 * Config → frozen runtime: the one place that knows every interceptor. A reload compiles a new
 * runtime and swaps one reference ({@link RuntimeHolder}); the live one is never patched.
 */

import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { type ChainLink, compileChain, type RunChain } from "../chain/index.ts";
import { INTERCEPTORS } from "../interceptors/index.ts";
import { defaultPolicy, type Policy, PolicySchema } from "../interceptors/policy/index.ts";
import type { Logger } from "../log/index.ts";
import { Counter, registry } from "../metrics/index.ts";
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
  if (!file) return { policy: defaultPolicy(), source: "built-in" };
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

/** Reloads that failed (invalid file): `mcpgw_reload_failures_total`. */
export const reloadFailuresTotal = registry.register(
  new Counter("mcpgw_reload_failures_total", "Configuration or policy reloads that failed and kept the old one", []),
);

/** Holds the live runtime; a reload swaps it in one step. */
export class RuntimeHolder {
  /** Reloads that failed since start (the old runtime kept running). */
  reloadFailures = 0;
  private watchers: FSWatcher[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

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
      this.reloadFailures++;
      reloadFailuresTotal.inc();
      this.logger.error("reload failed; keeping the previous configuration", { error: (e as Error).message });
      return { ok: false, error: e as Error };
    }
    const old = this.current;
    this.current = next;
    this.logger.info("configuration reloaded", { policy: next.policySource });
    void old.close();
    return { ok: true };
  }

  /**
   * Reloads when one of `files` changes (debounced: editors write in several steps). Watches
   * each file's directory, so a file replaced by rename (how editors save) is still seen.
   */
  watch(files: readonly (string | undefined)[], onReloaded?: () => void, debounceMs = 150): void {
    const wanted = new Map<string, Set<string>>();
    for (const f of files) {
      if (!f || f === "built-in") continue;
      const abs = resolve(f);
      const dir = dirname(abs);
      if (!wanted.has(dir)) wanted.set(dir, new Set());
      wanted.get(dir)!.add(basename(abs));
    }
    for (const [dir, names] of wanted) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (name !== null && !names.has(String(name))) return;
          clearTimeout(this.timer);
          this.timer = setTimeout(() => {
            if (this.reload().ok) onReloaded?.();
          }, debounceMs);
        });
        w.on("error", (e) => this.logger.warn("file watch failed", { dir, error: (e as Error).message }));
        this.watchers.push(w);
      } catch (e) {
        this.logger.warn("cannot watch for changes", { dir, error: (e as Error).message });
      }
    }
  }

  /** Stops watching files. */
  unwatch(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
