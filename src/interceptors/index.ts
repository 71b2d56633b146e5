/** Public surface of the interceptors: the registry in chain order. */
import { createInjectionInterceptor, InjectionConfigSchema } from "./injection/index.ts";
import { createPolicyInterceptor } from "./policy/index.ts";
import { createRateLimitInterceptor } from "./ratelimit/index.ts";
import type { RegistryEntry } from "./registry.ts";

export type { BuildDeps, RegistryEntry } from "./registry.ts";

const DEFAULT_TIMEOUT_MS = 5000;

export const INTERCEPTORS: readonly RegistryEntry[] = [
  {
    // First in the c2s chain: a caller over its quota costs no further inspection.
    name: "ratelimit",
    build: ({ config }) => {
      const interceptor = createRateLimitInterceptor({
        rateLimit: config.rate_limit,
        toolRateLimit: config.tool_rate_limit,
      });
      if (!interceptor) return null;
      const mode = config.rate_limit?.mode ?? config.mode;
      return {
        interceptor,
        mode: mode === "audit" ? "audit" : "enforce",
        failMode: config.rate_limit?.fail_mode ?? "closed",
        timeoutMs: config.rate_limit?.timeout ?? DEFAULT_TIMEOUT_MS,
      };
    },
  },
  {
    name: "policy",
    build: ({ config, policy }) => ({
      interceptor: createPolicyInterceptor(policy),
      mode: config.mode === "audit" ? "audit" : "enforce",
      failMode: "closed",
      timeoutMs: DEFAULT_TIMEOUT_MS,
    }),
  },
  {
    // On by default (ARCHITECTURE §5): no `plugins:` entry means the default detectors run.
    name: "injection",
    build: ({ config }) => {
      const entry = config.plugins.find((p) => p.name === "injection");
      if (entry && !entry.enabled) return null;
      const pluginConfig = entry?.name === "injection" ? entry.config : InjectionConfigSchema.parse({});
      const mode = pluginConfig.mode ?? config.mode;
      return {
        interceptor: createInjectionInterceptor({ config: pluginConfig, audit: mode === "audit" }),
        mode: mode === "audit" ? "audit" : "enforce",
        failMode: "closed",
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    },
  },
];
