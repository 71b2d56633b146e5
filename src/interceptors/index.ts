/** Public surface of the interceptors: the registry in chain order. */
import { createPolicyInterceptor } from "./policy/index.ts";
import type { RegistryEntry } from "./registry.ts";

export type { BuildDeps, RegistryEntry } from "./registry.ts";

const DEFAULT_TIMEOUT_MS = 5000;

export const INTERCEPTORS: readonly RegistryEntry[] = [
  {
    name: "policy",
    build: ({ config, policy }) => ({
      interceptor: createPolicyInterceptor(policy),
      mode: config.mode === "audit" ? "audit" : "enforce",
      failMode: "closed",
      timeoutMs: DEFAULT_TIMEOUT_MS,
    }),
  },
];
