/** The scenarios `bun run bench` runs, and the gateway configurations it compares. */
import type { Scenario } from "../harness/targets.ts";

export const SCENARIOS: readonly Scenario[] = [
  { name: "http-small", transport: "http", bytes: 64, sse: false, title: "HTTP, small JSON result" },
  { name: "http-sse", transport: "http", bytes: 64, sse: true, title: "HTTP, single-event SSE result" },
  { name: "http-64k", transport: "http", bytes: 64 * 1024, sse: false, title: "HTTP, 64 KiB result" },
  { name: "http-1m", transport: "http", bytes: 1024 * 1024, sse: false, title: "HTTP, 1 MiB result" },
  { name: "stdio-small", transport: "stdio", bytes: 64, sse: false, title: "stdio wrap, small result" },
  { name: "stdio-64k", transport: "stdio", bytes: 64 * 1024, sse: false, title: "stdio wrap, 64 KiB result" },
];

/** Latency samples per round shrink with the payload so a round stays short. */
export function samplesFor(s: Scenario, base: number): number {
  if (s.bytes >= 1024 * 1024) return Math.max(10, Math.floor(base / 10));
  if (s.bytes >= 64 * 1024) return Math.max(20, Math.floor(base / 3));
  return base;
}

/**
 * Gateway configurations (mcpgw config files; `%POLICY%` is the allow-all policy's path and
 * `%DIR%` the run's temp dir).
 *   passthrough  an allow-all policy only: no detectors, no audit, no pool
 *   inline       the full chain (built-in policy, injection, pii redaction, schema, audit to
 *                SQLite), every message inspected on the event loop
 *   pool         the same chain, with messages of at least workers.offload_min_bytes (its
 *                default) inspected in the worker pool
 */
const FULL_CHAIN = `plugins:
  - name: injection
  - name: pii
    config:
      mode: redact
  - name: schema
`;

export const GATEWAY_MODES: Readonly<Record<string, string>> = {
  passthrough: `logging:\n  level: warn\npolicy: "%POLICY%"\nplugins:\n  - name: injection\n    enabled: false\naudit:\n  enabled: false\nworkers:\n  size: 0\n`,
  inline: `logging:\n  level: warn\n${FULL_CHAIN}audit:\n  db: "%DIR%/inline.db"\nworkers:\n  size: 0\n`,
  pool: `logging:\n  level: warn\n${FULL_CHAIN}audit:\n  db: "%DIR%/pool.db"\nworkers:\n  size: auto\n`,
};

export const ALLOW_ALL_POLICY = `version: v1\nrules:\n  - name: allow-all\n    match:\n      methods: ["*"]\n    action: allow\n`;
