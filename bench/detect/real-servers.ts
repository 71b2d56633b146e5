#!/usr/bin/env bun
/**
 * False-positive rate of the definition detector on real servers' tools/list.
 *
 * Installs the npm MCP servers the corpus's real benign definitions were captured from (at the
 * corpus's exact versions), the newest release of each where it differs, and a dozen other popular
 * npm servers; starts each over stdio with dummy tokens and 127.0.0.1 connection strings, runs
 * initialize and tools/list (following nextCursor), and saves the tools. Then scores every tool as
 * the tests do (scanTools at DEFAULT_THRESHOLD, default learned model) and prints the share
 * flagged per package and overall, with each flagged tool's signals and excerpts.
 *
 * Needs the npm registry, so it never runs in `bun test` or CI. Captured descriptions are
 * third-party text: they stay in --dir, outside the repository.
 *
 *   bun bench/detect/real-servers.ts [--dir D] [--set corpus|newer|extra|all] [--skip-install]
 *                                    [--score-only] [--timeout MS] [--verbose]
 *
 * --dir          where packages are installed and tools saved (default: $TMPDIR/mcpgw-real-servers)
 * --set          which servers (default all); "corpus" is the best estimate of the hidden benign FPR
 * --skip-install use what is already installed in --dir
 * --score-only   score the tools already captured in --dir, start nothing
 * --timeout      bound on one server's start + initialize + tools/list (default 45000 ms)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type JSONRPCMessage, LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { DEFAULT_THRESHOLD, scanTools } from "../../src/interceptors/injection/index.ts";

type SetName = "corpus" | "newer" | "extra";

interface Server {
  readonly pkg: string;
  /** Exact version; "latest" is resolved through `npm view` once. */
  readonly version: string;
  readonly set: SetName;
  /** Arguments after the bin; "$TMP" becomes a scratch directory. */
  readonly args?: readonly string[];
  /** Which bin when the package has several. */
  readonly bin?: string;
}

/** The packages and versions named in the corpus's td-real-* `source` fields (and its README). */
const CORPUS: readonly Omit<Server, "set">[] = [
  { pkg: "@modelcontextprotocol/server-filesystem", version: "2026.8.31", args: ["$TMP"] },
  { pkg: "@modelcontextprotocol/server-github", version: "2025.4.8" },
  { pkg: "@modelcontextprotocol/server-gitlab", version: "2025.4.25" },
  { pkg: "@modelcontextprotocol/server-slack", version: "2025.4.25" },
  { pkg: "@modelcontextprotocol/server-memory", version: "2026.8.31" },
  { pkg: "@modelcontextprotocol/server-everything", version: "2026.8.31", args: ["stdio"] },
  { pkg: "@modelcontextprotocol/server-puppeteer", version: "2025.5.12" },
  { pkg: "@modelcontextprotocol/server-brave-search", version: "0.6.2" },
  { pkg: "@modelcontextprotocol/server-google-maps", version: "0.6.2" },
  // Not in the development set, so its version is the one current when the corpus was made.
  { pkg: "@modelcontextprotocol/server-sequential-thinking", version: "2026.8.31" },
  { pkg: "@modelcontextprotocol/server-postgres", version: "0.6.2", args: ["postgresql://127.0.0.1:5432/mcpgw"] },
  { pkg: "@modelcontextprotocol/server-everart", version: "0.6.2" },
  { pkg: "@modelcontextprotocol/server-aws-kb-retrieval", version: "0.6.2" },
  { pkg: "@playwright/mcp", version: "0.0.83" },
  { pkg: "@executeautomation/playwright-mcp-server", version: "1.0.12" },
  { pkg: "chrome-devtools-mcp", version: "1.11.0" },
  { pkg: "@notionhq/notion-mcp-server", version: "2.5.2" },
  { pkg: "@upstash/context7-mcp", version: "4.1.1" },
  { pkg: "firecrawl-mcp", version: "3.22.2" },
  { pkg: "mongodb-mcp-server", version: "3.0.4" },
  { pkg: "@sentry/mcp-server", version: "0.36.0", args: ["--access-token=sntrys_dummy"] },
  { pkg: "exa-mcp-server", version: "3.4.1" },
  { pkg: "tavily-mcp", version: "0.2.22" },
  { pkg: "mcp-server-kubernetes", version: "4.1.7" },
  { pkg: "@antv/mcp-server-chart", version: "0.9.10" },
  { pkg: "@hubspot/mcp-server", version: "0.4.0" },
  { pkg: "airtable-mcp-server", version: "1.14.0" },
  { pkg: "figma-developer-mcp", version: "0.13.2", args: ["--stdio", "--figma-api-key=figd_dummy"] },
  { pkg: "@circleci/mcp-server-circleci", version: "0.20.0" },
  { pkg: "@elastic/mcp-server-elasticsearch", version: "0.3.1" },
  { pkg: "@wonderwhy-er/desktop-commander", version: "0.2.52" },
  { pkg: "@zereight/mcp-gitlab", version: "2.1.64" },
  { pkg: "@cyanheads/git-mcp-server", version: "2.15.3" },
  { pkg: "@launchdarkly/mcp-server", version: "0.6.2", args: ["start", "--api-key", "api-dummy"] },
  { pkg: "@brightdata/mcp", version: "2.11.3" },
  { pkg: "@perplexity-ai/mcp-server", version: "1.2.1" },
];

