/**
 * The tasks a pool worker can run, by name. A task is pure: `prepare` turns a configuration
 * into whatever the task needs (compiled matchers, limits) once per configuration generation,
 * and `run` maps one payload to one JSON-serialisable result. The same functions run inline on
 * the main thread for small payloads, so a verdict never depends on where it was computed.
 *
 * Both threads index this table by position, so a name travels as a small integer.
 *
 * The detector tasks wrap the detectors' own pure functions: an interceptor computes the same
 * report inline for small messages, so a verdict never depends on where it was computed.
 */
import type { PayloadKind } from "../interceptors/detect/extract.ts";
import { normalize } from "../interceptors/detect/index.ts";
import {
  type ContentReport,
  DEFAULT_LEARNED_MODEL,
  type LearnedModel,
  type PartReport,
  scanContent,
  scanContentPart,
  scanTools,
  type ToolReport,
  warmRules,
} from "../interceptors/injection/scan.ts";
import type { Category } from "../interceptors/pii/detect.ts";
import { type PiiHit, scanDeep } from "../interceptors/pii/scan.ts";

export interface PoolTask<C = unknown, S = unknown, R = unknown> {
  /** Validates and compiles a configuration; throws on a bad one (the generation then fails closed). */
  prepare(config: C): S;
  /** Judges one payload. Throws on bad input (the job then fails closed). */
  run(payload: string, state: S): R;
}

/** Settings of the `json_inspect` task. */
export interface JsonInspectConfig {
  /** Deepest nesting accepted; deeper input is reported, not walked further. */
  readonly max_depth: number;
  /** Most values (objects, arrays, scalars) walked before the walk stops and reports it. */
  readonly max_nodes: number;
}

/** What `json_inspect` reports about one JSON text. */
export interface JsonInspectResult {
  readonly ok: boolean;
  /** Why the text was refused, when `ok` is false. */
  readonly error?: "invalid_json" | "too_deep" | "too_many_nodes";
  readonly depth: number;
  readonly nodes: number;
  /** Number of string values and object keys, and their total length in UTF-16 units. */
  readonly strings: number;
  readonly string_chars: number;
  readonly longest_string: number;
  /** SHA-256 of the text, hex: lets a caller match results to inputs. */
  readonly sha256: string;
}

const DEFAULT_JSON_INSPECT: JsonInspectConfig = { max_depth: 128, max_nodes: 1_000_000 };

class WalkStop extends Error {
  constructor(readonly reason: "too_deep" | "too_many_nodes") {
    super(reason);
  }
}

/**
 * Parses a JSON text and walks it iteratively (no recursion, so hostile nesting cannot blow
 * the stack), counting depth, values and string sizes. Used for large messages, where both the
 * parse and the walk are worth moving off the event loop.
 */
export const jsonInspectTask: PoolTask<Partial<JsonInspectConfig> | undefined, JsonInspectConfig, JsonInspectResult> = {
  prepare(config) {
    const c = { ...DEFAULT_JSON_INSPECT, ...(config ?? {}) };
    if (!Number.isInteger(c.max_depth) || c.max_depth < 1) throw new Error("json_inspect: max_depth must be >= 1");
    if (!Number.isInteger(c.max_nodes) || c.max_nodes < 1) throw new Error("json_inspect: max_nodes must be >= 1");
    return Object.freeze(c);
  },
  run(payload, cfg) {
    const sha256 = new Bun.CryptoHasher("sha256").update(payload).digest("hex");
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return {
        ok: false,
        error: "invalid_json",
        depth: 0,
        nodes: 0,
        strings: 0,
        string_chars: 0,
        longest_string: 0,
        sha256,
      };
    }
    let depth = 0;
    let nodes = 0;
    let strings = 0;
    let stringChars = 0;
    let longest = 0;
    const countString = (s: string) => {
      strings++;
      stringChars += s.length;
      if (s.length > longest) longest = s.length;
    };
    const stack: [unknown, number][] = [[value, 1]];
    try {
      while (stack.length > 0) {
        const [v, d] = stack.pop()!;
        if (++nodes > cfg.max_nodes) throw new WalkStop("too_many_nodes");
        if (d > depth) depth = d;
        if (typeof v === "string") countString(v);
        else if (typeof v === "object" && v !== null) {
          if (d >= cfg.max_depth && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)) {
            depth = d + 1;
            throw new WalkStop("too_deep");
          }
          if (Array.isArray(v)) for (const item of v) stack.push([item, d + 1]);
          else
            for (const [k, item] of Object.entries(v)) {
              countString(k);
              stack.push([item, d + 1]);
            }
        }
      }
    } catch (e) {
      if (!(e instanceof WalkStop)) throw e;
      return {
        ok: false,
        error: e.reason,
        depth,
        nodes,
        strings,
        string_chars: stringChars,
        longest_string: longest,
        sha256,
      };
    }
    return { ok: true, depth, nodes, strings, string_chars: stringChars, longest_string: longest, sha256 };
  },
};

