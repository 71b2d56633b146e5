import { describe, expect, test } from "bun:test";
import { methodLabel } from "../../../src/metrics/index.ts";
import { Counter, Gauge, Histogram, MAX_SERIES, Registry } from "../../../src/metrics/registry.ts";

describe("the metrics registry", () => {
  test("renders counters, gauges and histograms in the Prometheus text format", () => {
    const r = new Registry();
    const c = r.register(new Counter("t_messages_total", "Messages", ["direction", "action"]));
    c.inc(["c2s", "pass"]);
    c.inc(["c2s", "pass"], 2);
    c.inc(["s2c", "block"]);
    r.register(new Gauge("t_depth", "Depth", [], () => [{ labels: [], value: 7 }]));
    const h = r.register(new Histogram("t_seconds", "Time", ["direction"], [0.001, 0.01]));
    h.observe(["c2s"], 0.0005);
    h.observe(["c2s"], 0.005);
    h.observe(["c2s"], 1);
    h.observe(["c2s"], 0.001); // on a bound: counted in that bucket and every larger one
    expect(r.render()).toBe(
      [
        "# HELP t_messages_total Messages",
        "# TYPE t_messages_total counter",
        't_messages_total{direction="c2s",action="pass"} 3',
        't_messages_total{direction="s2c",action="block"} 1',
        "# HELP t_depth Depth",
        "# TYPE t_depth gauge",
        "t_depth 7",
        "# HELP t_seconds Time",
        "# TYPE t_seconds histogram",
        't_seconds_bucket{direction="c2s",le="0.001"} 2',
        't_seconds_bucket{direction="c2s",le="0.01"} 3',
        't_seconds_bucket{direction="c2s",le="+Inf"} 4',
        't_seconds_sum{direction="c2s"} 1.0065',
        't_seconds_count{direction="c2s"} 4',
        "",
      ].join("\n"),
    );
  });

  test("escapes label values", () => {
    const c = new Counter("t_total", "T", ["v"]);
    c.inc(['a"b\\c\nd']);
    expect(c.render()).toContain('t_total{v="a\\"b\\\\c\\nd"} 1');
  });

  test("folds label sets beyond the series limit into one overflow series", () => {
    const c = new Counter("t_total", "T", ["v"]);
    for (let i = 0; i < MAX_SERIES + 50; i++) c.inc([String(i)]);
    const lines = c.render().trim().split("\n");
    expect(lines.length).toBe(2 + MAX_SERIES + 1);
    expect(lines.at(-1)).toBe('t_total{v="_overflow"} 50');
  });

  test("keeps client-chosen method names out of labels", () => {
    expect(methodLabel("tools/call")).toBe("tools/call");
    expect(methodLabel("x/random-1234")).toBe("other");
    expect(methodLabel(undefined)).toBe("none");
  });
});