/** Other popular npm servers, none of them in the corpus. */
const EXTRA: readonly Omit<Server, "set">[] = [
  { pkg: "n8n-mcp", version: "latest" },
  { pkg: "next-devtools-mcp", version: "latest" },
  { pkg: "@modelcontextprotocol/server-pdf", version: "latest", args: ["--stdio"] },
  { pkg: "nx-mcp", version: "latest", args: ["$TMP"] },
  { pkg: "@testsprite/testsprite-mcp", version: "latest" },
  { pkg: "@aashari/mcp-server-atlassian-jira", version: "latest" },
  { pkg: "@agentdeskai/browser-tools-mcp", version: "latest" },
  { pkg: "@eslint/mcp", version: "latest" },
  { pkg: "@winor30/mcp-server-datadog", version: "latest" },
  {
    pkg: "@bytebase/dbhub",
    version: "latest",
    args: ["--transport", "stdio", "--dsn", "postgres://u:p@127.0.0.1:5432/db"],
  },
  { pkg: "@shortcut/mcp", version: "latest" },
  { pkg: "@apify/actors-mcp-server", version: "latest" },
  { pkg: "@drawio/mcp", version: "latest" },
  { pkg: "@mobilenext/mobile-mcp", version: "latest" },
  { pkg: "@brave/brave-search-mcp-server", version: "latest", args: ["--transport", "stdio"] },
  { pkg: "mcp-server-code-runner", version: "latest" },
  { pkg: "@browsermcp/mcp", version: "latest" },
  { pkg: "mcp-hello-world", version: "latest" },
  { pkg: "@mastra/mcp-docs-server", version: "latest" },
  { pkg: "@currents/mcp", version: "latest" },
  { pkg: "@google-cloud/cloud-run-mcp", version: "latest" },
  { pkg: "slack-mcp-server", version: "latest", args: ["--transport", "stdio"] },
  { pkg: "@morphllm/morphmcp", version: "latest" },
  { pkg: "@z_ai/mcp-server", version: "latest" },
  { pkg: "@mizchi/lsmcp", version: "latest", args: ["-p", "typescript"] },
  { pkg: "@dynatrace-oss/dynatrace-mcp-server", version: "latest" },
  { pkg: "@cocal/google-calendar-mcp", version: "latest" },
  { pkg: "@larksuiteoapi/lark-mcp", version: "latest", args: ["mcp", "-a", "cli_dummy", "-s", "dummy"] },
  // Tried, but they need a live service, OAuth files or a project config to list tools:
  // @supabase/mcp-server-supabase, @stripe/mcp, @modelcontextprotocol/server-redis,
  // @modelcontextprotocol/server-gdrive, @gongrzhe/server-gmail-autoauth-mcp,
  // @a-bonus/google-docs-mcp, @pandacss/mcp, cclsp; @azure-devops/mcp needs keytar's native build.
];

