/** Block alerts POSTed to a real Bun.serve webhook on 127.0.0.1 (port 0). */
import { afterAll, describe, expect, test } from "bun:test";
import { createAlerter } from "../../../src/audit/alert.ts";
import { AlertingSchema } from "../../../src/audit/schema.ts";
import { silentLogger } from "../../../src/log/index.ts";
import { auditEvent } from "../../helpers/audit.ts";

const received: Record<string, unknown>[] = [];
const waiters: (() => void)[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    received.push({
      ...((await req.json()) as Record<string, unknown>),
      _contentType: req.headers.get("content-type"),
    });
    for (const w of waiters.splice(0)) w();
    return new Response(null, { status: 204 });
  },
});
afterAll(() => server.stop(true));
const url = `http://127.0.0.1:${server.port}/hook`;

async function waitFor(count: number) {
  for (let i = 0; i < 100 && received.length < count; i++)
    await Promise.race([new Promise<void>((r) => waiters.push(r)), Bun.sleep(50)]);
}

const ALICE = { subject: "alice", roles: [], scopes: [], labels: {}, method: "jwt" } as const;

describe("block alerts", () => {
  test("posts a JSON summary of a block, once per rule, tool and subject within the window", async () => {
    received.length = 0;
    let now = 1_000_000;
    const a = createAlerter(AlertingSchema.parse({ webhook_url: url, dedup_window: "5m" }), silentLogger, () => now)!;
    const block = (tool: string) =>
      auditEvent({ tool, action: "block", rule: "no-exec", reason: `Unknown tool: ${tool}`, identity: ALICE });
    a.notify(block("exec_command"));
    a.notify(block("exec_command"));
    a.notify(auditEvent({ tool: "echo", action: "pass", identity: ALICE }));
    a.notify(block("exec_shell"));
    now += 5 * 60_000;
    a.notify(block("exec_command"));
    await a.close();
    await waitFor(3);
    expect(received.length).toBe(3);
    const first = received.find((r) => r.tool_name === "exec_command")!;
    expect(first).toMatchObject({
      rule_name: "no-exec",
      method: "tools/call",
      tool_name: "exec_command",
      reason: "Unknown tool: exec_command",
      subject: "alice",
      direction: "c2s",
      decided_by: "policy",
      _contentType: "application/json",
    });
    expect(typeof first.timestamp).toBe("string");
    expect(first).not.toHaveProperty("tool_args");
    expect(received.filter((r) => r.tool_name === "exec_shell").length).toBe(1);
  });

  test("is off without a webhook_url", () => {
    expect(createAlerter(AlertingSchema.parse({}), silentLogger)).toBeUndefined();
  });

  test("rejects a webhook_url that is not http(s)", () => {
    expect(AlertingSchema.safeParse({ webhook_url: "file:///etc/passwd" }).success).toBe(false);
  });
});
