/**
 * A small metrics registry: counters, gauges and histograms with fixed label names, rendered in
 * the Prometheus text exposition format (version 0.0.4). Labels must stay low-cardinality: each
 * metric keeps at most {@link MAX_SERIES} label sets and folds the rest into one `_overflow` set.
 *
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export const MAX_SERIES = 2000;
const OVERFLOW = "_overflow";

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

interface Metric {
  readonly name: string;
  readonly help: string;
  render(): string;
}

abstract class Series<T> {
  protected readonly series = new Map<string, { values: string[]; data: T }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  protected abstract fresh(): T;
  /**
   * The live data of one label set (the overflow set's past {@link MAX_SERIES}). Series are never
   * removed, so a hot path may keep the handle and update it without building a key per call.
   */
  handle(values: readonly string[]): T {
    return this.slot(values);
  }
  protected slot(values: readonly string[]): T {
    const key = values.length === 1 ? values[0]! : values.join("\u0001");
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= MAX_SERIES) return this.overflow();
      s = { values: [...values], data: this.fresh() };
      this.series.set(key, s);
    }
    return s.data;
  }
  private overflow(): T {
    const values = this.labelNames.map(() => OVERFLOW);
    const key = values.join("\u0001");
    let s = this.series.get(key);
    if (s === undefined) {
      s = { values, data: this.fresh() };
      this.series.set(key, s);
    }
    return s.data;
  }
}

export class Counter extends Series<{ v: number }> implements Metric {
  protected fresh() {
    return { v: 0 };
  }
  inc(values: readonly string[] = [], n = 1): void {
    this.slot(values).v += n;
  }
  get(values: readonly string[] = []): number {
    return this.series.get(values.join("\u0001"))?.data.v ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const s of this.series.values())
      out += `${this.name}${labelText(this.labelNames, s.values)} ${fmt(s.data.v)}\n`;
    return out;
  }
}

/** A gauge read at render time from a callback (or set directly). */
export class Gauge extends Series<{ v: number }> implements Metric {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    private readonly collect?: () => readonly { labels: readonly string[]; value: number }[],
  ) {
    super(name, help, labelNames);
  }
  protected fresh() {
    return { v: 0 };
  }
  set(values: readonly string[], v: number): void {
    this.slot(values).v = v;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    if (this.collect) for (const { labels, value } of this.collect()) this.set(labels, value);
    for (const s of this.series.values())
      out += `${this.name}${labelText(this.labelNames, s.values)} ${fmt(s.data.v)}\n`;
    return out;
  }
}

/** A counter whose value is read at render time (for counts kept elsewhere, e.g. in a worker). */
export class CounterFunc implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n${this.name} ${fmt(this.read())}\n`;
  }
}

export const DEFAULT_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

export class Histogram extends Series<{ counts: Float64Array; sum: number; count: number }> implements Metric {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {
    super(name, help, labelNames);
  }
  protected fresh() {
    return { counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
  }
  observe(values: readonly string[], v: number): void {
    this.observeInto(this.slot(values), v);
  }
  /**
   * Observes into a {@link handle}'s data. `counts` holds each bucket's own observations (the
   * first bucket whose bound is at least the value); render adds them up into Prometheus's
   * cumulative buckets, so an observation is one increment rather than one per larger bound.
   */
  observeInto(d: { counts: Float64Array; sum: number; count: number }, v: number): void {
    const b = this.buckets;
    for (let i = 0; i < b.length; i++)
      if (v <= b[i]!) {
        d.counts[i]! += 1;
        break;
      }
    d.sum += v;
    d.count += 1;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += s.data.counts[i]!;
        out += `${this.name}_bucket${labelText(this.labelNames, s.values, `le="${fmt(this.buckets[i]!)}"`)} ${fmt(cumulative)}\n`;
      }
      out += `${this.name}_bucket${labelText(this.labelNames, s.values, 'le="+Inf"')} ${fmt(s.data.count)}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, s.values)} ${fmt(s.data.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, s.values)} ${fmt(s.data.count)}\n`;
    }
    return out;
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  /** Registers a metric; registering the same name twice returns the first one. */
  register<M extends Metric>(m: M): M {
    const have = this.metrics.get(m.name);
    if (have) return have as M;
    this.metrics.set(m.name, m);
    return m;
  }

  unregister(name: string): void {
    this.metrics.delete(name);
  }

  /** Prometheus text exposition (content type {@link PROMETHEUS_CONTENT_TYPE}). */
  render(): string {
    let out = "";
    for (const m of this.metrics.values()) out += m.render();
    return out;
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