/** Dummy credentials and local endpoints, enough for most servers to list their tools. */
const DUMMY_ENV: Record<string, string> = {
  GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_dummy000000000000000000000000000000",
  GITHUB_TOKEN: "ghp_dummy000000000000000000000000000000",
  GITLAB_PERSONAL_ACCESS_TOKEN: "glpat-dummy0000000000",
  GITLAB_API_URL: "http://127.0.0.1:9/api/v4",
  SLACK_BOT_TOKEN: "xoxb-0000-dummy",
  SLACK_TEAM_ID: "T00000000",
  BRAVE_API_KEY: "dummy",
  GOOGLE_MAPS_API_KEY: "dummy",
  EVERART_API_KEY: "dummy",
  AWS_ACCESS_KEY_ID: "AKIADUMMYDUMMYDUMMY0",
  AWS_SECRET_ACCESS_KEY: "dummy",
  AWS_REGION: "us-east-1",
  NOTION_TOKEN: "ntn_dummy",
  OPENAPI_MCP_HEADERS: '{"Authorization":"Bearer ntn_dummy","Notion-Version":"2022-06-28"}',
  FIRECRAWL_API_KEY: "fc-dummy",
  MDB_MCP_CONNECTION_STRING: "mongodb://127.0.0.1:27017",
  SENTRY_ACCESS_TOKEN: "sntrys_dummy",
  EXA_API_KEY: "dummy",
  TAVILY_API_KEY: "tvly-dummy",
  PRIVATE_APP_ACCESS_TOKEN: "pat-dummy",
  AIRTABLE_API_KEY: "patdummy.dummy",
  FIGMA_API_KEY: "figd_dummy",
  CIRCLECI_TOKEN: "dummy",
  ES_URL: "http://127.0.0.1:9200",
  ES_API_KEY: "dummy",
  LAUNCHDARKLY_API_KEY: "api-dummy",
  API_TOKEN: "dummy",
  PERPLEXITY_API_KEY: "pplx-dummy",
  MCP_TRANSPORT_TYPE: "stdio",
  SUPABASE_ACCESS_TOKEN: "sbp_dummy",
  STRIPE_SECRET_KEY: "sk_test_dummy",
  ATLASSIAN_SITE_NAME: "example",
  ATLASSIAN_USER_EMAIL: "nobody@example.com",
  ATLASSIAN_API_TOKEN: "dummy",
  N8N_API_URL: "http://127.0.0.1:5678",
  N8N_API_KEY: "dummy",
  DATADOG_API_KEY: "dummy",
  DATADOG_APP_KEY: "dummy",
  DD_API_KEY: "dummy",
  DD_APP_KEY: "dummy",
  SHORTCUT_API_TOKEN: "dummy",
  APIFY_TOKEN: "apify_api_dummy",
  CURRENTS_API_KEY: "dummy",
  GOOGLE_CLOUD_PROJECT: "dummy-project",
  SLACK_MCP_XOXP_TOKEN: "xoxp-0000-dummy",
  MORPH_API_KEY: "dummy",
  Z_AI_API_KEY: "dummy",
  DT_ENVIRONMENT: "https://127.0.0.1:9",
  GOOGLE_OAUTH_CREDENTIALS: "/nonexistent/gcp-oauth.keys.json",
  PUPPETEER_SKIP_DOWNLOAD: "1",
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1",
  NO_UPDATE_NOTIFIER: "1",
  DO_NOT_TRACK: "1",
};

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const has = (name: string) => process.argv.includes(name);

const DIR = flag("--dir") ?? join(tmpdir(), "mcpgw-real-servers");
const SET = (flag("--set") ?? "all") as SetName | "all";
const TIMEOUT = Number(flag("--timeout") ?? 45_000);
const VERBOSE = has("--verbose");
const slug = (s: Server) => `${s.pkg.replace(/^@/, "").replace(/\//g, "__")}@${s.version}`;

function npm(args: string[], cwd: string, timeout = 300_000) {
  return spawnSync("npm", args, { cwd, encoding: "utf8", timeout, env: { ...process.env, ...DUMMY_ENV } });
}

