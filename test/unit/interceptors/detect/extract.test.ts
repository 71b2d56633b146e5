import { describe, expect, test } from "bun:test";
import { extractSegments, MAX_WALK_DEPTH, toolSegments } from "../../../../src/interceptors/detect/index.ts";

const paths = (segs: { path: string; slot: string }[]) => segs.map((s) => `${s.slot} ${s.path}`);

describe("extractSegments", () => {
  test("a tool definition yields its name, text, property names and every schema value", () => {
    const tool = {
      name: "send",
      title: "Send",
      description: "Send a message.",
      inputSchema: {
        type: "object",
        description: "Arguments.",
        properties: {
          to: { type: "string", title: "To", examples: ["a@b.example"] },
          mode: { type: "string", enum: ["fast", "slow"], default: "fast" },
          opts: { type: "object", properties: { trace: { type: "string", description: "Trace id." } } },
        },
        required: ["to"],
      },
      outputSchema: { type: "object", properties: { ok: { type: "boolean", description: "Sent?" } } },
      annotations: { title: "Sender", readOnlyHint: false },
    };
    const { segments, truncated } = toolSegments(tool, "result.tools[0]");
    expect(truncated).toBe(false);
    expect(paths(segments)).toEqual([
      "name result.tools[0].name",
      "text result.tools[0].title",
      "text result.tools[0].description",
      "text result.tools[0].inputSchema.description",
      "name result.tools[0].inputSchema.properties.to",
      "text result.tools[0].inputSchema.properties.to.title",
      "schema_value result.tools[0].inputSchema.properties.to.examples[0]",
      "name result.tools[0].inputSchema.properties.mode",
      "schema_value result.tools[0].inputSchema.properties.mode.enum[0]",
      "schema_value result.tools[0].inputSchema.properties.mode.enum[1]",
      "schema_value result.tools[0].inputSchema.properties.mode.default",
      "name result.tools[0].inputSchema.properties.opts",
      "name result.tools[0].inputSchema.properties.opts.properties.trace",
      "text result.tools[0].inputSchema.properties.opts.properties.trace.description",
      "name result.tools[0].outputSchema.properties.ok",
      "text result.tools[0].outputSchema.properties.ok.description",
      "schema_value result.tools[0].annotations.title",
    ]);
  });

  test("a tool result yields text, structured content, embedded resources (text blobs decoded) and resource links", () => {
    const result = {
      content: [
        { type: "text", text: "hello" },
        {
          type: "resource",
          resource: { uri: "file:///a", mimeType: "text/plain", blob: Buffer.from("decoded").toString("base64") },
        },
        { type: "resource", resource: { uri: "file:///b", mimeType: "image/png", blob: "iVBORw0KGgo=" } },
        { type: "resource_link", uri: "file:///c", name: "c", description: "link text" },
      ],
      structuredContent: { items: [{ note: "deep" }] },
    };
    const { segments } = extractSegments("tool_result", result, "result");
    const byPath = Object.fromEntries(segments.map((s) => [s.path, s.text]));
    expect(byPath["result.content[0].text"]).toBe("hello");
    expect(byPath["result.content[1].resource.blob"]).toBe("decoded");
    expect(byPath["result.content[2].resource.blob"]).toBeUndefined();
    expect(byPath["result.content[3].description"]).toBe("link text");
    expect(byPath["result.structuredContent.items[0].note"]).toBe("deep");
  });

  test("an elicitation request's schema is read like a tool schema and its message as content", () => {
    const params = {
      message: "Please confirm",
      requestedSchema: { type: "object", properties: { api_key: { type: "string", description: "Your key" } } },
    };
    const { segments } = extractSegments("server_request", params, "params");
    expect(paths(segments)).toEqual([
      "content params.message",
      "name params.requestedSchema.properties.api_key",
      "text params.requestedSchema.properties.api_key.description",
    ]);
  });

  test("tool arguments are read at any depth", () => {
    const { segments } = extractSegments("tool_arguments", { name: "t", arguments: { a: [{ b: "x" }] } }, "params");
    expect(paths(segments)).toEqual(["content params.arguments.a[0].b"]);
  });

  test("nesting beyond the walk limit is reported as truncated", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < MAX_WALK_DEPTH + 5; i++) deep = [deep];
    expect(extractSegments("tool_result", { content: deep }, "result").truncated).toBe(true);
  });
});