const LEARNED_MODELS: ReadonlySet<string> = new Set<LearnedModel>(["definitions", "all", "off"]);

/** The injection config's `learned_model`, checked (absent: the default). */
function learnedModelOf(task: string, value: unknown): LearnedModel {
  if (value === undefined) return DEFAULT_LEARNED_MODEL;
  if (typeof value !== "string" || !LEARNED_MODELS.has(value)) throw new Error(`${task}: bad learned_model`);
  return value as LearnedModel;
}

/** `injection_content` settings: which kind of payload, and the JSON path its strings are reported under. */
export interface InjectionContentConfig {
  readonly kind: Exclude<PayloadKind, "tools_list">;
  readonly base: "result" | "params";
  /** Where the learned scorer runs (the injection config's `learned_model`; default `all`). */
  readonly learned_model?: LearnedModel;
}

interface InjectionContentState {
  readonly kind: Exclude<PayloadKind, "tools_list">;
  readonly base: "result" | "params";
  readonly options: { readonly learnedModel: LearnedModel };
}

/**
 * Prompt-injection scan of a result or params. Payload: the JSON text of the message (as received,
 * so this thread parses it, not the event loop), or of any object holding the value under `base`.
 */
const injectionContentTask: PoolTask<InjectionContentConfig, InjectionContentState, ContentReport> = {
  prepare(config) {
    if (config?.base !== "result" && config?.base !== "params") throw new Error("injection_content: bad base");
    const learnedModel = learnedModelOf("injection_content", config.learned_model);
    // The rule tables are built here, when the configuration arrives, not by the first job.
    warmRules();
    return Object.freeze({ kind: config.kind, base: config.base, options: Object.freeze({ learnedModel }) });
  },
  run: (payload, cfg) => scanContent(cfg.kind, messageOf(payload)[cfg.base], cfg.base, cfg.options),
};

/** A message's JSON text, parsed; anything but an object is refused (the job fails closed). */
function messageOf(text: string): Record<string, unknown> {
  const m: unknown = JSON.parse(text);
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw new Error("payload is not a JSON object");
  return m as Record<string, unknown>;
}

/**
 * Splits a payload made of a one-line JSON head (the job's own small settings) and a message's
 * JSON text. JSON.stringify never writes a raw line break, so the first one ends the head.
 */
function splitHead(payload: string): [head: unknown, message: Record<string, unknown>] {
  const nl = payload.indexOf("\n");
  if (nl < 0) throw new Error("payload has no head line");
  return [JSON.parse(payload.slice(0, nl)), messageOf(payload.slice(nl + 1))];
}

/** The head line of an `injection_tools` payload; the message's JSON text follows it. */
export function injectionToolsHead(foreign: Iterable<string>): string {
  return `${JSON.stringify([...foreign])}\n`;
}

/** The head line of a `pii_scan` payload; the message's JSON text follows it. */
export function piiScanHead(path: string, maxHits: number): string {
  return `${JSON.stringify({ path, max_hits: maxHits })}\n`;
}

/** `injection_tools` settings (null: the defaults). */
export interface InjectionToolsConfig {
  /** Where the learned scorer runs (the injection config's `learned_model`; default `all`). */
  readonly learned_model?: LearnedModel;
}

/** Tool-poisoning scan of a tools/list result. Payload: {@link injectionToolsHead} + the message's JSON text. */
const injectionToolsTask: PoolTask<InjectionToolsConfig | null, LearnedModel, ToolReport[]> = {
  prepare(config) {
    const learnedModel = learnedModelOf("injection_tools", config?.learned_model);
    warmRules();
    return learnedModel;
  },
  run(payload, learnedModel) {
    const [foreign, message] = splitHead(payload);
    if (!Array.isArray(foreign)) throw new Error("injection_tools: bad head");
    return scanTools(message.result, { foreignTools: new Set(foreign as string[]), learnedModel });
  },
};

/** `pii_scan` settings: the interceptor's compiled categories, as lists. */
export interface PiiScanConfig {
  readonly categories: readonly Category[] | null;
  readonly redact: readonly Category[];
  readonly skip_keys: readonly string[];
}

/** What `pii_scan` returns: `value` only when something was redacted (it is large, and otherwise unused). */
export interface PiiScanResult {
  readonly count: number;
  readonly redactedCount: number;
  readonly hits: readonly PiiHit[];
  readonly value: unknown;
}

