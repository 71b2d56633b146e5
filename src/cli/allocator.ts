/**
 * The allocator setting the long-running commands start with.
 *
 * Bun's allocator (mimalloc) returns freed pages to the OS soon after they were freed and faults
 * them back in on the next message; under steady load that is a large share of a small
 * message's CPU (bench/README.md, "Warm-up and the allocator"). mimalloc reads its options from the
 * environment once, when the process starts, so `proxy` and `wrap` replace their own process image
 * (execve: same PID, stdio, parent and exit status) with the same program and the same argv, with
 * the setting added to the environment. This runs first thing in main.ts: nothing has been written,
 * read or opened yet.
 *
 * - A variable already in the environment (any value, even empty) is kept: nothing is re-executed.
 *   One that only a `.env` file set (Bun loads it after start-up, too late for mimalloc) is passed
 *   on to the re-execution with the file's value (Linux, where /proc tells the two apart).
 * - `MCPGW_ALLOCATOR_TUNING=off` (or 0, false, no) turns it off.
 * - The re-executed process finds the marker variable, which names what was added, and removes both
 *   from process.env: mimalloc has read them, and a wrapped server or anything else mcpgw starts sees
 *   the environment mcpgw was given. The marker also stops a second re-execution.
 * - Linux takes the argv and environment byte for byte from /proc/self/cmdline and /proc/self/environ
 *   and re-executes /proc/self/exe; macOS rebuilds argv from process.argv/execArgv (not covered by
 *   the tests, which read /proc). Anywhere else, or when any step fails, mcpgw runs on as it is,
 *   with mimalloc's defaults.
 * - Bun marks inherited descriptors above 2 close-on-exec at start-up, so they do not survive the
 *   re-execution; mcpgw uses none (no socket activation), and its children never got them anyway.
 */
import { readFileSync } from "node:fs";

/** What proxy and wrap start with; see the README's "Allocator" paragraph for the trade-off. */
export const ALLOCATOR_ENV: ReadonlyArray<readonly [name: string, value: string]> = [["MIMALLOC_PURGE_DELAY", "-1"]];
/** Set to off/0/false/no to start with mimalloc's defaults. */
export const OPT_OUT_VAR = "MCPGW_ALLOCATOR_TUNING";
/** Present only in a re-executed process: the comma-separated names of the variables added. */
export const MARKER_VAR = "MCPGW_ALLOCATOR_REEXEC";
/** The commands that run until stopped; one-shot commands are not worth a second start-up. */
export const TUNED_COMMANDS: ReadonlySet<string> = new Set(["proxy", "wrap"]);

type Env = Record<string, string | undefined>;

/** A variable the re-execution sets; `added` ones are removed again from the new process's process.env. */
export interface Addition {
  readonly name: string;
  readonly value: string;
  /** false when the value came from a `.env` file: the process had it in process.env before, so it keeps it. */
  readonly added: boolean;
}

/**
 * The variables to set before re-executing for `command`, or [] to run on as is. `startup` names the
 * variables of the environment the process was started with (what mimalloc read); when it is not
 * known, `env` is taken for it. A variable in `env` but not at start-up came from a `.env` file, which
 * Bun loads after the allocator has read its options: the re-execution passes that value on, so the
 * operator's setting takes effect instead of silently doing nothing.
 */
export function allocatorAdditions(command: string | undefined, env: Env, startup?: ReadonlySet<string>): Addition[] {
  if (command === undefined || !TUNED_COMMANDS.has(command)) return [];
  if (env[MARKER_VAR] !== undefined) return [];
  if (/^(?:off|0|false|no)$/i.test(env[OPT_OUT_VAR]?.trim() ?? "")) return [];
  const out: Addition[] = [];
  for (const [name, value] of ALLOCATOR_ENV) {
    const current = env[name];
    if (current === undefined) out.push({ name, value, added: true });
    else if (startup !== undefined && !startup.has(name)) out.push({ name, value: current, added: false });
  }
  return out;
}

/** The names of the variables in a NUL-separated environment block (/proc/self/environ). */
export function environNames(block: Uint8Array): Set<string> {
  const names = new Set<string>();
  const dec = new TextDecoder();
  for (const kv of splitNulBlock(block)) {
    const eq = kv.indexOf(0x3d);
    names.add(dec.decode(eq < 0 ? kv : kv.subarray(0, eq)));
  }
  return names;
}

/** In a re-executed process, removes what the re-execution added from `env`. */
export function forgetAdditions(env: Env): void {
  const added = env[MARKER_VAR];
  if (added === undefined) return;
  for (const name of added.split(",")) if (ALLOCATOR_ENV.some(([n]) => n === name)) delete env[name];
  delete env[MARKER_VAR];
}

