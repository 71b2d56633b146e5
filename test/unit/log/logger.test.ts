import { describe, expect, test } from "bun:test";
import { createLogger } from "../../../src/log/index.ts";

function capture(level: "debug" | "info" | "warn" | "error", format: "text" | "json") {
  const lines: string[] = [];
  const logger = createLogger({ level, format, write: (l) => lines.push(l) });
  return { logger, lines };
}

describe("logger", () => {
  test("text lines carry the level, the message and key=value fields, quoting where needed", () => {
    const { logger, lines } = capture("info", "text");
    logger.info("started MCP server", { command: "npx", pid: 42, note: "two words", skipped: undefined });
    expect(lines).toEqual(['mcpgw info: started MCP server command=npx pid=42 note="two words"\n']);
  });

  test("json lines are one object per line with time, level, msg and fields; errors become their message", () => {
    const { logger, lines } = capture("debug", "json");
    logger.error("failed", { error: new Error("boom"), n: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ level: "error", msg: "failed", error: "boom", n: 1 });
    expect(Number.isNaN(Date.parse(rec.time))).toBe(false);
  });

  test("messages below the level are not written", () => {
    const { logger, lines } = capture("warn", "text");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines).toEqual(["mcpgw warn: w\n", "mcpgw error: e\n"]);
  });

  test("a message with a newline cannot forge a second log line in text format", () => {
    const { logger, lines } = capture("info", "text");
    logger.info("reload failed", { error: "bad\nmcpgw info: forged" });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split("\n")).toHaveLength(2);
  });
});
