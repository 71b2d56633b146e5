/**
 * `mcpgw wrap` under faults. Real: `bun src/main.ts wrap -- bun everything-stdio-fixture.ts`
 * spawned as a process; the test writes raw bytes to its stdin (so it can send garbage and
 * oversized frames an SDK client never would) and reads its stdout, stderr and exit code.
 * The fixture misbehaves on request through FIXTURE_* variables.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  EVERYTHING,
  INITIALIZE,
  isolatedEnv,
  parsedLines,
  type Spawned,
  spawnMcpgw,
  tempDir,
} from "../helpers/process.ts";

setDefaultTimeout(60_000);
const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());
let n = 0;

function start(fixtureEnv: Record<string, string> = {}, flags: string[] = [], server = [process.execPath, EVERYTHING]) {
  const callLog = join(dir.path, `calls-${++n}.log`);
  const env = isolatedEnv(dir.path, { FIXTURE_CALL_LOG: callLog, ...fixtureEnv });
  const p = spawnMcpgw(["wrap", ...flags, "--", ...server], env);
  const calls = () => (existsSync(callLog) ? readFileSync(callLog, "utf8").split("\n").filter(Boolean) : []);
  return { p, calls };
}

async function initialize(p: Spawned, protocolVersion = "2025-06-18") {
  p.send({ ...INITIALIZE, params: { ...INITIALIZE.params, protocolVersion } });
  const r = await p.message((m) => m.id === 1);
  p.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return r;
}

const call = (id: number, name: string, args: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

/** Every line mcpgw wrote to stdout is a JSON-RPC message: nothing else ever leaks there. */
function expectCleanStdout(p: Spawned) {
  for (const line of p.stdout.lines()) expect(JSON.parse(line).jsonrpc).toBe("2.0");
}

describe("garbage", () => {
  test("client garbage: request-looking lines get an error with their id, other lines are dropped and logged", async () => {
    const { p, calls } = start();
    await using _ = p;
    await initialize(p);
    p.send("this is not json at all");
    p.send('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"');
    p.send({ jsonrpc: "1.0", id: 8, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } });
    p.send({ jsonrpc: "2.0", id: { nested: true }, method: "tools/list" });
    p.send(call(9, "echo", { text: "still alive" }));

    const parse = await p.message((m) => m.id === 7);
    expect((parse.error as { code: number }).code).toBe(-32700);
    const invalid = await p.message((m) => m.id === 8);
    expect((invalid.error as { code: number; message: string }).code).toBe(-32600);
    expect((invalid.error as { message: string }).message).toContain('jsonrpc must be "2.0"');
    const ok = await p.message((m) => m.id === 9);
    expect((ok.result as { content: { text: string }[] }).content[0]!.text).toBe("still alive");
    // The bad id cannot be answered by id: it gets an error with id null.
    expect(parsedLines(p.stdout.text).some((m) => m.id === null && (m.error as { code: number }).code === -32600)).toBe(
      true,
    );
    await p.stderr.waitFor(/invalid message dropped.*direction=c2s/);
    expect(calls()).toEqual(["echo"]);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expectCleanStdout(p);
  });

  test("a server printing thousands of log lines on stdout: the first are logged, then one line per 1000", async () => {
    const { p } = start({ FIXTURE_GARBAGE_STDOUT: "2500" });
    await using _ = p;
    await initialize(p);
    p.send(call(2, "echo", { text: "hi" }));
    await p.message((m) => m.id === 2);
    await p.stderr.waitFor("total=2000");
    const dropped = p.stderr.lines().filter((l) => l.includes("invalid message dropped"));
    expect(dropped).toHaveLength(12);
    expect(p.stderr.text).toContain("further invalid messages are logged once per 1000");
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expectCleanStdout(p);
  });

  test("a request with bytes that are not UTF-8 is refused with its id, not forwarded as it came", async () => {
    const { p, calls } = start();
    await using _ = p;
    await initialize(p);
    const head = new TextEncoder().encode(
      '{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"echo","arguments":{"text":"',
    );
    const tail = new TextEncoder().encode('"}}}\n');
    p.proc.stdin.write(new Uint8Array([...head, 0xff, 0xfe, 0x41, ...tail]));
    p.proc.stdin.flush();
    const err = await p.message((m) => m.id === 21);
    expect(err.error).toEqual({ code: -32700, message: "Parse error: invalid UTF-8" });
    p.send(call(22, "echo", { text: "ok" }));
    await p.message((m) => m.id === 22);
    expect(calls()).toEqual(["echo"]);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
  });

  test("server garbage on stdout is dropped and logged to stderr; the client's stdout stays clean", async () => {
    const { p } = start({ FIXTURE_GARBAGE_STDOUT: "1" });
    await using _ = p;
    await initialize(p);
    p.send(call(2, "echo", { text: "hi" }));
    await p.message((m) => m.id === 2);
    await p.stderr.waitFor(/invalid message dropped.*direction=s2c/);
    expect(p.stdout.text).not.toContain("this is not json");
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expectCleanStdout(p);
  });
});

