/**
 * The upstreams of one runtime: the default one, the named ones (`upstreams:`), the tool routes
 * (`routes:` and the original's `routing.routes:`), and a circuit breaker per upstream that
 * survives config reloads.
 */
import picomatch from "picomatch";
import type { Config } from "../../config/schema.ts";
import { CircuitBreaker } from "../../interceptors/breaker/index.ts";
import { lowerCaseNames } from "./edge.ts";
import type { ParamHeader } from "./era.ts";

export interface Upstream {
  readonly name: string;
  readonly url: string;
  /** Static headers configured for this upstream (credentials from env), names lower-case; never the client's. */
  readonly headers: Readonly<Record<string, string>>;
  readonly breaker: CircuitBreaker;
  /** `x-mcp-header` declarations learned from this upstream's tools/list results. */
  readonly paramHeaders: Map<string, ParamHeader[]>;
}

export interface UpstreamSet {
  readonly primary: Upstream;
  readonly all: ReadonlyMap<string, Upstream>;
  /** The upstream a tools/call of `tool` goes to. */
  route(tool: string | undefined): Upstream;
}

export class UpstreamConfigError extends Error {}

/** Long-lived per-name state (breakers, learned headers), kept across reloads. */
export class UpstreamRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly learned = new Map<string, Map<string, ParamHeader[]>>();

  constructor(private readonly now?: () => number) {}

  breakerStates(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, b] of this.breakers) out[k] = b.state;
    return out;
  }

  build(config: Config, override: string | undefined): UpstreamSet {
    const cb = config.circuit_breaker;
    const make = (name: string, url: string, headers: Record<string, string>): Upstream => {
      const key = `${name}\u0000${url}\u0000${cb.max_failures}\u0000${cb.timeout}`;
      let breaker = this.breakers.get(key);
      if (!breaker) {
        breaker = new CircuitBreaker(name, { maxFailures: cb.max_failures, timeoutMs: cb.timeout, now: this.now });
        this.breakers.set(key, breaker);
      }
      let learned = this.learned.get(url);
      if (!learned) {
        learned = new Map();
        this.learned.set(url, learned);
      }
      return Object.freeze({ name, url, headers: lowerCaseNames(headers), breaker, paramHeaders: learned });
    };
    const all = new Map<string, Upstream>();
    for (const [name, u] of Object.entries(config.upstreams)) all.set(name, make(name, u.url, u.headers));
    const primarySpec = override ?? config.upstream;
    let primary: Upstream | undefined;
    if (primarySpec !== undefined) {
      primary = all.get(primarySpec);
      if (!primary) {
        if (!/^https?:\/\//.test(primarySpec))
          throw new UpstreamConfigError(
            `upstream "${primarySpec}" is neither an http(s) URL nor the name of an entry of upstreams`,
          );
        primary = make("default", primarySpec, {});
        all.set("default", primary);
      }
    } else if (all.size > 0) primary = all.get("default") ?? all.values().next().value;
    if (!primary)
      throw new UpstreamConfigError("proxy needs an upstream: --upstream URL, or upstream: / upstreams: in the config");
    const resolve = (spec: string): Upstream => {
      const named = all.get(spec);
      if (named) return named;
      if (!/^https?:\/\//.test(spec))
        throw new UpstreamConfigError(
          `route upstream "${spec}" is neither an http(s) URL nor the name of an entry of upstreams`,
        );
      for (const u of all.values()) if (u.url === spec) return u;
      const u = make(spec, spec, {});
      all.set(spec, u);
      return u;
    };
    const routes = [
      ...config.routes.map((r) => ({ globs: r.match_tools, upstream: r.upstream })),
      ...(config.routing?.routes ?? []).map((r) => ({ globs: r.match, upstream: r.upstream })),
    ].map((r) => ({ test: picomatch(r.globs), upstream: resolve(r.upstream) }));
    const p = primary;
    return Object.freeze({
      primary: p,
      all,
      route(tool: string | undefined): Upstream {
        if (tool === undefined) return p;
        for (const r of routes) if (r.test(tool)) return r.upstream;
        return p;
      },
    });
  }
}
