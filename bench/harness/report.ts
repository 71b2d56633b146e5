/** Writes the run: JSON (everything), Markdown (the tables), SVG (latency distributions). */
import { fmtUs, type PctSet, percentile } from "./stats.ts";

export interface TargetResult {
  readonly target: string;
  /** Median over rounds of each percentile of total latency, µs. */
  readonly latency: PctSet;
  /** Median over rounds of (target − direct), per percentile, µs. Absent for direct. */
  readonly added?: PctSet;
  /** Requests per second at 1, 16 and 64 connections (median over rounds). */
  readonly throughput: Record<string, number>;
  /** Open-loop run, when asked for. */
  readonly open_loop?: { readonly rate: number; readonly latency: PctSet; readonly errors: number };
  /** Untimed warm-up this target got before the first round, ms (fixed part plus settling). */
  readonly warmup_ms?: number;
  /** CPU time of the measured process per request during throughput runs, µs. */
  readonly cpu_us_per_request: number;
  /**
   * The same CPU split by thread group, µs per request: main (the event loop), worker (the
   * audit writer, pool workers), jit (the compiler), gc (collector and allocator helpers), other.
   */
  readonly cpu_by_thread?: Readonly<Record<string, number>>;
  readonly peak_rss_mib: number;
  /** Error answers during timing (e.g. refusals under load); not included in latency or req/s. */
  readonly errors: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly targets: readonly TargetResult[];
  /** Every latency sample of each target, for the chart (not written to JSON). */
  readonly samples: Record<string, Float64Array>;
}

export interface MicroResult {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly note?: string;
}

export interface RunReport {
  readonly meta: Record<string, unknown>;
  readonly scenarios: readonly ScenarioResult[];
  readonly micro: readonly MicroResult[];
  readonly budgets: readonly {
    scenario: string;
    target: string;
    key: string;
    limitUs: number;
    addedUs: number;
    ok: boolean;
  }[];
  readonly notes: readonly string[];
}

export function toJson(r: RunReport): string {
  return JSON.stringify(
    { ...r, scenarios: r.scenarios.map(({ samples: _samples, ...s }) => s) },
    (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
    2,
  );
}

const rps = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? "n/a" : Math.round(n).toLocaleString("en-US");

export function toMarkdown(r: RunReport, chartFile: string): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(`# mcpgw bench ${m.stamp}`);
  out.push("");
  out.push(
    `Bun ${m.bun} · ${m.cpu} · ${m.cores} cores · ${m.rounds} rounds${m.quick ? " (quick)" : ""} · ${m.latency_requests} latency samples per round · throughput ${m.throughput_ms} ms per point · command: \`${m.command}\``,
  );
  out.push("");
  out.push(
    "Added latency = through the target − direct to the upstream, per percentile, median over interleaved rounds. Throughput is closed-loop at 1 / 16 / 64 connections (stdio: requests in flight on the one pipe). CPU is the gateway process's user+system time per request during the throughput runs (for `direct`: the upstream's).",
  );
  for (const s of r.scenarios) {
    out.push("");
    out.push(`## ${s.title} (\`${s.name}\`)`);
    out.push("");
    out.push(
      "| target | p50 | p90 | p99 | p99.9 | added p50 | added p90 | added p99 | added p99.9 | req/s @1 | @16 | @64 | CPU/req | peak RSS | errors |",
    );
    out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const t of s.targets) {
      const a = t.added;
      out.push(
        `| ${t.target} | ${fmtUs(t.latency.p50)} | ${fmtUs(t.latency.p90)} | ${fmtUs(t.latency.p99)} | ${fmtUs(t.latency["p99.9"])} | ${a ? fmtUs(a.p50) : "—"} | ${a ? fmtUs(a.p90) : "—"} | ${a ? fmtUs(a.p99) : "—"} | ${a ? fmtUs(a["p99.9"]) : "—"} | ${rps(t.throughput["1"])} | ${rps(t.throughput["16"])} | ${rps(t.throughput["64"])} | ${fmtUs(t.cpu_us_per_request)} | ${Number.isFinite(t.peak_rss_mib) ? `${t.peak_rss_mib} MiB` : "n/a"} | ${t.errors} |`,
      );
    }
    const split = s.targets.filter((t) => t.cpu_by_thread && Object.keys(t.cpu_by_thread).length > 0);
    if (split.length) {
      const order = ["main", "worker", "jit", "gc", "other"];
      const parts = (b: Readonly<Record<string, number>>) =>
        order
          .filter((g) => b[g] !== undefined)
          .map((g) => `${g} ${fmtUs(b[g]!)}`)
          .join(", ");
      out.push("");
      out.push(`CPU/req by thread: ${split.map((t) => `${t.target}: ${parts(t.cpu_by_thread!)}`).join(" · ")}`);
    }
    const warmed = s.targets.filter((t) => t.warmup_ms !== undefined);
    if (warmed.length) {
      out.push("");
      out.push(
        `Warm-up until settled: ${warmed.map((t) => `${t.target} ${(t.warmup_ms! / 1000).toFixed(1)} s`).join(" · ")}`,
      );
    }
    const open = s.targets.filter((t) => t.open_loop);
    if (open.length) {
      out.push("");
      out.push(
        `Open loop at ${open[0]!.open_loop!.rate} req/s: ${open.map((t) => `${t.target} p50 ${fmtUs(t.open_loop!.latency.p50)} / p99 ${fmtUs(t.open_loop!.latency.p99)}`).join(" · ")}`,
      );
    }
  }
  if (r.micro.length) {
    out.push("");
    out.push("## Micro-benchmarks (in process)");
    out.push("");
    out.push("| what | value | note |");
    out.push("|---|---:|---|");
    for (const x of r.micro) out.push(`| ${x.name} | ${x.value} ${x.unit} | ${x.note ?? ""} |`);
  }
  if (r.budgets.length) {
    out.push("");
    out.push("## Budgets");
    out.push("");
    out.push("| scenario | target | key | budget | added | ok |");
    out.push("|---|---|---|---:|---:|---|");
    for (const b of r.budgets) {
      out.push(
        `| ${b.scenario} | ${b.target} | ${b.key} | ${fmtUs(b.limitUs)} | ${fmtUs(b.addedUs)} | ${b.ok ? "yes" : "**MISSED**"} |`,
      );
    }
  }
  if (r.notes.length) {
    out.push("");
    out.push("## Notes");
    out.push("");
    for (const n of r.notes) out.push(`- ${n}`);
  }
  out.push("");
  out.push(`![latency distributions](${chartFile})`);
  out.push("");
  return out.join("\n");
}

