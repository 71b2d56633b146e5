#!/usr/bin/env bun
/**
 * `bun run bench`: what mcpgw adds to every call, measured against a direct connection to the
 * same upstream in the same run, interleaved, over several rounds. See bench/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkBudgets, parseBudgets } from "./harness/budget.ts";
import { closedLoop, openLoop } from "./harness/load.ts";
import {
  cpuMicros,
  freePort,
  peakRssKiB,
  type Running,
  spawnProcess,
  threadCpu,
  threadCpuDelta,
} from "./harness/procs.ts";
import {
  type MicroResult,
  type RunReport,
  type ScenarioResult,
  type TargetResult,
  toJson,
  toMarkdown,
  toSvg,
} from "./harness/report.ts";
import { diffSet, median, medianSet, type PctSet, round, summarize } from "./harness/stats.ts";
import { HttpTarget, type Scenario, StdioTarget, type Target } from "./harness/targets.ts";
import { settled, type WarmSlice } from "./harness/warmup.ts";
import { ALLOW_ALL_POLICY, GATEWAY_MODES, SCENARIOS, samplesFor } from "./scenarios/index.ts";
import { runMicro } from "./scenarios/micro.ts";

const ROOT = resolve(import.meta.dir, "..");
const MAIN = join(ROOT, "src/main.ts");
const BUN = process.execPath;
const CONNECTIONS = [1, 16, 64];
/** Quick runs skip 64 connections: in-flight 1 MiB scans alone would take seconds to drain. */
const QUICK_CONNECTIONS = [1, 16];
/** Length of one settling slice of the warm-up. */
const WARM_SLICE_MS = 500;

const HELP = `Usage: bun run bench [options]

Measures the latency, throughput, CPU and memory mcpgw adds, against a direct connection.

Options:
  --quick                 a short run (under a minute) that proves the bench works
                          (throughput at 1 and 16 connections only)
  --rounds N              interleaved rounds (default 5; quick 2)
  --requests N            latency samples per round for small payloads (default 2000; quick 100)
  --duration MS           length of each throughput point (default 1000; quick 100)
  --warmup MS             untimed traffic per target and scenario before the first round, at
                          16 connections, so compile-once costs are not charged per request
                          (default 3000; quick 200); then 500 ms slices go on until two in a
                          row cost the same CPU per request (±5 %) with the compiler idle
  --warmup-max MS         cap on the whole warm-up per target and scenario (default 30000;
                          quick 200, i.e. no slices)
  --scenarios A,B         only these (${SCENARIOS.map((s) => s.name).join(", ")})
  --targets A,B           only these (direct is always run): ${Object.keys(GATEWAY_MODES).join(", ")}, nginx
  --open-loop RATE        also run each target open-loop at RATE req/s over 16 connections
  --budget SPEC           e.g. p50=100us,p99=1ms,http-1m:p50=3ms — exit 1 when mcpgw's added
                          latency misses one (every mcpgw configuration is checked)
  --no-nginx              skip the nginx comparison row even when nginx is installed
  --no-micro              skip the in-process micro-benchmarks
  --out DIR               where results go (default bench/results)
  -h, --help

Writes DIR/<stamp>.json, DIR/<stamp>.md and DIR/<stamp>.svg. Exit status: 0 ok, 1 a budget was
missed or a response checked before timing was wrong, 2 usage error. Error answers during timing
(refusals under load) are counted in the report's errors column.`;

