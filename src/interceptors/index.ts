/** Public surface of the interceptors: the registry in chain order. */

import { offloadTarget } from "../pool/index.ts";
import { createScopeInterceptor } from "./auth/index.ts";
import { createInjectionInterceptor, InjectionConfigSchema } from "./injection/index.ts";
import { createPiiInterceptor } from "./pii/index.ts";
import { createPolicyInterceptor } from "./policy/index.ts";
import { createRateLimitInterceptor, SHARED_BUCKETS } from "./ratelimit/index.ts";
import type { RegistryEntry } from "./registry.ts";
import { createSchemaInterceptor } from "./schema/index.ts";
import { createServerEvalInterceptor } from "./servereval/index.ts";

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
        // Reloads keep the counts of unchanged limits.
        store: SHARED_BUCKETS,
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
    // Scope requirements per method / tool (auth.scope_rules), before policy.
    name: "auth",
    build: ({ config }) => {
      const interceptor = createScopeInterceptor(config.auth?.scope_rules ?? []);
      if (!interceptor) return null;
      return {
        interceptor,
        mode: config.mode === "audit" ? "audit" : "enforce",
        failMode: "closed",
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    },
  },
  {
    name: "policy",
    build: ({ config, policy }) => ({
      interceptor: createPolicyInterceptor(policy, { audit: config.mode === "audit" }),
      mode: config.mode === "audit" ? "audit" : "enforce",
      failMode: "closed",
      timeoutMs: DEFAULT_TIMEOUT_MS,
    }),
  },
  {
    // Off unless listed in `plugins:`; learns inputSchemas from s2c tools/list results.
    name: "schema",
    build: ({ config }) => {
      const entry = config.plugins.find((p) => p.name === "schema");
      if (!entry?.enabled || entry.name !== "schema") return null;
      return {
        interceptor: createSchemaInterceptor(entry.config),
        mode: config.mode === "audit" ? "audit" : "enforce",
        failMode: "closed",
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    },
  },
  {
    // On by default (ARCHITECTURE §5): no `plugins:` entry means the default detectors run.
    name: "injection",
    build: ({ config, logger }) => {
      const entry = config.plugins.find((p) => p.name === "injection");
      if (entry && !entry.enabled) return null;
      const pluginConfig = entry?.name === "injection" ? entry.config : InjectionConfigSchema.parse({});
      const mode = pluginConfig.mode ?? config.mode;
      return {
        interceptor: createInjectionInterceptor({
          config: pluginConfig,
          audit: mode === "audit",
          offload: offloadTarget(config, logger),
        }),
        mode: mode === "audit" ? "audit" : "enforce",
        failMode: "closed",
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    },
  },
  {
    // Off unless `server_eval:` is configured (as the original mcpgw).
    name: "servereval",
    build: ({ config }) => {
      const se = config.server_eval;
      if (!se?.enabled) return null;
      const mode = se.mode ?? config.mode;
      return {
        interceptor: createServerEvalInterceptor(se),
        mode: mode === "audit" ? "audit" : "enforce",
        failMode: "closed",
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    },
  },
  {
    // Last in the c2s chain (first for s2c): redaction sees what is actually delivered.
    name: "pii",
    build: ({ config, logger }) => {
      const entry = config.plugins.find((p) => p.name === "pii");
      if (!entry?.enabled || entry.name !== "pii") return null;
      return {
        // Global audit mode records what would be redacted and changes nothing.
        interceptor: createPiiInterceptor({
          config: entry.config,
          mayModify: config.mode !== "audit",
          offload: offloadTarget(config, logger),
        }),
        mode: config.mode === "audit" ? "audit" : "enforce",
        failMode: "closed",
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    },
  },
];
