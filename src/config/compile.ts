/**
 * Config → frozen runtime: the one place that knows every interceptor. A reload compiles a new
 * runtime and swaps one reference ({@link RuntimeHolder}); the live one is never patched.
 */

import { statSync } from "node:fs";
import { resolve } from "node:path";
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

/** How often a watched config or policy file is checked for a change. */
export const WATCH_INTERVAL_MS = 250;

/** What a change to a file changes: its inode, size, modification and change times ("" when missing). */
function fileStamp(file: string): string {
  try {
    const st = statSync(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return "";
  }
}

/** Holds the live runtime; a reload swaps it in one step. */
export class RuntimeHolder {
  /** Reloads that failed since start (the old runtime kept running). */
  reloadFailures = 0;
  private polls: ReturnType<typeof setInterval>[] = [];
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
   * Reloads when one of `files` changes (debounced: editors write in several steps). The files
   * are polled: a stat each every {@link WATCH_INTERVAL_MS}, compared with the previous one, which
   * also sees a file replaced by rename (how editors save). A directory watch (inotify) would be
   * woken by every write to any file beside the config, and the default audit database lives
   * beside the default config (~/.mcpgw): each group commit cost a wake-up and a callback.
   */
  watch(
    files: readonly (string | undefined)[],
    onReloaded?: () => void,
    debounceMs = 150,
    intervalMs = WATCH_INTERVAL_MS,
  ): void {
    const seen = new Map<string, string>();
    for (const f of files) if (f && f !== "built-in") seen.set(resolve(f), fileStamp(resolve(f)));
    if (seen.size === 0) return;
    const poll = setInterval(() => {
      let changed = false;
      for (const [file, before] of seen) {
        const now = fileStamp(file);
        if (now === before) continue;
        seen.set(file, now);
        changed = true;
      }
      if (!changed) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        if (this.reload().ok) onReloaded?.();
      }, debounceMs);
    }, intervalMs);
    poll.unref();
    this.polls.push(poll);
  }

  /** Stops watching files. */
  unwatch(): void {
    clearTimeout(this.timer);
    for (const p of this.polls) clearInterval(p);
    this.polls = [];
  }
}
