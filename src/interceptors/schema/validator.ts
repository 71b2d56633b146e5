/**
 * Compiles tool inputSchemas with ajv (JSON Schema 2020-12 by default, as MCP 2025-11-25 says,
 * draft-07 when `$schema` names it) once per distinct schema, and keeps compiled validators in a
 * bounded LRU keyed by the schema's SHA-256. Pure apart from that cache; no session state.
 */
import Ajv, { type ErrorObject, type Options, type ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";

export interface CompiledSchema {
  readonly validate: ValidateFunction | null;
  /** Why the schema could not be compiled (null when it compiled). */
  readonly error: string | null;
  /** Releases ajv's own reference to the schema (called when the LRU evicts it). */
  readonly release: () => void;
}

const NOTHING = () => {};

export interface Violation {
  /** JSON Pointer into the arguments, "" for the root. */
  readonly path: string;
  readonly message: string;
}

const PATTERN_LIMIT = 1000;
/** A group that contains a quantifier and is itself quantified: the shape of catastrophic backtracking. */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.){0,200}[+*}](?:[^()\\]|\\.){0,200}\)[+*{]/;

/**
 * The regex engine ajv uses for `pattern` and `patternProperties`. Patterns come from the server,
 * so those prone to catastrophic backtracking (nested quantifiers, backreferences) or too long are
 * not evaluated: the keyword is treated as satisfied rather than letting a server hang the gateway.
 */
const safeRegExp = Object.assign(
  (pattern: string, flags: string) => {
    if (pattern.length > PATTERN_LIMIT || NESTED_QUANTIFIER.test(pattern) || /\\[1-9]|\\k</.test(pattern))
      return { test: (_s: string): boolean => true };
    return new RegExp(pattern, flags);
  },
  { code: "new RegExp" },
);

const OPTIONS: Options = {
  strict: false,
  allErrors: false,
  validateFormats: false,
  logger: false,
  validateSchema: true,
  code: { regExp: safeRegExp, optimize: 1 },
};

let ajv2020: Ajv2020 | undefined;
let ajv07: Ajv | undefined;

function engineFor(schema: Record<string, unknown>): Ajv {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (/draft-0[4-7]/.test(declared)) {
    ajv07 ??= new Ajv(OPTIONS);
    return ajv07;
  }
  ajv2020 ??= new Ajv2020(OPTIONS);
  return ajv2020;
}

/**
 * Compiles a trivial schema in both dialects so that ajv's one-time set-up (meta-schemas, code
 * generation) happens off the first `tools/call`. Called once when the interceptor is built.
 */
export function warmUp(): void {
  const timer = setTimeout(() => {
    for (const dialect of ["https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/draft-07/schema#"]) {
      const schema = { $schema: dialect, type: "object" };
      const { $schema: _d, ...anonymous } = schema;
      const engine = engineFor(schema);
      engine.compile(anonymous);
      engine.removeSchema(anonymous);
    }
  }, 0);
  timer.unref?.();
}

/** SHA-256 of a schema's JSON text (plus the strict flag, which changes the compiled validator). */
export function schemaHash(json: string, strict: boolean): string {
  return new Bun.CryptoHasher("sha256")
    .update(strict ? "strict:" : "lax:")
    .update(json)
    .digest("hex");
}

/** A copy of `schema` with `additionalProperties: false` wherever an object lists `properties` and says nothing else. */
export function closeObjects(schema: unknown, depth = 0): unknown {
  if (depth > 64 || typeof schema !== "object" || schema === null) return schema;
  if (Array.isArray(schema)) return schema.map((s) => closeObjects(s, depth + 1));
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = { ...s };
  if (
    typeof s.properties === "object" &&
    s.properties !== null &&
    !("additionalProperties" in s) &&
    !("unevaluatedProperties" in s) &&
    !("patternProperties" in s)
  ) {
    out.additionalProperties = false;
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties as Record<string, unknown>)) props[k] = closeObjects(v, depth + 1);
    out.properties = props;
  }
  if (s.items !== undefined) out.items = closeObjects(s.items, depth + 1);
  for (const key of ["$defs", "definitions"]) {
    const defs = s[key];
    if (typeof defs === "object" && defs !== null && !Array.isArray(defs)) {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(defs)) copy[k] = closeObjects(v, depth + 1);
      out[key] = copy;
    }
  }
  return out;
}

/** Bounded LRU of compiled validators. */
export class ValidatorCache {
  private readonly map = new Map<string, CompiledSchema>();
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The compiled validator for `schema`, compiling it on first use. */
  get(hash: string, schema: unknown, strict: boolean): CompiledSchema {
    const hit = this.map.get(hash);
    if (hit) {
      this.map.delete(hash);
      this.map.set(hash, hit);
      return hit;
    }
    const compiled = compile(schema, strict);
    this.map.set(hash, compiled);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value!;
      this.map.get(oldest)?.release();
      this.map.delete(oldest);
    }
    return compiled;
  }
}

export function compile(schema: unknown, strict: boolean): CompiledSchema {
  if (typeof schema === "boolean") schema = schema ? {} : { not: {} };
  if (typeof schema !== "object" || schema === null || Array.isArray(schema))
    return { validate: null, error: "inputSchema is not a JSON Schema object", release: NOTHING };
  const source = (strict ? closeObjects(schema) : schema) as Record<string, unknown>;
  // ajv keeps schemas with an $id in its registry; compile a copy without it so that schemas from
  // different servers never collide and the registry does not grow. The dialect is chosen from
  // `$schema` here, so the copy drops it too (ajv would otherwise look the meta-schema up).
  const { $id: _id, $schema: _dialect, ...anonymous } = source;
  try {
    const engine = engineFor(source);
    const validate = engine.compile(anonymous);
    return { validate, error: null, release: () => engine.removeSchema(anonymous) };
  } catch (e) {
    return { validate: null, error: String((e as Error).message ?? e).slice(0, 200), release: NOTHING };
  }
}

/** Human-readable violations (at most `max`). */
export function violations(errors: readonly ErrorObject[] | null | undefined, max = 5): Violation[] {
  const out: Violation[] = [];
  for (const e of errors ?? []) {
    if (out.length >= max) break;
    let message = e.message ?? "is invalid";
    if (e.keyword === "additionalProperties") message = `has unknown property "${String(e.params.additionalProperty)}"`;
    else if (e.keyword === "required") message = `is missing required property "${String(e.params.missingProperty)}"`;
    else if (e.keyword === "enum") message = `${message}: ${JSON.stringify(e.params.allowedValues).slice(0, 120)}`;
    out.push({ path: e.instancePath, message });
  }
  return out;
}