/** A NUL-separated block (/proc/self/cmdline, /proc/self/environ) split into its strings, as bytes. */
export function splitNulBlock(block: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < block.length; i++) {
    if (block[i] !== 0) continue;
    out.push(block.subarray(start, i));
    start = i + 1;
  }
  if (start < block.length) out.push(block.subarray(start));
  return out;
}

/**
 * argv for re-running this program where /proc is not available: the compiled binary sees
 * `["bun", "/$bunfs/root/<name>", ...args]`, `bun [flags] main.ts ...args` sees
 * `[execPath, "/abs/main.ts", ...args]` with the flags in execArgv.
 */
export function rebuiltArgv(argv: readonly string[], execArgv: readonly string[], execPath: string): string[] {
  const script = argv[1] ?? "";
  if (script.startsWith("/$bunfs/") || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(script)) return [execPath, ...argv.slice(2)];
  return [execPath, ...execArgv, ...argv.slice(1)];
}

interface ExecImage {
  readonly path: string;
  readonly argv: Uint8Array[];
  readonly env: Uint8Array[];
  readonly libc: string[];
}

function imageFor(additions: readonly Addition[]): ExecImage | undefined {
  const enc = new TextEncoder();
  const forgotten = additions.filter((a) => a.added).map((a) => a.name);
  const added = [
    ...additions.map((a) => enc.encode(`${a.name}=${a.value}`)),
    enc.encode(`${MARKER_VAR}=${forgotten.join(",")}`),
  ];
  if (process.platform === "linux") {
    return {
      path: "/proc/self/exe",
      argv: splitNulBlock(readFileSync("/proc/self/cmdline")),
      env: [...splitNulBlock(readFileSync("/proc/self/environ")), ...added],
      libc: ["libc.so.6", "libc.so"],
    };
  }
  if (process.platform === "darwin") {
    const env: Uint8Array[] = [];
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env.push(enc.encode(`${k}=${v}`));
    return {
      path: process.execPath,
      argv: rebuiltArgv(process.argv, process.execArgv, process.execPath).map((a) => enc.encode(a)),
      env: [...env, ...added],
      libc: ["/usr/lib/libSystem.B.dylib"],
    };
  }
  return undefined;
}

/** The variables the process was started with, where the OS tells (Linux); undefined elsewhere. */
function startupNames(): Set<string> | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    return environNames(readFileSync("/proc/self/environ"));
  } catch {
    return undefined;
  }
}

/** One buffer holding every string NUL-terminated, and a NULL-terminated array of pointers into it. */
function cStrings(strings: readonly Uint8Array[], ptr: (b: Uint8Array) => number) {
  let size = 0;
  for (const s of strings) size += s.length + 1;
  const data = new Uint8Array(size);
  const offsets: number[] = [];
  let at = 0;
  for (const s of strings) {
    offsets.push(at);
    data.set(s, at);
    at += s.length + 1;
  }
  const base = ptr(data);
  const table = new BigUint64Array(strings.length + 1);
  offsets.forEach((o, i) => {
    table[i] = BigInt(base + o);
  });
  return { data, table };
}

/**
 * Re-executes the process with the allocator setting when `command` is one of TUNED_COMMANDS and
 * the environment allows it; returns only when it did not (or could not). In a re-executed
 * process it removes the added variables from process.env.
 */
export async function applyAllocatorSetting(command: string | undefined): Promise<void> {
  const additions = allocatorAdditions(command, process.env, startupNames());
  forgetAdditions(process.env);
  if (additions.length === 0) return;
  try {
    const image = imageFor(additions);
    if (!image) return;
    const { dlopen, FFIType, ptr } = await import("bun:ffi");
    const symbols = { execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } } as const;
    let lib: ReturnType<typeof dlopen<typeof symbols>> | undefined;
    for (const name of image.libc) {
      try {
        lib = dlopen(name, symbols);
        break;
      } catch {
        // try the next name
      }
    }
    if (!lib) return;
    const path = cStrings([new TextEncoder().encode(image.path)], ptr);
    const argv = cStrings(image.argv, ptr);
    const env = cStrings(image.env, ptr);
    // Returns only on failure (-1, errno set); the process is untouched then and runs on.
    lib.symbols.execve(path.data, argv.table, env.table);
    lib.close();
  } catch {
    // No FFI, no /proc, an unexpected platform: mimalloc's defaults it is.
  }
}
