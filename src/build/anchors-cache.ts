#!/usr/bin/env bun
/**
 * Writes src/interceptors/injection/anchors.cache.json from the current rule table. Run it after
 * editing a rule (the injection unit tests fail while the file is stale): `bun src/build/anchors-cache.ts`.
 */
import { join } from "node:path";
import { computeAnchors } from "../interceptors/injection/anchors-cache.ts";
import { planRules } from "../interceptors/injection/plan.ts";
import { MULTILINGUAL_RULES, RULES } from "../interceptors/injection/rules.ts";

const out = join(import.meta.dir, "../interceptors/injection/anchors.cache.json");
const cache = computeAnchors(planRules([...RULES, ...MULTILINGUAL_RULES]), RULES.length);
await Bun.write(out, `${JSON.stringify(cache)}\n`);
const format = Bun.spawnSync(["bunx", "biome", "format", "--write", out], { stdout: "ignore", stderr: "inherit" });
if (format.exitCode !== 0) process.exit(format.exitCode ?? 1);
console.log(`wrote ${out} (${cache.branches.filter((b) => b !== null).length} anchored rules)`);
