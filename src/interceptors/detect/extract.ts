/**
 * Where content can hide in an MCP message, as a list of strings with their JSON paths.
 *
 * Shared by every detector that reads text (injection, pii). Pure: no session state, so it can
 * run off-thread. Bounded: at most {@link MAX_SEGMENTS} strings and {@link MAX_WALK_DEPTH}
 * levels are visited; what lies beyond is reported as `truncated` so the caller can fail closed.
 */

/** What a string is, which decides how detectors read it. */
export type SegmentSlot =
  /** A name the model reads as an identifier: tool name, property name. `_`/`-`/camelCase → words. */
  | "name"
  /** Free text of a tool definition: description, title, annotations. */
  | "text"
  /** A value inside a schema the model may copy: default, enum, examples, const. */
  | "schema_value"
  /** Content flowing to (or from) the model: tool results, resources, prompts, sampling, arguments. */
  | "content";

export interface Segment {
  readonly path: string;
  readonly text: string;
  readonly slot: SegmentSlot;
}

export type PayloadKind =
  /** A `tools/list` result (or one tool object's container). */
  | "tools_list"
  /** A `tools/call` result. */
  | "tool_result"
  /** A `resources/read` result. */
  | "resource"
  /** A `prompts/get` result. */
  | "prompt"
  /** An s2c `sampling/createMessage` or `elicitation/create` request's params. */
  | "server_request"
  /** c2s `tools/call` params (the arguments). */
  | "tool_arguments";

/**
 * The text detectors read for a segment: a name's words split apart (`getSystemPrompt`,
 * `read_file` → "get System Prompt", "read file"), any other text as it is.
 */
export function readableText(seg: Segment): string {
  if (seg.slot !== "name") return seg.text;
  return seg.text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_\-.]+/g, " ")
    .trim();
}

export const MAX_WALK_DEPTH = 64;
export const MAX_SEGMENTS = 20_000;

export interface Extracted {
  readonly segments: Segment[];
  readonly truncated: boolean;
}

const SCHEMA_VALUE_KEYS = new Set(["default", "enum", "examples", "const", "example"]);
const SKIP_CONTENT_KEYS = new Set(["type", "mimeType", "_meta", "id", "progressToken", "jsonrpc"]);

class Walker {
  readonly segments: Segment[] = [];
  truncated = false;

  push(path: string, text: string, slot: SegmentSlot): void {
    if (text.length === 0) return;
    if (this.segments.length >= MAX_SEGMENTS) {
      this.truncated = true;
      return;
    }
    this.segments.push({ path, text, slot });
  }

  /** Every string under `v` as content. */
  content(v: unknown, path: string, depth: number): void {
    if (typeof v === "string") {
      this.push(path, v, "content");
      return;
    }
    if (v === null || typeof v !== "object") return;
    if (depth >= MAX_WALK_DEPTH) {
      this.truncated = true;
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.content(v[i], `${path}[${i}]`, depth + 1);
      return;
    }
    for (const k in v) {
      if (SKIP_CONTENT_KEYS.has(k)) continue;
      const child = (v as Record<string, unknown>)[k];
      // A text resource delivered as base64 is still text the model reads.
      if (k === "blob" && typeof child === "string") {
        const mime = (v as { mimeType?: unknown }).mimeType;
        if (
          typeof mime === "string" &&
          /^text\/|json|xml|yaml|markdown/.test(mime) &&
          child.length <= 4 * 1024 * 1024
        ) {
          this.push(`${path}.blob`, Buffer.from(child, "base64").toString("utf8"), "content");
        }
        continue;
      }
      this.content(child, `${path}.${k}`, depth + 1);
    }
  }

