/** observeDecision keeps series handles: what it records must equal what inc/observe would. */
import { describe, expect, test } from "bun:test";
import { chainDuration, messagesTotal, observeDecision, requestDuration } from "../../../src/metrics/index.ts";

describe("observeDecision", () => {
  test("counts each decision in its own series, every time, cached or not", () => {
    const labels = ["s2c", "prompts/get", "would_block", "policy"];
    const other = ["s2c", "prompts/get", "would_block", "other"];
    const none = ["s2c", "prompts/get", "would_block", "none"];
    const before = [messagesTotal.get(labels), messagesTotal.get(other), messagesTotal.get(none)];
    const chainBefore = chainDuration.handle(["s2c"]).count;
    const reqBefore = requestDuration.handle(["prompts/get"]).count;
    for (let i = 0; i < 3; i++) observeDecision("s2c", "prompts/get", "would_block", "policy", 0.2, 5);
    // A name outside the label syntax is "other"; no decider is "none"; both twice.
    for (let i = 0; i < 2; i++) observeDecision("s2c", "prompts/get", "would_block", "Not A Label!", 0.2, undefined);
    for (let i = 0; i < 2; i++) observeDecision("s2c", "prompts/get", "would_block", null, 0.2, undefined);
    expect(messagesTotal.get(labels)).toBe(before[0]! + 3);
    expect(messagesTotal.get(other)).toBe(before[1]! + 2);
    expect(messagesTotal.get(none)).toBe(before[2]! + 2);
    expect(chainDuration.handle(["s2c"]).count).toBe(chainBefore + 7);
    expect(requestDuration.handle(["prompts/get"]).count).toBe(reqBefore + 3);
    // An unknown method is folded into "other" like before.
    const folded = ["c2s", "other", "pass", "none"];
    const f0 = messagesTotal.get(folded);
    observeDecision("c2s", "x/made-up", "pass", null, 0.1, undefined);
    observeDecision("c2s", "y/made-up", "pass", null, 0.1, undefined);
    expect(messagesTotal.get(folded)).toBe(f0 + 2);
  });

  test("decisions that alternate between directions, methods, actions and deciders each land in their own series", () => {
    const series = [
      ["c2s", "tools/call", "pass", "none"],
      ["s2c", "tools/call", "pass", "none"],
      ["c2s", "tools/call", "block", "policy"],
      ["c2s", "resources/read", "pass", "none"],
      ["s2c", "resources/read", "modify", "pii"],
    ] as const;
    const before = series.map((l) => messagesTotal.get([...l]));
    const latencyBefore = requestDuration.handle(["resources/read"]).count;
    for (let i = 0; i < 4; i++) {
      observeDecision("c2s", "tools/call", "pass", null, 0.1, undefined);
      observeDecision("s2c", "tools/call", "pass", null, 0.1, 1);
      observeDecision("c2s", "tools/call", "block", "policy", 0.1, undefined);
      observeDecision("c2s", "resources/read", "pass", null, 0.1, undefined);
      observeDecision("s2c", "resources/read", "modify", "pii", 0.1, i % 2 === 0 ? 2 : undefined);
    }
    expect(series.map((l) => messagesTotal.get([...l]))).toEqual(before.map((n) => n + 4));
    expect(requestDuration.handle(["resources/read"]).count).toBe(latencyBefore + 2);
  });
});
