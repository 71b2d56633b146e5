/**
 * Real path: the official MCP SDK client talks to a raw NDJSON fixture server through `mcpgw wrap`
 * (the real CLI with a real config file enabling the schema plugin). The server's recorded calls
 * show what crossed the gateway; the client sees tool execution errors for invalid arguments.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectWrapped, firstText } from "../helpers/mcp.ts";
import { FIXTURES, isolatedEnv, tempDir } from "../helpers/process.ts";

const FIXTURE = join(FIXTURES, "servers/pii-echo-fixture.ts");

const TOOLS = [
  {
    name: "book_flight",
    description: "Books a flight.",
    inputSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        from: { type: "string", pattern: "^[A-Z]{3}$" },
        to: { type: "string", pattern: "^[A-Z]{3}$" },
        seats: { type: "integer", minimum: 1, maximum: 9 },
      },
      required: ["from", "to"],
    },
  },
  {
    name: "legacy_search",
    description: "Searches (draft-07 schema).",
    inputSchema: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      definitions: { order: { enum: ["asc", "desc"] } },
      properties: { q: { type: "string" }, order: { $ref: "#/definitions/order" } },
      required: ["q"],
    },
  },
];

function setup(home: string): { flags: string[]; env: Record<string, string>; received: () => { name: string }[] } {
  const cases = join(home, "cases.json");
  const log = join(home, "received.jsonl");
  writeFileSync(cases, JSON.stringify({ tools: TOOLS }));
  const config = join(home, "config.yaml");
  writeFileSync(
    config,
    ["plugins:", "  - name: schema", "    config:", "      strict: true", "      reject_unknown_tools: true", ""].join(
      "\n",
    ),
  );
  return {
    flags: ["--config", config],
    env: isolatedEnv(home, { PII_FIXTURE_FILE: cases, PII_FIXTURE_LOG: log }),
    received: () =>
      existsSync(log)
        ? readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l))
        : [],
  };
}

describe("schema plugin through mcpgw wrap", () => {
  test("valid calls reach the server; violations come back as tool errors and never reach it", async () => {
    using home = tempDir("mcpgw-schema-e2e-");
    const { flags, env, received } = setup(home.path);
    await using w = await connectWrapped({ flags, env, server: [process.execPath, FIXTURE] });
    const listed = await w.client.listTools();
    expect(listed.tools.map((t) => t.name)).toEqual(["book_flight", "legacy_search"]);

    const ok = await w.client.callTool({ name: "book_flight", arguments: { from: "OSL", to: "LHR", seats: 2 } });
    expect(ok.isError).toBeFalsy();
    expect(firstText(ok)).toBe("ok");

    const bad = await w.client.callTool({ name: "book_flight", arguments: { from: "Oslo", to: "LHR", seats: 20 } });
    expect(bad.isError).toBe(true);
    expect(firstText(bad)).toContain("Invalid arguments for tool book_flight");
    expect(firstText(bad)).toContain("arguments/from must match pattern");

    const extra = await w.client.callTool({ name: "book_flight", arguments: { from: "OSL", to: "LHR", bcc: "x" } });
    expect(extra.isError).toBe(true);
    expect(firstText(extra)).toContain('unknown property "bcc"');

    const legacyOk = await w.client.callTool({ name: "legacy_search", arguments: { q: "mcp", order: "asc" } });
    expect(legacyOk.isError).toBeFalsy();
    const legacyBad = await w.client.callTool({ name: "legacy_search", arguments: { q: "mcp", order: "sideways" } });
    expect(legacyBad.isError).toBe(true);

    await expect(w.client.callTool({ name: "exfiltrate", arguments: {} })).rejects.toThrow(/Unknown tool: exfiltrate/);

    // Only the two valid calls crossed the gateway.
    expect(received().map((r) => r.name)).toEqual(["book_flight", "legacy_search"]);
  }, 60_000);
});