  /** A JSON Schema: property names, descriptions, titles, defaults, enums, examples, nested schemas. */
  schema(v: unknown, path: string, depth: number): void {
    if (typeof v === "string") {
      this.push(path, v, "text");
      return;
    }
    if (v === null || typeof v !== "object") return;
    if (depth >= MAX_WALK_DEPTH) {
      this.truncated = true;
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.schema(v[i], `${path}[${i}]`, depth + 1);
      return;
    }
    for (const k in v) {
      const child = (v as Record<string, unknown>)[k];
      const p = `${path}.${k}`;
      if (k === "properties" || k === "patternProperties" || k === "$defs" || k === "definitions") {
        if (child !== null && typeof child === "object" && !Array.isArray(child)) {
          for (const name in child) {
            this.push(`${p}.${name}`, name, "name");
            this.schema((child as Record<string, unknown>)[name], `${p}.${name}`, depth + 2);
          }
        }
      } else if (SCHEMA_VALUE_KEYS.has(k)) {
        this.values(child, p, depth + 1);
      } else if (k === "type" || k === "$schema" || k === "format" || k === "$ref" || k === "pattern") {
        // Structural keywords: short tokens, nothing a model follows.
      } else if (k === "required" && Array.isArray(child)) {
        // Names already seen as properties.
      } else {
        this.schema(child, p, depth + 1);
      }
    }
  }

  values(v: unknown, path: string, depth: number): void {
    if (typeof v === "string") {
      this.push(path, v, "schema_value");
      return;
    }
    if (v === null || typeof v !== "object") return;
    if (depth >= MAX_WALK_DEPTH) {
      this.truncated = true;
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.values(v[i], `${path}[${i}]`, depth + 1);
      return;
    }
    for (const k in v) this.values((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
  }

  /** One tool object of a tools/list result. */
  tool(t: unknown, path: string): void {
    if (t === null || typeof t !== "object" || Array.isArray(t)) return;
    const o = t as Record<string, unknown>;
    for (const k in o) {
      const v = o[k];
      const p = `${path}.${k}`;
      if (k === "name" && typeof v === "string") this.push(p, v, "name");
      else if (k === "inputSchema" || k === "outputSchema") this.schema(v, p, 1);
      else if (k === "annotations" || k === "_meta") this.values(v, p, 1);
      else if (k === "icons") continue;
      else if (typeof v === "string") this.push(p, v, "text");
      else this.schema(v, p, 1);
    }
  }
}

/** The tool objects of a tools/list result, in order (non-objects are skipped). */
export function toolsOf(result: unknown): unknown[] {
  const tools = (result as { tools?: unknown } | null)?.tools;
  return Array.isArray(tools) ? tools : [];
}

/** The segments of one tool object, with paths relative to `base`. */
export function toolSegments(tool: unknown, base: string): Extracted {
  const w = new Walker();
  w.tool(tool, base);
  return { segments: w.segments, truncated: w.truncated };
}

/**
 * The strings of a payload. `value` is the JSON-RPC `result` for results, or `params` for
 * requests; `base` prefixes every path ("result", "params").
 */
export function extractSegments(kind: PayloadKind, value: unknown, base: string): Extracted {
  const w = new Walker();
  switch (kind) {
    case "tools_list": {
      const tools = toolsOf(value);
      for (let i = 0; i < tools.length; i++) w.tool(tools[i], `${base}.tools[${i}]`);
      break;
    }
    case "server_request": {
      // Elicitation carries a schema the user fills in: read it like a tool schema.
      const o = (value ?? {}) as Record<string, unknown>;
      for (const k in o) {
        if (k === "requestedSchema") w.schema(o[k], `${base}.${k}`, 1);
        else if (!SKIP_CONTENT_KEYS.has(k)) w.content(o[k], `${base}.${k}`, 1);
      }
      break;
    }
    case "tool_arguments":
      w.content((value as { arguments?: unknown } | null)?.arguments, `${base}.arguments`, 1);
      break;
    default:
      w.content(value, base, 0);
  }
  return { segments: w.segments, truncated: w.truncated };
}
