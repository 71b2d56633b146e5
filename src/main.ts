#!/usr/bin/env bun
import { applyAllocatorSetting } from "./cli/allocator.ts";

// proxy and wrap restart in place with the allocator setting before anything else happens (see
// cli/allocator.ts); the CLI is loaded after that, so a re-executed process loads it only once.
await applyAllocatorSetting(process.argv[2]);
const { runCli } = await import("./cli/index.ts");
const code = await runCli(process.argv.slice(2));
// Exit explicitly once the command is done: a handle someone forgot to close (a worker, a timer,
// our own stdin reader) must not keep a finished gateway alive. Pending stdout is drained first.
if (process.stdout.writableLength > 0) await new Promise((r) => process.stdout.once("drain", r));
process.exit(code);