describe("the child", () => {
  test("a child that crashes mid-request: the client gets an error for the pending id and mcpgw exits with its code", async () => {
    const { p } = start({ FIXTURE_CRASH_ON: "echo" });
    await using _ = p;
    await initialize(p);
    p.send(call(5, "echo", { text: "boom" }));
    const err = await p.message((m) => m.id === 5);
    expect(err.error).toMatchObject({ code: -32012 });
    expect((err.error as { message: string }).message).toContain("exit code 3");
    expect(await p.exit()).toBe(3);
    expectCleanStdout(p);
  });

  test("a malformed response from the server reaches the client as an error for its id", async () => {
    const raw = join(import.meta.dir, "../fixtures/servers/raw-echo-fixture.ts");
    const { p } = start({ FIXTURE_BAD_RESPONSE_TO: "tools/list" }, [], [process.execPath, raw]);
    await using _ = p;
    await initialize(p);
    p.send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const err = await p.message((m) => m.id === 2);
    expect(err.error).toEqual({
      code: -32012,
      message: "MCP server sent an invalid response: a response needs exactly one of result or error",
    });
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expectCleanStdout(p);
  });

  test("a child flooding stderr: the lines reach our stderr and the protocol is unaffected", async () => {
    const { p } = start({ FIXTURE_STDERR_FLOOD: "20000" });
    await using _ = p;
    await initialize(p);
    p.send(call(2, "echo", { text: "through the flood" }));
    const r = await p.message((m) => m.id === 2);
    expect((r.result as { content: { text: string }[] }).content[0]!.text).toBe("through the flood");
    await p.stderr.waitFor("fixture log line 19999 ");
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expectCleanStdout(p);
  });

  test("a server that exits while a process it started holds its stdout: mcpgw still exits with its code", async () => {
    const { p } = start({}, [], ["sh", "-c", "sleep 10 2>/dev/null & exit 4"]);
    await using _ = p;
    expect(await p.exit()).toBe(4);
    expect(p.stderr.text).toContain("stdout is still open");
  });

  test("a command that cannot be started exits 1 with a clear message", async () => {
    const { p } = start({}, [], [join(dir.path, "no-such-server")]);
    await using _ = p;
    expect(await p.exit()).toBe(1);
    expect(p.stderr.text).toContain(`cannot start ${join(dir.path, "no-such-server")}`);
    expect(p.stderr.text).toContain("ENOENT");
    expect(p.stdout.text).toBe("");
  });

  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    test(`${sig} is forwarded to the child and mcpgw exits with the child's code`, async () => {
      const signals = join(dir.path, `signals-${sig}.log`);
      const { p } = start({ FIXTURE_SIGNAL_LOG: signals });
      await using _ = p;
      await initialize(p);
      p.proc.kill(sig);
      expect(await p.exit()).toBe(0);
      expect(readFileSync(signals, "utf8")).toBe(`${sig}\n`);
    });
  }
});

describe("signals", () => {
  test("with wrap.forward_sighup false, SIGHUP reloads but is not passed to the child", async () => {
    const signals = join(dir.path, "signals-hup.log");
    const config = join(dir.path, "no-hup.yaml");
    writeFileSync(config, "wrap:\n  forward_sighup: false\n");
    const { p } = start({ FIXTURE_SIGNAL_LOG: signals }, ["--config", config]);
    await using _ = p;
    await initialize(p);
    p.proc.kill("SIGHUP");
    await p.stderr.waitFor("configuration reloaded");
    p.send(call(2, "echo", { text: "after hup" }));
    await p.message((m) => m.id === 2);
    p.proc.kill("SIGTERM");
    expect(await p.exit()).toBe(0);
    // SIGHUP (1) would be delivered no later than SIGTERM (15): only SIGTERM arrived.
    expect(readFileSync(signals, "utf8")).toBe("SIGTERM\n");
  });
});

