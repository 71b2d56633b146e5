#!/usr/bin/env bun
/**
 * `bun run build`: compiles mcpgw into single executables with `bun build --compile`.
 *
 *   bun run build                       every release target
 *   bun run build --host                only this machine's target
 *   bun run build --target linux-x64,darwin-arm64 --outdir dist
 *
 * Every Worker entry named in src/worker-urls.ts is an extra entry point, so the binary embeds
 * it, and `--root src` keeps its path: `new URL("./pool/worker.ts", import.meta.url)` then
 * resolves inside the binary exactly as it does under `bun run`. Cross-compiling needs the other targets' Bun
 * runtimes, which Bun downloads from the npm registry on first use; a target that cannot be
 * built is reported with the reason and the others still are. Writes `SHA256SUMS` (the format
 * `sha256sum -c` reads) for what was built. Exit status: 0 all built, 1 any target failed,
 * 2 usage error.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as workerUrls from "../worker-urls.ts";

export const TARGETS = ["linux-x64", "linux-arm64", "darwin-arm64", "darwin-x64", "windows-x64"] as const;
export type Target = (typeof TARGETS)[number];

const ROOT = resolve(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");

/** This machine's target, or undefined when it is not a release target. */
export function hostTarget(): Target | undefined {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const t = `${os}-${process.arch}`;
  return (TARGETS as readonly string[]).includes(t) ? (t as Target) : undefined;
}

/** Worker entry files, from the URLs in src/worker-urls.ts, relative to the repository root. */
export function workerEntries(): string[] {
  return Object.values(workerUrls)
    .filter((v): v is URL => v instanceof URL)
    .map((u) => relative(ROOT, Bun.fileURLToPath(u)));
}

export function binaryName(target: Target): string {
  return `mcpgw-${target}${target.startsWith("windows") ? ".exe" : ""}`;
}

export interface BuildOutcome {
  readonly target: Target;
  readonly ok: boolean;
  readonly file?: string;
  readonly bytes?: number;
  readonly seconds: number;
  /** Why it failed: the compiler's last lines. */
  readonly reason?: string;
}

/** Compiles one target into `outdir`. */
export async function buildTarget(target: Target, outdir: string): Promise<BuildOutcome> {
  const started = performance.now();
  const outfile = join(outdir, binaryName(target));
  const cmd = [
    process.execPath,
    "build",
    "--compile",
    `--target=bun-${target}`,
    // Keep src/ as the root of the embedded file tree: without it Bun flattens extra entry
    // points to their base names, and src/worker-urls.ts's URLs (./pool/worker.ts) miss.
    "--root",
    join(ROOT, "src"),
    "--minify-syntax",
    "--minify-whitespace",
    MAIN,
    ...workerEntries().map((e) => join(ROOT, e)),
    "--outfile",
    outfile,
  ];
  const proc = Bun.spawn({ cmd, cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    const lines = `${err}\n${out}`
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    return { target, ok: false, seconds, reason: lines.slice(-4).join(" | ") || `exit code ${code}` };
  }
  // The compiled executable may carry a suffix on Windows targets.
  const file = statSync(outfile, { throwIfNoEntry: false }) ? outfile : `${outfile}.exe`;
  return { target, ok: true, file, bytes: statSync(file).size, seconds };
}

/** Writes `SHA256SUMS` for every mcpgw binary in `outdir`. */
export async function writeSums(outdir: string): Promise<string> {
  const files = readdirSync(outdir)
    .filter((f) => f.startsWith("mcpgw-"))
    .sort();
  const lines: string[] = [];
  for (const f of files) {
    const hasher = new Bun.CryptoHasher("sha256");
    hasher.update(await Bun.file(join(outdir, f)).arrayBuffer());
    lines.push(`${hasher.digest("hex")}  ${f}`);
  }
  const path = join(outdir, "SHA256SUMS");
  await Bun.write(path, lines.length ? `${lines.join("\n")}\n` : "");
  return path;
}

const HELP = `Usage: bun run build [--host | --target T1,T2] [--outdir DIR]

Targets: ${TARGETS.join(", ")} (default: all)
Writes DIR/mcpgw-<target>[.exe] and DIR/SHA256SUMS (default DIR: dist).`;

export async function main(argv: string[]): Promise<number> {
  let values: { host?: boolean; target?: string; outdir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: "boolean" },
        target: { type: "string" },
        outdir: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`build: ${(e as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let targets: Target[];
  if (values.host) {
    const h = hostTarget();
    if (!h) {
      process.stderr.write(`build: this machine (${process.platform}-${process.arch}) is not a release target\n`);
      return 2;
    }
    targets = [h];
  } else if (values.target) {
    const asked = values.target.split(",").map((t) => t.trim());
    const unknown = asked.filter((t) => !(TARGETS as readonly string[]).includes(t));
    if (unknown.length) {
      process.stderr.write(`build: unknown target ${unknown.join(", ")} (known: ${TARGETS.join(", ")})\n`);
      return 2;
    }
    targets = asked as Target[];
  } else {
    targets = [...TARGETS];
  }
  const outdir = resolve(values.outdir ?? join(ROOT, "dist"));
  mkdirSync(outdir, { recursive: true });
  for (const t of targets) rmSync(join(outdir, binaryName(t)), { force: true });
  process.stderr.write(`build: entry points src/main.ts ${workerEntries().join(" ")}\n`);

  // The host first: it needs nothing downloaded. Cross targets one at a time (2-core machines).
  const host = hostTarget();
  targets.sort((a, b) => Number(b === host) - Number(a === host));
  const outcomes: BuildOutcome[] = [];
  for (const t of targets) {
    const o = await buildTarget(t, outdir);
    outcomes.push(o);
    if (o.ok) {
      const mib = ((o.bytes ?? 0) / 1024 / 1024).toFixed(1);
      process.stderr.write(
        `build: ${t.padEnd(12)} ok      ${basename(o.file!)} ${mib} MiB (${o.seconds.toFixed(1)} s)\n`,
      );
    } else {
      process.stderr.write(`build: ${t.padEnd(12)} FAILED  ${o.reason}\n`);
    }
  }
  const sums = await writeSums(outdir);
  process.stderr.write(`build: wrote ${relative(process.cwd(), sums) || sums}\n`);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) {
    process.stderr.write(
      `build: ${failed.length} of ${outcomes.length} target(s) could not be built: ${failed.map((f) => f.target).join(", ")}.\n` +
        "build: cross targets need Bun's runtime for that platform, downloaded from the npm registry (@oven/bun-*);\n" +
        "build: check network access to the registry, or build on that platform with --host.\n",
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
