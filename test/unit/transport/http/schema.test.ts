import { describe, expect, test } from "bun:test";
import { parseListen } from "../../../../src/cli/proxy.ts";
import { ConfigError } from "../../../../src/config/errors.ts";
import { loadYaml } from "../../../../src/config/load.ts";
import { ConfigSchema } from "../../../../src/config/schema.ts";
import { UpstreamRegistry } from "../../../../src/transport/http/upstreams.ts";

const load = (yaml: string, env: Record<string, string> = {}) => loadYaml(yaml, ConfigSchema, "config.yaml", env);

describe("proxy config sections", () => {
  test("the original mcpgw's proxy keys load with their meaning", () => {
    const c = load(`upstream: http://localhost:8080
listen: ":9090"
circuit_breaker:
  max_failures: 5
  timeout: "30s"
session:
  ttl: "30m"
routing:
  routes:
    - match: ["exec_*", "run_*"]
      upstream: http://sandboxed-server:8080
    - match: ["*"]
      upstream: http://default-server:8080
cors:
  allowed_origins: ["https://example.com"]
transport:
  max_idle_conns: 10
  max_idle_conns_per_host: 5
  idle_conn_timeout: 90s
  request_timeout: 2m
  sse_idle_timeout: 10m
`);
    expect(c.circuit_breaker).toEqual({ max_failures: 5, timeout: 30_000 });
    expect(c.session.ttl).toBe(1_800_000);
    expect(c.transport.request_timeout).toBe(120_000);
    expect(c.routing?.routes[0]?.match).toEqual(["exec_*", "run_*"]);
    const set = new UpstreamRegistry().build(c, undefined);
    expect(set.route("exec_shell").url).toBe("http://sandboxed-server:8080");
    expect(set.route("read_file").url).toBe("http://default-server:8080");
    expect(set.primary.url).toBe("http://localhost:8080");
  });

  test("routes name upstreams whose headers come from the environment", () => {
    const c = load(
      `upstreams:
  files:
    url: http://127.0.0.1:7001/mcp
    headers:
      Authorization: Bearer \${FILES_TOKEN}
  shell:
    url: http://127.0.0.1:7002/mcp
upstream: files
routes:
  - match_tools: ["exec_*"]
    upstream: shell
`,
      { FILES_TOKEN: "t0ken" },
    );
    const set = new UpstreamRegistry().build(c, undefined);
    expect(set.primary.headers).toEqual({ authorization: "Bearer t0ken" }); // names lower-cased once, at build
    expect(set.route("exec_cmd").name).toBe("shell");
    expect(set.route("read").name).toBe("files");
  });

  test("telemetry.otlp_endpoint is refused with an error naming the key and its position", () => {
    let err: unknown;
    try {
      load('telemetry:\n  otlp_endpoint: "http://otel-collector:4317"\n  service_name: mcpgw\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain("telemetry.otlp_endpoint is not supported");
    expect((err as Error).message).toContain("config.yaml:2");
  });

  test("a misspelt proxy key is an error, never ignored", () => {
    expect(() => load("circuit_breaker:\n  max_failure: 3\n")).toThrow(ConfigError);
    expect(() => load("upstreams:\n  a:\n    url: ftp://x\n")).toThrow(ConfigError);
  });

  test("a route to an upstream that is neither named nor a URL is a clear error", () => {
    const c = load("upstream: http://127.0.0.1:1/mcp\nroutes:\n  - match_tools: ['x']\n    upstream: nowhere\n");
    expect(() => new UpstreamRegistry().build(c, undefined)).toThrow('route upstream "nowhere"');
  });
});

describe("--listen", () => {
  test("accepts HOST:PORT, [v6]:PORT and the original's :PORT, which stays on loopback", () => {
    expect(parseListen("127.0.0.1:0")).toEqual({ hostname: "127.0.0.1", port: 0, bareColon: false });
    expect(parseListen("[::1]:9090")).toEqual({ hostname: "::1", port: 9090, bareColon: false });
    expect(parseListen(":9090")).toEqual({ hostname: "127.0.0.1", port: 9090, bareColon: true });
    expect(() => parseListen("9090")).toThrow("HOST:PORT");
    expect(() => parseListen("host:99999")).toThrow("out of range");
  });
});