interface PiiScanState {
  readonly categories: ReadonlySet<Category> | undefined;
  readonly redact: ReadonlySet<Category>;
  readonly skipKeys: ReadonlySet<string>;
}

/** Secret and PII scan (and redaction) of one part of a message. Payload: {@link piiScanHead} + the message's JSON text. */
const piiScanTask: PoolTask<PiiScanConfig, PiiScanState, PiiScanResult> = {
  prepare: (config) => ({
    categories: config.categories ? new Set(config.categories) : undefined,
    redact: new Set(config.redact),
    skipKeys: new Set(config.skip_keys),
  }),
  run(payload, state) {
    const [head, message] = splitHead(payload);
    const { path, max_hits } = head as { path: string; max_hits: number };
    if (typeof path !== "string" || typeof max_hits !== "number") throw new Error("pii_scan: bad head");
    // The part's path in the message: "result", "params", "params.arguments", …
    let value: unknown = message;
    for (const key of path.split(".")) value = (value as Record<string, unknown> | null)?.[key];
    const r = scanDeep(value, {
      categories: state.categories,
      redact: state.redact,
      path,
      maxHits: max_hits,
      skipKeys: state.skipKeys,
    });
    return {
      count: r.count,
      redactedCount: r.redactedCount,
      hits: r.hits,
      value: r.redactedCount > 0 ? r.value : null,
    };
  },
};

/** The head line of an `injection_part` payload; the content string itself (not JSON) follows it. */
export function injectionPartHead(from: number, to: number, learned: boolean, where: string): string {
  return `${JSON.stringify([from, to, learned, where])}\n`;
}

/**
 * One part of a long content string's injection scan (scanContentPart): the event loop scans the
 * other part meanwhile and merges the two into the whole string's report. Payload:
 * {@link injectionPartHead} + the string.
 */
const injectionPartTask: PoolTask<null, null, PartReport> = {
  prepare() {
    warmRules();
    return null;
  },
  run(payload) {
    const nl = payload.indexOf("\n");
    if (nl < 0) throw new Error("payload has no head line");
    const head: unknown = JSON.parse(payload.slice(0, nl));
    if (!Array.isArray(head) || head.length !== 4) throw new Error("injection_part: bad head");
    const [from, to, learned, where] = head as unknown[];
    if (typeof from !== "number" || typeof to !== "number" || typeof learned !== "boolean" || typeof where !== "string")
      throw new Error("injection_part: bad head");
    return scanContentPart(normalize(payload.slice(nl + 1)), from, to, learned, where);
  },
};

/** Test-only behaviours, reachable by name so stress tests can drive a real worker. */
const echoTask: PoolTask<unknown, null, string> = {
  prepare: () => null,
  run: (payload) => payload,
};

/** Reports the configuration the worker holds for the job's generation (proves reloads reached it). */
const configEchoTask: PoolTask<unknown, unknown, unknown> = {
  prepare: (config) => config,
  run: (_payload, state) => state,
};

/** Busy-loops for the payload's number of milliseconds: lets tests catch a worker mid-job. */
const spinTask: PoolTask<unknown, null, number> = {
  prepare: () => null,
  run(payload) {
    const until = performance.now() + Number(payload);
    let n = 0;
    while (performance.now() < until) n++;
    return n;
  },
};

const failTask: PoolTask<unknown, null, never> = {
  prepare: () => null,
  run(payload) {
    throw new Error(payload);
  },
};

/** Name → task. Order matters: both threads use the index. Append only. */
export const TASKS = {
  json_inspect: jsonInspectTask,
  echo: echoTask,
  config_echo: configEchoTask,
  spin: spinTask,
  fail: failTask,
  injection_content: injectionContentTask,
  injection_tools: injectionToolsTask,
  pii_scan: piiScanTask,
  injection_part: injectionPartTask,
} as const satisfies Record<string, PoolTask<never, unknown, unknown>>;

export type TaskName = keyof typeof TASKS;
export const TASK_NAMES = Object.freeze(Object.keys(TASKS) as TaskName[]);

export type TaskConfig<T extends TaskName> = Parameters<(typeof TASKS)[T]["prepare"]>[0];
export type TaskResult<T extends TaskName> = ReturnType<(typeof TASKS)[T]["run"]>;

export function taskIndex(name: string): number {
  const i = TASK_NAMES.indexOf(name as TaskName);
  if (i < 0) throw new Error(`unknown pool task "${name}"`);
  return i;
}

export function taskAt(index: number): PoolTask<unknown, unknown, unknown> | undefined {
  const name = TASK_NAMES[index];
  return name === undefined ? undefined : (TASKS[name] as PoolTask<unknown, unknown, unknown>);
}
