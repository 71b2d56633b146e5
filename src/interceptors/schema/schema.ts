/** `plugins: [{name: schema, config: {...}}]`: tool-argument validation settings (original: `strict`). */
import { z } from "zod";

export const SchemaConfigSchema = z
  .strictObject({
    strict: z
      .boolean()
      .default(false)
      .describe(
        "reject arguments the tool's inputSchema does not declare (additionalProperties: false wherever properties are listed)",
      ),
    reject_unknown_tools: z
      .boolean()
      .default(false)
      .describe("refuse calls to tools the server did not list in this session"),
    invalid_schema: z
      .enum(["allow", "block"])
      .default("allow")
      .describe("what to do with calls to a tool whose advertised inputSchema does not compile"),
    cache_size: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe("compiled validators kept (shared by all sessions, keyed by schema hash)"),
    max_schema_bytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(256 * 1024)
      .describe("largest inputSchema compiled; larger ones count as invalid"),
  })
  .describe("JSON Schema validation of tool arguments against the server's advertised inputSchema");

export type SchemaConfig = z.infer<typeof SchemaConfigSchema>;
