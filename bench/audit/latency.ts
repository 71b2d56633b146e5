#!/usr/bin/env bun
/**
 * `bun bench/audit/latency.ts [--calls N] [--rounds R]`: does the audit log add latency?
 * Two real `mcpgw wrap` processes around the same fixture server, one writing a signed audit log
 * (temp database), one with `--no-audit`; sequential tools/call round trips at 1 connection,
 * interleaved rounds; prints the median p50/p99 of each and the difference.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { echoCall, INIT, INITIALIZED, spawnWrap, type WrapClient } from "../../test/helpers/wrap-client.ts";

const { values } = parseArgs({ options: { calls: { type: "string" }, rounds: { type: "string" } } });
const CALLS = Number(values.calls ?? 1000);
const ROUNDS = Number(values.rounds ?? 5);
const dir = mkdtempSync(join(tmpdir(), "mcpgw-bench-audit-lat-"));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const median = (xs: number[]) => pct(xs, 0.5);

async function start(args: string[], env: Record<string, string> = {}): Promise<WrapClient> {
  const c = spawnWrap(args, env);
  c.send(INIT);
  await c.response(0);
  c.send(INITIALIZED);
  return c;
}

let nextId = 1;
async function round(c: WrapClient): Promise<{ p50: number; p99: number }> {
  const lat: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const id = nextId++;
    const t = performance.now();
    c.send(echoCall(id, "latency probe"));
    await c.response(id);
    lat.push((performance.now() - t) * 1000);
  }
  c.received.length = 0;
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

try {
  const audited = await start(["--audit-db", join(dir, "a.db")], {
    MCPGW_CONFIG: await (async () => {
      const f = join(dir, "cfg.yaml");
      await Bun.write(f, "audit:\n  signing_key: bench-signing-key-0123456789\n");
      return f;
    })(),
  });
  const plain = await start(["--no-audit"]);
  await round(audited);
  await round(plain);
  const a: { p50: number; p99: number }[] = [];
  const p: { p50: number; p99: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(await round(audited));
    p.push(await round(plain));
  }
  await audited.end();
  await plain.end();
  const am = { p50: Math.round(median(a.map((x) => x.p50))), p99: Math.round(median(a.map((x) => x.p99))) };
  const pm = { p50: Math.round(median(p.map((x) => x.p50))), p99: Math.round(median(p.map((x) => x.p99))) };
  console.log(
    JSON.stringify(
      {
        calls_per_round: CALLS,
        rounds: ROUNDS,
        audit_on_us: am,
        audit_off_us: pm,
        audit_adds_p50_us: Math.round(am.p50 - pm.p50),
        per_round_p50_on_us: a.map((x) => Math.round(x.p50)),
        per_round_p50_off_us: p.map((x) => Math.round(x.p50)),
        load_average: (await import("node:os")).loadavg().map((x) => Math.round(x * 10) / 10),
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
