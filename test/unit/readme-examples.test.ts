/**
 * The README is the user's manual: every ```yaml block in it must load. A block containing
 * `version: v1` is a policy file (PolicySchema); any other is a config file (ConfigSchema).
 * `${VAR}` placeholders (used only for secrets) are given a dummy value.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigSchema, loadYaml } from "../../src/config/index.ts";
import { PolicySchema } from "../../src/interceptors/policy/index.ts";
import { ROOT } from "../helpers/process.ts";

const DUMMY = "dummy-secret-0123456789abcdef0123456789";

interface YamlBlock {
  readonly line: number;
  readonly text: string;
}

/** Every fenced ```yaml (or ```yml) block of a Markdown text, with the line its body starts on. */
function yamlBlocks(markdown: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*ya?ml\b/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(fence)) body.push(lines[j++]!);
    blocks.push({ line: i + 2, text: body.join("\n") });
    i = j;
  }
  return blocks;
}

function dummyEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) env[m[1]!] = DUMMY;
  return env;
}

const files = ["README.md"];

describe("yamlBlocks", () => {
  test("finds fenced yaml blocks and the line their body starts on", () => {
    const md = "# t\n```yaml\na: 1\n```\ntext\n```sh\nx\n```\n~~~yml\nb: 2\nc: 3\n~~~\n";
    expect(yamlBlocks(md)).toEqual([
      { line: 3, text: "a: 1" },
      { line: 10, text: "b: 2\nc: 3" },
    ]);
  });
});

for (const f of files) {
  const blocks = yamlBlocks(readFileSync(join(ROOT, f), "utf8"));
  describe(`every yaml block in ${f} loads`, () => {
    test(`${f} has yaml blocks`, () => expect(blocks.length).toBeGreaterThan(0));
    for (const b of blocks) {
      const isPolicy = /^version:\s*v1\s*$/m.test(b.text);
      test(`${f} line ${b.line}: loads as a ${isPolicy ? "policy" : "config"} file`, () => {
        // Errors are reported at README positions: the block's own lines are offset to where they are.
        const padded = "\n".repeat(b.line - 1) + b.text;
        expect(() => loadYaml(padded, isPolicy ? PolicySchema : ConfigSchema, f, dummyEnv(b.text))).not.toThrow();
      });
    }
  });
}