describe("size limits", () => {
  test("a client frame over the limit gets MESSAGE_TOO_LARGE for its id and never reaches the server", async () => {
    const { p, calls } = start({ MCPGW_MAX_FRAME_BYTES: "65536" });
    await using _ = p;
    await initialize(p);
    p.send(call(3, "echo", { text: "y".repeat(100_000) }));
    const err = await p.message((m) => m.id === 3);
    expect(err.error).toMatchObject({ code: -32014 });
    expect((err.error as { message: string }).message).toContain("65536");
    p.send(call(4, "echo", { text: "small" }));
    await p.message((m) => m.id === 4);
    expect(calls()).toEqual(["echo"]);
    await p.stderr.waitFor(/frame over the size limit skipped.*direction=c2s/);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
  });

  test("a client message nested deeper than limits.max_depth gets MESSAGE_TOO_LARGE and never reaches the server", async () => {
    const config = join(dir.path, "depth.yaml");
    writeFileSync(config, "limits:\n  max_depth: 8\n");
    const { p, calls } = start({}, ["--config", config]);
    await using _ = p;
    await initialize(p);
    let deep: unknown = "bottom";
    for (let i = 0; i < 10; i++) deep = { d: deep };
    p.send(call(3, "echo", { text: "x", deep }));
    const err = await p.message((m) => m.id === 3);
    expect(err.error).toMatchObject({ code: -32014, message: "message nested deeper than 8 levels" });
    p.send(call(4, "echo", { text: "flat" }));
    await p.message((m) => m.id === 4);
    expect(calls()).toEqual(["echo"]);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
  });

  test("a server response over the limit reaches the client as MESSAGE_TOO_LARGE for its id", async () => {
    const { p } = start({ MCPGW_MAX_FRAME_BYTES: "65536" });
    await using _ = p;
    await initialize(p);
    p.send(call(6, "big", { bytes: 100_000 }));
    const err = await p.message((m) => m.id === 6);
    expect(err.error).toMatchObject({ code: -32014 });
    p.send(call(7, "big", { bytes: 1000 }));
    const ok = await p.message((m) => m.id === 7);
    expect((ok.result as { content: { text: string }[] }).content[0]!.text.length).toBe(1000);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expect(p.stdout.text.length).toBeLessThan(65536);
  });
});

describe("the client going away", () => {
  test("stdin closing closes the child's stdin; a child that exits on its own gives its exit code", async () => {
    const { p } = start();
    await using _ = p;
    await initialize(p);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expect(p.stderr.text).not.toContain("terminating");
  });

  test("a child that ignores stdin closing is terminated after the grace period", async () => {
    const config = join(dir.path, "grace.yaml");
    writeFileSync(config, "wrap:\n  shutdown_grace: 200ms\n");
    const { p } = start({ FIXTURE_IGNORE_STDIN_CLOSE: "1" }, ["--config", config]);
    await using _ = p;
    await initialize(p);
    await p.closeStdin();
    expect(await p.exit()).toBe(128 + 15);
    expect(p.stderr.text).toContain("MCP server still running after stdin closed; terminating");
  });
});

describe("batches", () => {
  const RAW = join(import.meta.dir, "../fixtures/servers/raw-echo-fixture.ts");

  test("a 2025-03-26 batch is judged element by element; a denied element gets its own error", async () => {
    const policy = join(dir.path, "batch-policy.yaml");
    writeFileSync(
      policy,
      "version: v1\nrules:\n  - name: no-exec\n    match: { methods: ['tools/call'], tools: ['exec_*'] }\n    action: deny\n  - name: rest\n    match: { methods: ['*'] }\n    action: allow\n",
    );
    const lineLog = join(dir.path, "batch-lines.log");
    const { p } = start({ FIXTURE_LINE_LOG: lineLog }, ["--policy", policy], [process.execPath, RAW]);
    await using _ = p;
    await initialize(p, "2025-03-26");
    p.send([call(10, "exec_command", { command: "rm -rf /" }), call(11, "echo", { text: "b" })]);
    // The denied element is answered by mcpgw (as a batch, like the request), the allowed one by the server.
    const batches = () => p.stdout.lines().filter((l) => l.startsWith("["));
    await p.stdout.waitFor(() => batches().length === 2);
    const [denied, answered] = batches().map((l) => JSON.parse(l) as Record<string, { code?: number }>[]);
    expect(denied).toEqual([
      {
        jsonrpc: "2.0",
        id: 10,
        // exec_command is denied whatever its arguments, so it is also hidden from tools/list:
        // the refusal reads exactly like a missing tool (no interceptor or rule in data).
        error: { code: -32602, message: "Unknown tool: exec_command" },
      },
    ] as never);
    expect(answered).toEqual([{ jsonrpc: "2.0", id: 11, result: { method: "tools/call" } }] as never);
    // The server received only the allowed element.
    const received = readFileSync(lineLog, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("["));
    expect(received.map((l) => JSON.parse(l))).toEqual([[call(11, "echo", { text: "b" })]]);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
  });

  test("a batch under a later protocol revision is refused as an invalid request and not forwarded", async () => {
    const lineLog = join(dir.path, "batch-refused.log");
    const { p } = start({ FIXTURE_LINE_LOG: lineLog }, [], [process.execPath, RAW]);
    await using _ = p;
    await initialize(p, "2025-06-18");
    p.send([
      call(10, "echo", { text: "a" }),
      { jsonrpc: "2.0", method: "notifications/progress" },
      call(12, "echo", {}),
    ]);
    await p.stdout.waitFor(/^\[/m);
    const answered = JSON.parse(p.stdout.lines().find((l) => l.startsWith("["))!);
    const error = { code: -32600, message: "batches are not allowed in this protocol revision" };
    expect(answered).toEqual([
      { jsonrpc: "2.0", id: 10, error },
      { jsonrpc: "2.0", id: 12, error },
    ]);
    await p.closeStdin();
    expect(await p.exit()).toBe(0);
    expect(readFileSync(lineLog, "utf8")).not.toContain("[");
  });
});