/** The newest release: with --skip-install, the newest already installed in --dir; else `npm view`. */
function latestVersion(pkg: string): string | undefined {
  if (has("--skip-install")) {
    const prefix = `${pkg.replace(/^@/, "").replace(/\//g, "__")}@`;
    const installed = existsSync(join(DIR, "pkgs"))
      ? readdirSync(join(DIR, "pkgs"))
          .filter((d) => d.startsWith(prefix))
          .map((d) => d.slice(prefix.length))
      : [];
    return installed.sort((a, b) => Bun.semver.order(a, b)).pop();
  }
  const r = npm(["view", `${pkg}@latest`, "version"], DIR, 60_000);
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function servers(): Server[] {
  const list: Server[] = [];
  const want = (s: SetName) => SET === "all" || SET === s;
  if (want("corpus")) for (const s of CORPUS) list.push({ ...s, set: "corpus" });
  if (want("newer") && !has("--score-only"))
    for (const s of CORPUS) {
      const v = latestVersion(s.pkg);
      if (v && v !== s.version) list.push({ ...s, version: v, set: "newer" });
    }
  if (want("extra") && !has("--score-only"))
    for (const s of EXTRA) {
      const v = latestVersion(s.pkg);
      if (v) list.push({ ...s, version: v, set: "extra" });
    }
  return list;
}

function install(s: Server, dir: string): string | undefined {
  const manifest = join(dir, "node_modules", s.pkg, "package.json");
  if (existsSync(manifest) || has("--skip-install")) return existsSync(manifest) ? undefined : "not installed";
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), '{"private":true}\n');
  // --ignore-scripts: no browser or binary downloads (only the npm registry is reachable).
  const r = npm(
    ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", `${s.pkg}@${s.version}`],
    dir,
  );
  return r.status === 0 ? undefined : `npm install failed: ${(r.stderr || r.error?.message || "").slice(0, 300)}`;
}

function binOf(s: Server, dir: string): string {
  const root = join(dir, "node_modules", s.pkg);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    bin?: string | Record<string, string>;
    main?: string;
  };
  const bin = manifest.bin;
  if (typeof bin === "string") return join(root, bin);
  if (bin && typeof bin === "object") {
    const base = s.pkg.split("/").pop()!;
    const key = s.bin ?? (bin[base] ? base : Object.keys(bin)[0]!);
    return join(root, bin[key]!);
  }
  return join(root, manifest.main ?? "index.js");
}

/**
 * Starts the server over the SDK's stdio transport and speaks raw JSON-RPC (initialize,
 * notifications/initialized, tools/list until no nextCursor): the SDK Client would reject a tool
 * whose schema breaks its own validation, and the gateway sees such tools as they are.
 */
