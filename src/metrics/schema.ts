/** The `metrics:` config section (as the original mcpgw: `addr`), served by the proxy. */
import { z } from "zod";

export const MetricsSchema = z
  .strictObject({
    addr: z
      .string()
      .regex(/^(?:\[[0-9a-fA-F:.]+\]|[^:[\]]*):\d{1,5}$/, "metrics.addr must be HOST:PORT (e.g. 127.0.0.1:9091)")
      .optional()
      .describe("HOST:PORT where GET /metrics serves Prometheus text (e.g. 127.0.0.1:9091)"),
    api_key: z
      .string()
      .optional()
      .describe("when set, /metrics requires `Authorization: Bearer <api_key>`; take it from an environment variable"),
  })
  .describe("Prometheus metrics endpoint");

export type MetricsConfig = z.infer<typeof MetricsSchema>;
