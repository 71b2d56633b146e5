/**
 * Real path: `mcpgw wrap` (the real CLI and config files) between a raw NDJSON client and the
 * pii echo fixture server. Checks detect mode (nothing changes on the wire, nothing raw reaches
 * stderr or the audit files), and redact mode on resources/read and server log notifications.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectWrapped, firstText } from "../helpers/mcp.ts";
import { NdjsonPeer } from "../helpers/ndjson-peer.ts";
import { FIXTURES, isolatedEnv, MAIN, tempDir } from "../helpers/process.ts";

const FIXTURE = join(FIXTURES, "servers/pii-echo-fixture.ts");
const GH = "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";
const CARD = "5531-3558-5365-6192";
const EMAIL = "olivia_okafor+billing@yahoo.co.jp";

/** Writes the fixture's cases and the gateway's config file into `home`. */
function writeFiles(home: string, mode: "detect" | "redact"): void {
  const cases = {
    results: { report: { content: [{ type: "text", text: `card ${CARD}, token ${GH}` }] } },
    resources: { "file:///notes.txt": `contact ${EMAIL}` },
    notify: `log line with ${GH}`,
  };
  writeFileSync(join(home, "cases.json"), JSON.stringify(cases));
  writeFileSync(
    join(home, "config.yaml"),
    `logging:\n  level: debug\naudit_log: ${join(home, "audit.jsonl")}\nplugins:\n  - name: pii\n    config:\n      mode: ${mode}\n`,
  );
}

function start(home: string, mode: "detect" | "redact"): NdjsonPeer {
  writeFiles(home, mode);
  return new NdjsonPeer(
    [process.execPath, MAIN, "wrap", "--config", join(home, "config.yaml"), "--", process.execPath, FIXTURE],
    isolatedEnv(home, { PII_FIXTURE_FILE: join(home, "cases.json"), PII_FIXTURE_LOG: join(home, "received.jsonl") }),
  );
}

/** Every file the gateway wrote under `home` (audit database, JSONL mirror), as latin1 text. */
function gatewayFiles(home: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name === ".bun") continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (!["cases.json", "config.yaml", "received.jsonl"].includes(name))
        out.push(readFileSync(p).toString("latin1"));
    }
  };
  walk(home);
  return out;
}

describe("pii modes through mcpgw wrap", () => {
  test("detect mode changes nothing on the wire and keeps raw values out of stderr and audit files", async () => {
    using home = tempDir("mcpgw-pii-detect-");
    const peer = start(home.path, "detect");
    await peer.initialize();
    const r = await peer.request("tools/call", { name: "report", arguments: { note: `from ${EMAIL}` } });
    expect((r.result!.content as { text: string }[])[0]!.text).toBe(`card ${CARD}, token ${GH}`);
    const received = readFileSync(join(home.path, "received.jsonl"), "utf8");
    expect(received).toContain(EMAIL);
    expect(await peer.close()).toBe(0);
    const files = gatewayFiles(home.path);
    expect(files.join("\n")).toContain("github_token"); // the finding was recorded
    for (const text of [await peer.stderr, ...files])
      for (const v of [GH, CARD, EMAIL]) expect(text.includes(v)).toBe(false);
  }, 60_000);

  test("redact mode rewrites resources/read contents and server log notifications", async () => {
    using home = tempDir("mcpgw-pii-redact-");
    writeFiles(home.path, "redact");
    const logs: string[] = [];
    await using w = await connectWrapped({
      flags: ["--config", join(home.path, "config.yaml")],
      env: isolatedEnv(home.path, {
        PII_FIXTURE_FILE: join(home.path, "cases.json"),
        PII_FIXTURE_LOG: join(home.path, "received.jsonl"),
      }),
      server: [process.execPath, FIXTURE],
    });
    w.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(String(n.params.data));
    });
    const res = await w.client.readResource({ uri: "file:///notes.txt" });
    expect(res.contents).toEqual([
      { uri: "file:///notes.txt", mimeType: "text/plain", text: "contact [REDACTED:email]" },
    ]);
    const call = await w.client.callTool({ name: "report", arguments: {} });
    expect(firstText(call)).toBe("card [REDACTED:credit_card], token [REDACTED:github_token]");
    // The fixture sends its log notification before the result, on the same ordered stream.
    expect(logs).toEqual(["log line with [REDACTED:github_token]"]);
  }, 60_000);
});
