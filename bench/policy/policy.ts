#!/usr/bin/env bun
/**
 * Micro-benchmark of the policy engine (issue 4 targets: a 50-rule policy decides a small
 * tools/call in ≤ 2 µs median; a 64 KiB argument in ≤ 100 µs). Run: `bun bench/policy/policy.ts`.
 *
 * The policy: 45 ordinary rules (tool globs, subjects, argument globs and regexes on other
 * tools) in front of the reference evasion policy (destructive commands, pipe to shell, secret
 * paths), so a benign call walks all 50 rules and every argument condition of the last ones.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { compilePolicy, PolicySchema } from "../../src/interceptors/policy/index.ts";
import { hasConflictingDuplicateKeys } from "../../src/jsonrpc/dupkeys.ts";

function median(samples: number[]): number {
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** Median microseconds per call, measured in batches (single calls are below timer resolution). */
function micros(fn: () => void, n: number, batch: number): number {
  for (let i = 0; i < Math.max(200, n / 10); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < n / batch; i++) {
    const t = Bun.nanoseconds();
    for (let j = 0; j < batch; j++) fn();
    samples.push((Bun.nanoseconds() - t) / batch / 1000);
  }
  return median(samples);
}

const reference = parse(readFileSync(join(import.meta.dir, "../../test/fixtures/policy/reference.yaml"), "utf8"));
const ordinary = Array.from({ length: 45 }, (_, i) => {
  switch (i % 5) {
    case 0:
      return { name: `deny-tool-${i}`, match: { methods: ["tools/call"], tools: [`internal_${i}_*`] }, action: "deny" };
    case 1:
      return { name: `admins-${i}`, match: { methods: ["tools/call"], subjects: [`admin-${i}-*`] }, action: "allow" };
    case 2:
      return {
        name: `arg-glob-${i}`,
        match: { methods: ["tools/call"], tools: [`svc${i}_*`], arguments: { target: [`/srv/${i}/*`] } },
        action: "deny",
      };
    case 3:
      return {
        name: `arg-regex-${i}`,
        match: { methods: ["tools/call"], tools: [`db${i}_query`], argument_patterns: { sql: ["^drop "] } },
        action: "deny",
      };
    default:
      return { name: `roles-${i}`, match: { methods: ["prompts/get"], roles: [`r${i}`] }, action: "allow" };
  }
});
const policy = PolicySchema.parse({ ...reference, rules: [...ordinary, ...reference.rules] });
if (policy.rules.length !== 50) throw new Error(`expected 50 rules, got ${policy.rules.length}`);
const engine = compilePolicy(policy);

const small = () => ({ path: "src/index.ts" });
const text = "The quick brown fox jumps over the lazy dog. ".repeat(1457).slice(0, 65536);
const big = () => ({ path: "notes/fox.md", content: text });
const bigCommand = () => ({ command: `echo ${text.slice(0, 65530)}` });

const decide = (args: unknown) => {
  const d = engine.decide({
    direction: "c2s",
    method: "tools/call",
    tool: "read_file",
    subject: "alice",
    arguments: args,
  });
  if (!d.allow) throw new Error(`benign call denied by ${d.rule}`);
};

const smallUs = micros(() => decide(small()), 200_000, 1000);
const bigUs = micros(() => decide(big()), 2000, 10);
const bigCmdUs = micros(() => decide(bigCommand()), 200, 2);
const frame = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "write", arguments: big() },
});
const dupUs = micros(() => hasConflictingDuplicateKeys(frame), 2000, 10);

const rows = [
  ["50-rule policy, small tools/call", smallUs, 2],
  ["50-rule policy, 64 KiB text argument", bigUs, 100],
  ["50-rule policy, 64 KiB command-line argument", bigCmdUs, undefined],
  ["duplicate-key scan of a 64 KiB tools/call frame", dupUs, undefined],
] as const;
console.log("| case | median µs | target µs |\n|---|---:|---:|");
let failed = false;
for (const [name, us, target] of rows) {
  const over = target !== undefined && us > target;
  failed ||= over;
  console.log(`| ${name} | ${us.toFixed(2)} | ${target ?? "—"}${over ? " (over)" : ""} |`);
}
process.exitCode = failed ? 1 : 0;