const COLORS: Record<string, string> = {
  direct: "#555555",
  nginx: "#2ca02c",
  passthrough: "#1f77b4",
  inline: "#ff7f0e",
  pool: "#d62728",
};
const GRID = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9];
const xOf = (p: number) => -Math.log10(1 - p / 100);
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** One panel per scenario: latency (y, µs) against percentile (x, log of 1/(1−p)). */
export function toSvg(r: RunReport): string {
  const W = 460;
  const H = 280;
  const cols = 2;
  const pad = { l: 64, r: 110, t: 28, b: 36 };
  const rows = Math.ceil(r.scenarios.length / cols);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W * cols}" height="${H * rows}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  r.scenarios.forEach((s, i) => {
    const ox = (i % cols) * W;
    const oy = Math.floor(i / cols) * H;
    const pw = W - pad.l - pad.r;
    const ph = H - pad.t - pad.b;
    const curves = Object.entries(s.samples).map(([name, samples]) => {
      const sorted = Float64Array.from(samples).sort();
      return { name, pts: GRID.map((p) => [p, percentile(sorted, Math.max(p, 0.0001)) * 1000] as const) };
    });
    // Log scale: the body and the tail of a distribution differ by orders of magnitude.
    const values = curves.flatMap((c) => c.pts.map(([, v]) => v)).filter((v) => Number.isFinite(v) && v > 0);
    const lo = Math.log10(Math.max(1, Math.min(...values, 1e9) * 0.8));
    const hi = Math.log10(Math.max(10, ...values) * 1.25);
    const xmax = xOf(99.9);
    const X = (p: number) => ox + pad.l + (xOf(p) / xmax) * pw;
    const Y = (v: number) => oy + pad.t + ph - ((Math.log10(Math.max(v, 1)) - lo) / (hi - lo)) * ph;
    parts.push(`<text x="${ox + pad.l}" y="${oy + 16}" font-weight="bold">${esc(s.title)}</text>`);
    parts.push(`<rect x="${ox + pad.l}" y="${oy + pad.t}" width="${pw}" height="${ph}" fill="none" stroke="#ccc"/>`);
    for (const p of [50, 90, 99, 99.9]) {
      parts.push(`<line x1="${X(p)}" y1="${oy + pad.t}" x2="${X(p)}" y2="${oy + pad.t + ph}" stroke="#eee"/>`);
      parts.push(`<text x="${X(p)}" y="${oy + pad.t + ph + 14}" text-anchor="middle">p${p}</text>`);
    }
    for (let decade = Math.floor(lo); decade <= Math.ceil(hi); decade++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** decade;
        const l = Math.log10(v);
        if (l < lo || l > hi) continue;
        parts.push(`<line x1="${ox + pad.l}" y1="${Y(v)}" x2="${ox + pad.l + pw}" y2="${Y(v)}" stroke="#f2f2f2"/>`);
        parts.push(`<text x="${ox + pad.l - 6}" y="${Y(v) + 4}" text-anchor="end">${esc(fmtUs(v))}</text>`);
      }
    }
    parts.push(`<text x="${ox + pad.l + pw / 2}" y="${oy + H - 6}" text-anchor="middle" fill="#666">percentile</text>`);
    curves.forEach((c, j) => {
      const color = COLORS[c.name] ?? "#9467bd";
      const d = c.pts
        .filter(([, v]) => Number.isFinite(v))
        .map(([p, v], k) => `${k ? "L" : "M"}${X(p).toFixed(1)},${Y(v).toFixed(1)}`)
        .join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
      parts.push(
        `<line x1="${ox + W - pad.r + 10}" y1="${oy + pad.t + 10 + j * 16}" x2="${ox + W - pad.r + 26}" y2="${oy + pad.t + 10 + j * 16}" stroke="${color}" stroke-width="2"/>`,
      );
      parts.push(`<text x="${ox + W - pad.r + 30}" y="${oy + pad.t + 14 + j * 16}">${esc(c.name)}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}