interface Options {
  quick: boolean;
  connections: number[];
  rounds: number;
  requests: number;
  durationMs: number;
  warmupMs: number;
  warmupMaxMs: number;
  scenarios: Scenario[];
  modes: string[];
  nginx: boolean;
  micro: boolean;
  openLoop: number | undefined;
  budgets: ReturnType<typeof parseBudgets>;
  out: string;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: "boolean" },
      rounds: { type: "string" },
      requests: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      "warmup-max": { type: "string" },
      scenarios: { type: "string" },
      targets: { type: "string" },
      "open-loop": { type: "string" },
      budget: { type: "string" },
      "no-nginx": { type: "boolean" },
      "no-micro": { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const quick = values.quick === true;
  const int = (name: string, v: string | undefined, def: number) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
    return n;
  };
  const pick = <T>(flag: string, v: string | undefined, all: readonly T[], key: (t: T) => string): T[] => {
    if (!v) return [...all];
    const names = v.split(",").map((x) => x.trim());
    const bad = names.filter((n) => !all.some((t) => key(t) === n));
    if (bad.length) throw new UsageError(`--${flag}: unknown ${bad.join(", ")} (known: ${all.map(key).join(", ")})`);
    return all.filter((t) => names.includes(key(t)));
  };
  const allTargets = [...Object.keys(GATEWAY_MODES), "nginx"];
  const targets = pick("targets", values.targets, allTargets, (t) => t);
  let budgets: ReturnType<typeof parseBudgets>;
  try {
    budgets = parseBudgets(values.budget);
  } catch (e) {
    throw new UsageError(`--budget: ${(e as Error).message}`);
  }
  return {
    quick,
    connections: quick ? QUICK_CONNECTIONS : CONNECTIONS,
    rounds: int("rounds", values.rounds, quick ? 2 : 5),
    requests: int("requests", values.requests, quick ? 100 : 2000),
    durationMs: int("duration", values.duration, quick ? 100 : 1000),
    warmupMs: int("warmup", values.warmup, quick ? 200 : 3000),
    warmupMaxMs: int("warmup-max", values["warmup-max"], quick ? 200 : 30_000),
    scenarios: pick("scenarios", values.scenarios, SCENARIOS, (s) => s.name),
    modes: targets.filter((t) => t !== "nginx"),
    nginx: targets.includes("nginx") && !values["no-nginx"],
    micro: !values["no-micro"],
    openLoop: values["open-loop"] === undefined ? undefined : int("open-loop", values["open-loop"], 0),
    budgets,
    out: resolve(values.out ?? join(ROOT, "bench/results")),
  };
}

/** Everything started for the run, stopped at the end whatever happens. */
class Fleet {
  readonly processes: Running[] = [];
  readonly targets: Target[] = [];
  readonly notes: string[] = [];
  async stop(): Promise<void> {
    await Promise.allSettled(this.targets.map((t) => t.close()));
    await Promise.allSettled(this.processes.map((p) => p.stop()));
  }
}

