import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENV_OVERRIDES } from "../../../src/config/index.ts";
import { LimitsSchema, LoggingSchema, WrapSchema } from "../../../src/config/schema.ts";
import { ROOT } from "../../helpers/process.ts";

const doc = readFileSync(join(ROOT, "docs/config.md"), "utf8");

test("docs/config.md documents every key of the core sections", () => {
  const sections = { limits: LimitsSchema, logging: LoggingSchema, wrap: WrapSchema };
  for (const [name, schema] of Object.entries(sections)) {
    for (const key of Object.keys(schema.shape)) expect(doc).toContain(`\`${name}.${key}\``);
  }
});

test("docs/config.md lists every MCPGW_* environment variable with the key it sets", () => {
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    // Table cells may be padded by the formatter.
    expect(doc).toMatch(new RegExp(`\\| \`${name}\` +\\| \`${path.replaceAll(".", "\\.")}\` +\\|`));
  }
});
