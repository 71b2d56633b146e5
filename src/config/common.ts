/** Small zod building blocks shared by every config section. */
import { z } from "zod";

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "250ms", "30s", "5m", "1h" (Go-style, as the original mcpgw) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  let total = 0;
  const rest = text.trim();
  if (rest === "0") return 0;
  // Go durations may combine units ("1m30s").
  const parts = rest.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g);
  if (!parts || parts.join("") !== rest) return undefined;
  for (const p of parts) {
    const m = DURATION_RE.exec(p);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return total;
}

/** A duration: a string like "30s" or a number of milliseconds. Output: milliseconds. */
export const Duration = z
  .union([z.number(), z.string()], { error: "expected a duration such as 250ms, 30s, 5m, 1h, or milliseconds" })
  .transform((v, ctx) => {
    const ms = typeof v === "number" ? v : parseDuration(v);
    if (ms === undefined || ms < 0 || !Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: `invalid duration ${JSON.stringify(v)} (use e.g. 250ms, 30s, 5m, 1h)` });
      return z.NEVER;
    }
    return ms;
  });

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB|K|M|G)?$/i;
const SIZE_UNIT: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * SIZE_UNIT[(m[2] ?? "b").toLowerCase()]!);
}

/** A byte size: a number, or a string like "16MiB", "64KiB". Output: bytes. */
export const ByteSize = z
  .union([z.number(), z.string()], { error: "expected a size such as 65536, 64KiB or 16MiB" })
  .transform((v, ctx) => {
    const n = typeof v === "number" ? v : parseSize(v);
    if (n === undefined || n < 0 || !Number.isSafeInteger(n)) {
      ctx.addIssue({ code: "custom", message: `invalid size ${JSON.stringify(v)} (use e.g. 65536, 64KiB, 16MiB)` });
      return z.NEVER;
    }
    return n;
  });

export const Mode = z
  .enum(["enforce", "audit"])
  .describe("enforce blocks; audit records would_block and lets traffic pass");
export const FailModeSchema = z
  .enum(["closed", "open"])
  .describe("what happens when the interceptor fails or times out");

/** Per-interceptor chain settings every interceptor section may carry. */
export const LinkSettings = {
  mode: Mode.optional(),
  fail_mode: FailModeSchema.optional(),
  timeout: Duration.optional().describe("upper bound for one asynchronous inspection"),
};