/** Undefined when `mcpgw proxy` runs, else why not (its first line of stderr). */
async function proxyUnavailable(): Promise<string | undefined> {
  const p = Bun.spawn({ cmd: [BUN, MAIN, "proxy", "--help"], stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  return code === 0 ? undefined : `exit ${code}: ${err.trim().split("\n")[0] ?? ""}`;
}

function nginxPath(): string | undefined {
  return (
    Bun.which("nginx") ?? Bun.which("nginx", { PATH: "/usr/sbin:/usr/local/sbin:/usr/local/nginx/sbin" }) ?? undefined
  );
}

async function startNginx(fleet: Fleet, dir: string, upstream: URL): Promise<HttpTarget | undefined> {
  const bin = nginxPath();
  if (!bin) {
    fleet.notes.push("nginx is not installed: no comparison row (apt-get install nginx to add one).");
    return undefined;
  }
  const port = freePort();
  const prefix = join(dir, "nginx");
  mkdirSync(join(prefix, "logs"), { recursive: true });
  const conf = join(prefix, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes 1;
master_process off;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  client_max_body_size 32m;
  upstream mcp { server ${upstream.host}; keepalive 128; keepalive_requests 100000000; }
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`,
  );
  const running = await spawnProcess([bin, "-p", prefix, "-c", conf], { timeoutMs: 5000 });
  fleet.processes.push(running);
  // nginx prints nothing when ready: wait until it accepts connections.
  for (let i = 0; i < 100; i++) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      break;
    } catch {
      await Bun.sleep(20);
    }
  }
  // One process (master_process off) does the proxying, so its CPU and memory are nginx's own.
  return new HttpTarget("nginx", new URL(`http://127.0.0.1:${port}${upstream.pathname}`), running.proc.pid);
}

async function startTargets(fleet: Fleet, opts: Options, dir: string): Promise<Map<string, Target[]>> {
  const policy = join(dir, "allow-all.yaml");
  writeFileSync(policy, ALLOW_ALL_POLICY);
  // One config file per gateway process: each gets its own audit database (two processes on
  // one SQLite audit log is not a supported setup).
  const configFor = (mode: string, transport: string) => {
    const file = join(dir, `${mode}-${transport}.yaml`);
    writeFileSync(
      file,
      GATEWAY_MODES[mode]!.replace("%POLICY%", policy).replaceAll("%DIR%/", join(dir, `${transport}-`)),
    );
    return file;
  };
  const byTransport = new Map<string, Target[]>();
  const wanted = new Set(opts.scenarios.map((s) => s.transport));

  if (wanted.has("stdio")) {
    const echo = [BUN, join(ROOT, "bench/fixtures/echo-stdio.ts")];
    const list: Target[] = [];
    const spawn = (cmd: string[]) => Bun.spawn({ cmd, stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    list.push(new StdioTarget("direct", spawn(echo)));
    for (const mode of opts.modes) {
      list.push(new StdioTarget(mode, spawn([BUN, MAIN, "wrap", "--config", configFor(mode, "stdio"), "--", ...echo])));
    }
    fleet.targets.push(...list);
    byTransport.set("stdio", list);
  }

  if (wanted.has("http")) {
    const why = await proxyUnavailable();
    const proxy = why === undefined;
    if (!proxy) fleet.notes.push(`\`mcpgw proxy\` does not run (${why}): HTTP rows show direct and nginx only.`);
    const up = await spawnProcess([BUN, join(ROOT, "bench/fixtures/http-upstream.ts")], {
      ready: /listening on (http:\/\/\S+)/,
    });
    fleet.processes.push(up);
    const upstream = new URL("/mcp", up.match![1]!);
    const list: Target[] = [new HttpTarget("direct", upstream, up.proc.pid)];
    if (opts.nginx) {
      const n = await startNginx(fleet, dir, upstream);
      if (n) list.push(n);
    }
    for (const mode of proxy ? opts.modes : []) {
      const gw = await spawnProcess(
        [
          BUN,
          MAIN,
          "proxy",
          "--upstream",
          upstream.href,
          "--listen",
          "127.0.0.1:0",
          "--config",
          configFor(mode, "http"),
        ],
        { ready: /listening on (http:\/\/\S+)/ },
      );
      fleet.processes.push(gw);
      list.push(new HttpTarget(mode, new URL("/mcp", gw.match![1]!), gw.proc.pid));
    }
    fleet.targets.push(...list);
    if (list.length > 1) byTransport.set("http", list);
  }
  return byTransport;
}

function rotate<T>(xs: readonly T[], by: number): T[] {
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

async function runScenario(s: Scenario, targets: Target[], opts: Options): Promise<ScenarioResult> {
  for (const t of targets) await t.verify(s);
  const n = samplesFor(s, opts.requests);
  const lat = new Map<string, PctSet[]>();
  const added = new Map<string, PctSet[]>();
  const samples = new Map<string, Float64Array[]>();
  const tput = new Map<string, Map<number, number[]>>();
  const cpu = new Map<string, { us: number; reqs: number; byThread: Record<string, number> }>();
  let errors = new Map<string, number>();
  for (const t of targets) {
    lat.set(t.name, []);
    added.set(t.name, []);
    samples.set(t.name, []);
    tput.set(t.name, new Map(opts.connections.map((c) => [c, []])));
    cpu.set(t.name, { us: 0, reqs: 0, byThread: {} });
  }
  errors = new Map(targets.map((t) => [t.name, 0]));

  // Untimed: the gateway's JIT compiles the chain over its first tens of thousands of messages
  // (seconds of compiler time); a long-running gateway has paid that, so it is not charged here.
  // After the fixed part, slices go on until the process has settled (harness/warmup.ts).
  const warmedMs = new Map<string, number>();
  for (const t of targets) {
    const lanes = await t.lanes(16, s);
    const start = performance.now();
    await closedLoop(lanes, { durationMs: opts.warmupMs });
    const slices: WarmSlice[] = [];
    // Without /proc (CPU unreadable) only the fixed part runs.
    const readable = Number.isFinite(cpuMicros(t.pid));
    while (readable && performance.now() - start < opts.warmupMaxMs && !settled(slices)) {
      const cpu0 = cpuMicros(t.pid);
      const threads0 = threadCpu(t.pid);
      const res = await closedLoop(lanes, { durationMs: WARM_SLICE_MS });
      const jitUs = threadCpuDelta(threads0, threadCpu(t.pid)).jit ?? 0;
      slices.push({ requests: res.requests, cpuUs: cpuMicros(t.pid) - cpu0, jitUs });
    }
    warmedMs.set(t.name, Math.round(performance.now() - start));
    for (const l of lanes) l.close();
  }

  for (let r = 0; r < opts.rounds; r++) {
    const order = rotate(targets, r);
    const round: Record<string, PctSet> = {};
    for (const t of order) {
      const lanes = await t.lanes(1, s);
      await closedLoop(lanes, { count: Math.max(3, Math.floor(n / 10)) });
      const res = await closedLoop(lanes, { count: n });
      for (const l of lanes) l.close();
      errors.set(t.name, errors.get(t.name)! + res.errors);
      round[t.name] = summarize(res.samples);
      lat.get(t.name)!.push(round[t.name]!);
      samples.get(t.name)!.push(res.samples);
    }
    for (const t of targets) if (t.name !== "direct") added.get(t.name)!.push(diffSet(round[t.name]!, round.direct!));
    for (const c of opts.connections) {
      for (const t of order) {
        const lanes = await t.lanes(c, s);
        const before = cpuMicros(t.pid);
        const threadsBefore = threadCpu(t.pid);
        const res = await closedLoop(lanes, { durationMs: opts.durationMs });
        const used = cpuMicros(t.pid) - before;
        const byThread = threadCpuDelta(threadsBefore, threadCpu(t.pid));
        for (const l of lanes) l.close();
        errors.set(t.name, errors.get(t.name)! + res.errors);
        tput
          .get(t.name)!
          .get(c)!
          .push(res.requests / (res.elapsedMs / 1000));
        const acc = cpu.get(t.name)!;
        acc.us += used;
        acc.reqs += res.requests;
        for (const [g, us] of Object.entries(byThread)) acc.byThread[g] = (acc.byThread[g] ?? 0) + us;
      }
    }
  }

  const results: TargetResult[] = [];
  for (const t of targets) {
    let open: TargetResult["open_loop"];
    if (opts.openLoop) {
      const lanes = await t.lanes(16, s);
      const res = await openLoop(lanes, opts.openLoop, Math.max(opts.durationMs, 1000));
      for (const l of lanes) l.close();
      open = { rate: opts.openLoop, latency: summarize(res.samples), errors: res.errors };
    }
    const c = cpu.get(t.name)!;
    results.push({
      target: t.name,
      latency: medianSet(lat.get(t.name)!),
      ...(t.name === "direct" ? {} : { added: medianSet(added.get(t.name)!) }),
      throughput: Object.fromEntries(
        opts.connections.map((k) => [String(k), round(median(tput.get(t.name)!.get(k)!), 0)]),
      ),
      ...(open ? { open_loop: open } : {}),
      warmup_ms: warmedMs.get(t.name) ?? 0,
      cpu_us_per_request: c.reqs ? round(c.us / c.reqs, 1) : Number.NaN,
      cpu_by_thread: Object.fromEntries(
        Object.entries(c.byThread)
          .filter(([, us]) => us > 0 && c.reqs > 0)
          .map(([g, us]) => [g, round(us / c.reqs, 1)]),
      ),
      peak_rss_mib: round(peakRssKiB(t.pid) / 1024, 1),
      errors: errors.get(t.name)!,
    });
  }
  const merged: Record<string, Float64Array> = {};
  for (const [name, list] of samples) {
    const total = list.reduce((a, b) => a + b.length, 0);
    const all = new Float64Array(total);
    let at = 0;
    for (const a of list) {
      all.set(a, at);
      at += a.length;
    }
    merged[name] = all;
  }
  return { name: s.name, title: s.title, targets: results, samples: merged };
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options | "help";
  try {
    opts = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (opts === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const started = performance.now();
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, "-")
    .replace(/-\d{3}Z$/, "Z");
  const dir = mkdtempSync(join(tmpdir(), "mcpgw-bench-"));
  const fleet = new Fleet();
  const scenarios: ScenarioResult[] = [];
  let micro: MicroResult[] = [];
  let failed: string | undefined;
  try {
    const byTransport = await startTargets(fleet, opts, dir);
    for (const s of opts.scenarios) {
      const targets = byTransport.get(s.transport);
      if (!targets) continue;
      process.stderr.write(`bench: ${s.name} (${targets.map((t) => t.name).join(", ")})\n`);
      scenarios.push(await runScenario(s, targets, opts));
    }
    if (opts.micro) {
      process.stderr.write("bench: micro-benchmarks\n");
      micro = await runMicro(opts.quick);
    }
  } catch (e) {
    failed = (e as Error).message;
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failed) {
    process.stderr.write(`bench: ${failed}\n`);
    return 1;
  }

  const checks = checkBudgets(scenarios, opts.budgets, Object.keys(GATEWAY_MODES));
  const report: RunReport = {
    meta: {
      stamp,
      bun: Bun.version,
      cpu: cpus()[0]?.model ?? "unknown CPU",
      cores: availableParallelism(),
      platform: `${process.platform}-${process.arch}`,
      quick: opts.quick,
      rounds: opts.rounds,
      latency_requests: opts.requests,
      throughput_ms: opts.durationMs,
      command: `bun run bench ${argv.join(" ")}`.trim(),
      seconds: round((performance.now() - started) / 1000, 1),
    },
    scenarios,
    micro,
    budgets: checks,
    notes: fleet.notes,
  };
  mkdirSync(opts.out, { recursive: true });
  const base = join(opts.out, stamp);
  writeFileSync(`${base}.json`, toJson(report));
  writeFileSync(`${base}.svg`, toSvg(report));
  const md = toMarkdown(report, `${stamp}.svg`);
  writeFileSync(`${base}.md`, md);
  process.stdout.write(md);
  process.stderr.write(`bench: wrote ${relative(process.cwd(), base)}.{json,md,svg} in ${report.meta.seconds} s\n`);
  const missed = checks.filter((c) => !c.ok);
  if (missed.length) {
    for (const m of missed) {
      process.stderr.write(
        `bench: budget missed: ${m.scenario} ${m.target} added ${m.key} ${m.addedUs} µs > ${m.limitUs} µs\n`,
      );
    }
    return 1;
  }
  const bad = scenarios.flatMap((s) =>
    s.targets.filter((t) => t.errors > 0).map((t) => `${s.name}/${t.target} (${t.errors})`),
  );
  if (bad.length)
    process.stderr.write(`bench: error answers during timing (see the errors column): ${bad.join(", ")}\n`);
  return 0;
}

/**
 * The bench's own processes (this load generator and the upstream fixtures it spawns) run with the
 * allocator setting `mcpgw proxy` and `wrap` start with (src/cli/allocator.ts): otherwise their
 * mimalloc scavenger threads return memory in slices of up to ~6 ms and take a core from the
 * process being measured on a 2-core box (docs/audit.md, the one-connection tail). mimalloc reads
 * it at start, so the bench restarts itself once with it set. Never changes the gateways' own
 * setting; `MIMALLOC_PURGE_DELAY` set by the caller is kept as it is.
 */
async function withQuietAllocator(): Promise<number | undefined> {
  if (process.platform !== "linux" || process.env.MIMALLOC_PURGE_DELAY !== undefined) return undefined;
  const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, MIMALLOC_PURGE_DELAY: "-1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  return await child.exited;
}

if (import.meta.main) {
  const code = await withQuietAllocator();
  process.exitCode = code ?? (await main(process.argv.slice(2)));
}