async function capture(s: Server, dir: string): Promise<{ tools?: unknown[]; error?: string }> {
  const scratch = join(dir, "scratch");
  mkdirSync(scratch, { recursive: true });
  const args = [binOf(s, dir), ...(s.args ?? []).map((a) => a.replace("$TMP", scratch))];
  const transport = new StdioClientTransport({
    command: "node",
    args,
    cwd: scratch,
    env: { ...getDefaultEnvironment(), ...DUMMY_ENV, MEMORY_FILE_PATH: join(scratch, "memory.jsonl") },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const pending = new Map<number, (m: JSONRPCMessage) => void>();
  let closed: (e: Error) => void = () => {};
  const gone = new Promise<never>((_, reject) => {
    closed = reject;
  });
  transport.onmessage = (m) => {
    if ("id" in m && typeof m.id === "number" && !("method" in m)) pending.get(m.id)?.(m);
  };
  transport.onclose = () => closed(new Error("server exited"));
  // A line on stdout that is not JSON-RPC (some servers log there) is skipped, as lenient clients do.
  transport.onerror = () => {};
  let next = 1;
  const request = async (method: string, params: Record<string, unknown>) => {
    const id = next++;
    const answer = new Promise<JSONRPCMessage>((resolve) => pending.set(id, resolve));
    await transport.send({ jsonrpc: "2.0", id, method, params });
    const m = (await Promise.race([answer, gone])) as { result?: Record<string, unknown>; error?: { message: string } };
    if (m.error) throw new Error(`${method}: ${m.error.message}`);
    return m.result ?? {};
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT} ms`)), TIMEOUT);
  });
  try {
    const tools = await Promise.race([
      (async () => {
        await transport.start();
        await request("initialize", {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "mcpgw-real-servers", version: "0" },
        });
        await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
        const all: unknown[] = [];
        let cursor: unknown;
        do {
          const page = await request("tools/list", cursor ? { cursor } : {});
          if (Array.isArray(page.tools)) all.push(...page.tools);
          cursor = page.nextCursor;
        } while (typeof cursor === "string" && cursor);
        return all;
      })(),
      deadline,
    ]);
    return { tools };
  } catch (e) {
    const oneLine = (t: string) => t.replace(/\s+/g, " ").trim();
    return {
      error: `${oneLine((e as Error).message).slice(0, 200)}${stderr ? ` | stderr: ${oneLine(stderr).slice(-200)}` : ""}`,
    };
  } finally {
    clearTimeout(timer);
    const pid = transport.pid;
    await Promise.race([transport.close().catch(() => {}), Bun.sleep(3000)]);
    if (pid) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
}

interface Captured {
  readonly server: Server;
  readonly tools: unknown[];
}

async function collect(): Promise<{ captured: Captured[]; failed: string[] }> {
  const captured: Captured[] = [];
  const failed: string[] = [];
  const out = join(DIR, "tools");
  mkdirSync(out, { recursive: true });
  if (has("--score-only")) {
    for (const f of readdirSync(out).filter((f) => f.endsWith(".json")))
      captured.push(JSON.parse(readFileSync(join(out, f), "utf8")) as Captured);
    return { captured: captured.filter((c) => SET === "all" || c.server.set === SET), failed };
  }
  for (const s of servers()) {
    const dir = join(DIR, "pkgs", slug(s));
    const label = `${s.set} ${s.pkg}@${s.version}`;
    const installError = install(s, dir);
    if (installError) {
      failed.push(`${label}: ${installError}`);
      console.error(`  ✗ ${label}: ${installError}`);
      continue;
    }
    const r = await capture(s, dir);
    if (!r.tools || r.tools.length === 0) {
      failed.push(`${label}: ${r.error ?? "no tools"}`);
      console.error(`  ✗ ${label}: ${r.error ?? "no tools"}`);
      continue;
    }
    console.error(`  ✓ ${label}: ${r.tools.length} tools`);
    const c: Captured = { server: s, tools: r.tools };
    writeFileSync(join(out, `${s.set}__${slug(s)}.json`), JSON.stringify(c, null, 1));
    captured.push(c);
  }
  return { captured, failed };
}

function report(captured: readonly Captured[], failed: readonly string[]) {
  const bySet = new Map<SetName, { tools: number; flagged: number }>();
  const flaggedLines: string[] = [];
  const perPackage: string[] = [];
  const seen = new Set<string>();
  for (const c of captured) {
    let n = 0;
    let f = 0;
    for (const tool of c.tools) {
      const key = `${c.server.set}\0${JSON.stringify(tool)}`;
      if (seen.has(key)) continue; // the corpus de-duplicated identical definitions
      seen.add(key);
      n++;
      const r = scanTools({ tools: [tool] })[0]!;
      if (r.score < DEFAULT_THRESHOLD) continue;
      f++;
      flaggedLines.push(
        `${c.server.set} ${c.server.pkg}@${c.server.version} ${r.name} score ${r.score.toFixed(2)}\n` +
          r.findings.map((x) => `      ${x.signal} @${x.where}: ${JSON.stringify(x.excerpt)}`).join("\n"),
      );
    }
    const agg = bySet.get(c.server.set) ?? { tools: 0, flagged: 0 };
    agg.tools += n;
    agg.flagged += f;
    bySet.set(c.server.set, agg);
    if (f > 0 || VERBOSE)
      perPackage.push(`  ${c.server.set.padEnd(6)} ${`${c.server.pkg}@${c.server.version}`.padEnd(58)} ${f}/${n}`);
  }
  console.log(
    `\nthreshold ${DEFAULT_THRESHOLD}; per package (flagged/tools${VERBOSE ? "" : ", packages with none flagged left out"}):`,
  );
  console.log(perPackage.join("\n") || "  (none flagged)");
  console.log("\nflagged tools:");
  console.log(flaggedLines.length ? flaggedLines.map((l) => `  ${l}`).join("\n") : "  (none)");
  console.log("\nfalse-positive rate by set:");
  for (const [set, a] of bySet)
    console.log(
      `  ${set.padEnd(6)} ${a.flagged}/${a.tools} = ${((100 * a.flagged) / Math.max(1, a.tools)).toFixed(2)}%`,
    );
  const packages = new Map<SetName, number>();
  for (const c of captured) packages.set(c.server.set, (packages.get(c.server.set) ?? 0) + 1);
  console.log(`  servers captured: ${[...packages].map(([s, n]) => `${s} ${n}`).join(", ")}`);
  if (failed.length) console.log(`\nwould not start (${failed.length}):\n  ${failed.join("\n  ")}`);
}

mkdirSync(DIR, { recursive: true });
if (!existsSync(dirname(DIR))) throw new Error(`no such directory: ${dirname(DIR)}`);
const { captured, failed } = await collect();
report(captured, failed);
process.exit(0);
