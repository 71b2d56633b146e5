/**
 * The policy evasion corpus through the real gateway. Real: `bun src/main.ts wrap --policy
 * reference.yaml -- bun everything-stdio-fixture.ts` spawned as a process, an official MCP SDK
 * client over stdio for ordinary cases, and raw NDJSON lines for the cases whose exact bytes
 * matter (duplicate keys, \u escapes). Labels: /work/shared/corpus (README section 4).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { connectWrapped, type Wrapped } from "../helpers/mcp.ts";
import { FIXTURES, INITIALIZE, isolatedEnv, spawnMcpgw, tempDir } from "../helpers/process.ts";

setDefaultTimeout(120_000);

const CORPUS = [
  join(import.meta.dir, "../../../shared/corpus/policy_args.jsonl"),
  "/work/shared/corpus/policy_args.jsonl",
].find((p) => existsSync(p));
const POLICY = join(FIXTURES, "policy/reference.yaml");

interface Case {
  id: string;
  call: { name: string; arguments: unknown };
  expected: "block" | "allow";
  raw?: string;
  notes: string;
}
const cases: Case[] = CORPUS
  ? readFileSync(CORPUS, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Case)
  : [];

/** More cases of the same kinds, written for this project (generalisation beyond the corpus). */
const extra: Case[] = readFileSync(join(FIXTURES, "policy/evasion-extra.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Case);

const dir = tempDir();
const homes: { path: string; [Symbol.dispose](): void }[] = [];
/** Each extra gateway process gets its own HOME (and so its own audit database). */
function ownHome(): Record<string, string> {
  const d = tempDir();
  homes.push(d);
  return isolatedEnv(d.path);
}
let wrapped: Wrapped;
beforeAll(async () => {
  wrapped = await connectWrapped({ flags: ["--policy", POLICY], env: isolatedEnv(dir.path) });
});
afterAll(async () => {
  await wrapped?.[Symbol.asyncDispose]();
  dir[Symbol.dispose]();
  for (const h of homes) h[Symbol.dispose]();
});

/** "block" when the gateway refused the call; "allow" when the call reached the server. */
async function outcome(name: string, args: unknown): Promise<{ verdict: "block" | "allow"; detail: string }> {
  try {
    const r = await wrapped.client.callTool({ name, arguments: args as Record<string, unknown> });
    return { verdict: "allow", detail: JSON.stringify(r).slice(0, 200) };
  } catch (e) {
    if (e instanceof McpError) {
      const data = e.data as { interceptor?: string; rule?: string } | undefined;
      if (data?.interceptor === "policy") return { verdict: "block", detail: `${e.code} ${e.message} ${data.rule}` };
      // The gateway's own codes (-32010…-32019: too large, too deep, inspection failed): refused
      // before the server, which never uses them.
      if (e.code <= -32010 && e.code >= -32019) return { verdict: "block", detail: `${e.code} ${e.message}` };
      return { verdict: "allow", detail: `server error ${e.code} ${e.message}` };
    }
    throw e;
  }
}

describe.skipIf(!CORPUS)("policy_args.jsonl through mcpgw wrap", () => {
  test("the corpus is present and has both labels", () => {
    expect(cases.some((c) => c.expected === "block")).toBe(true);
    expect(cases.some((c) => c.expected === "allow")).toBe(true);
  });

  for (const c of cases.filter((x) => x.raw === undefined)) {
    test(`${c.id} is ${c.expected === "block" ? "blocked" : "allowed"} (${c.notes})`, async () => {
      const { verdict, detail } = await outcome(c.call.name, c.call.arguments);
      expect({ id: c.id, verdict, detail: verdict === c.expected ? "" : detail }).toEqual({
        id: c.id,
        verdict: c.expected,
        detail: "",
      });
    });
  }

  test("a denied call is worded like an unknown tool (-32602 Unknown tool: NAME)", async () => {
    try {
      await wrapped.client.callTool({ name: "read_file", arguments: { path: "/etc/passwd" } });
      throw new Error("not blocked");
    } catch (e) {
      expect(e).toBeInstanceOf(McpError);
      expect((e as McpError).code).toBe(-32602);
      expect((e as McpError).message).toContain("Unknown tool: read_file");
    }
  });

  const rawCases = cases.filter((x) => x.raw !== undefined);
  test.each(rawCases.map((c) => [c.id, c] as const))("raw frame %s is judged on its exact bytes", async (_id, c) => {
    const p = spawnMcpgw(
      ["wrap", "--policy", POLICY, "--", process.execPath, join(FIXTURES, "servers/everything-stdio-fixture.ts")],
      ownHome(),
    );
    await using _ = p;
    p.send(INITIALIZE);
    await p.message((m) => m.id === 1);
    p.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const id = (JSON.parse(c.raw!) as { id: number }).id;
    p.send(c.raw!);
    const reply = await p.message((m) => m.id === id);
    const err = reply.error as { code: number; data?: { interceptor?: string; rule?: string } } | undefined;
    const verdict = err?.data?.interceptor === "policy" ? "block" : "allow";
    expect({ id: c.id, verdict }).toEqual({ id: c.id, verdict: c.expected });
    await p.closeStdin();
    await p.exit();
  });
});

describe("more evasion cases through mcpgw wrap", () => {
  for (const c of extra) {
    test(`${c.id} is ${c.expected === "block" ? "blocked" : "allowed"} (${c.notes})`, async () => {
      const { verdict, detail } = await outcome(c.call.name, c.call.arguments);
      expect({ id: c.id, verdict, detail: verdict === c.expected ? "" : detail }).toEqual({
        id: c.id,
        verdict: c.expected,
        detail: "",
      });
    });
  }

  test("5,000 levels of nesting never reach the server", async () => {
    const p = spawnMcpgw(
      ["wrap", "--policy", POLICY, "--", process.execPath, join(FIXTURES, "servers/everything-stdio-fixture.ts")],
      ownHome(),
    );
    await using _ = p;
    p.send(INITIALIZE);
    await p.message((m) => m.id === 1);
    const deep = `${"[".repeat(5000)}"/etc/passwd"${"]".repeat(5000)}`;
    p.send(
      `{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"read_file","arguments":{"path":${deep}}}}`,
    );
    const reply = await p.message((m) => m.id === 77);
    const err = reply.error as { code: number; message: string; data?: { interceptor?: string } } | undefined;
    expect(err).toBeDefined();
    // Refused by the gateway (the policy, or the frame limits), never answered by the server.
    expect(
      err!.data?.interceptor === "policy" || err!.code === -32700 || err!.code === -32600 || err!.code === -32014,
    ).toBe(true);
    await p.closeStdin();
    await p.exit();
  });
});
