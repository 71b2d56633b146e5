/**
 * Checks at the HTTP edge: Origin and Host (DNS rebinding), header size, JSON nesting depth, and
 * the allow list of request headers forwarded upstream (the client's credentials and hop-by-hop
 * headers never are).
 */

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export interface OriginPolicy {
  readonly loopbackBind: boolean;
  /** Exact origins (scheme://host[:port]), lower-case; "*" allows any. */
  readonly origins: ReadonlySet<string>;
  /** Host names (no port), lower-case, accepted besides the loopback names. */
  readonly hosts: ReadonlySet<string>;
}

/** Hostname of a Host header value ("example.com:8080", "[::1]:9090"). */
function hostName(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

/** The last decision: clients send the same Host and Origin on every request. */
let lastCheck: { policy: OriginPolicy; host: string | null; origin: string | null; refused: string | null } | null =
  null;

/** null when allowed, else the reason for a 403. */
export function checkOrigin(req: Request, policy: OriginPolicy): string | null {
  return checkHostAndOrigin(req.headers.get("host"), req.headers.get("origin"), policy);
}

/** {@link checkOrigin} of a request's Host and Origin values (null when absent). */
export function checkHostAndOrigin(host: string | null, origin: string | null, policy: OriginPolicy): string | null {
  const last = lastCheck;
  if (last !== null && last.policy === policy && last.host === host && last.origin === origin) return last.refused;
  const refused = decideOrigin(host, origin, policy);
  lastCheck = { policy, host, origin, refused };
  return refused;
}

function decideOrigin(host: string | null, origin: string | null, policy: OriginPolicy): string | null {
  if (policy.loopbackBind) {
    if (host === null) return "missing Host header";
    const name = hostName(host);
    if (!isLoopbackHost(name) && !policy.hosts.has(name)) return `Host ${JSON.stringify(name)} is not allowed`;
  } else if (policy.hosts.size > 0 && host !== null && !policy.hosts.has(hostName(host))) {
    return `Host ${JSON.stringify(hostName(host))} is not allowed`;
  }
  if (origin === null) return null;
  const o = origin.toLowerCase();
  if (policy.origins.has("*") || policy.origins.has(o)) return null;
  if (policy.loopbackBind) {
    try {
      const u = new URL(o);
      if ((u.protocol === "http:" || u.protocol === "https:") && isLoopbackHost(u.hostname)) return null;
    } catch {
      // not a URL: refused below
    }
  }
  return `Origin ${JSON.stringify(origin.slice(0, 200))} is not allowed`;
}

/**
 * True when `text` nests objects/arrays deeper than `max`. Hops with indexOf; a body with no
 * more brackets than `max` cannot be too deep and costs one pass of native searches. Otherwise
 * the structure is walked character by character and every string is hopped over natively.
 */
export function exceedsDepth(text: string, max: number): boolean {
  let brackets = 0;
  for (let i = text.indexOf("{"); i !== -1 && brackets <= max; i = text.indexOf("{", i + 1)) brackets++;
  for (let i = text.indexOf("["); i !== -1 && brackets <= max; i = text.indexOf("[", i + 1)) brackets++;
  if (brackets <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string is hopped over natively: to the first quote not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let k = end - 1;
        while (text.charCodeAt(k) === 92) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return false; // unterminated: the parser refuses it
      i = end;
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** Request headers forwarded upstream, lower-case. Everything else (Authorization, Cookie, hop-by-hop) stays. */
const FORWARDED = new Set([
  "accept",
  "content-type",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
  "mcp-method",
  "mcp-name",
  "origin",
]);
const TRACE = new Set(["traceparent", "tracestate", "baggage"]);

export interface HeaderScan {
  /** Total bytes of names and values (for `limits.max_header_bytes`). */
  readonly bytes: number;
  /** The request headers that may go upstream (lower-case names), before the upstream's own. */
  readonly forward: Record<string, string>;
  /**
   * Every request header by lower-case name, repeats joined with ", " (what Headers.get gives),
   * so the edge reads a header without another native lookup. A plain object: read only names
   * that are not Object.prototype's (see {@link requestHeader}).
   */
  readonly fields: Readonly<Record<string, string>>;
}

/** A request header's value from a scan, or null; `name` lower-case. */
export function requestHeader(scan: HeaderScan, name: string): string | null {
  return scan.fields[name] ?? null;
}

/** One pass over the request headers: their size, and the ones forwarded upstream. */
export function scanHeaders(req: Headers, propagateTrace: boolean): HeaderScan {
  let bytes = 0;
  const forward: Record<string, string> = {};
  // Bun's toJSON gives every header (names lower-case, repeats joined) in one native call:
  // cheaper than the entries iterator.
  const all = req.toJSON() as Record<string, string | string[]>;
  for (const k in all) {
    const raw = all[k]!;
    let v: string;
    if (typeof raw === "string") v = raw;
    else {
      v = raw.join(", ");
      all[k] = v;
    }
    bytes += k.length + v.length + 4;
    if (FORWARDED.has(k) || k.startsWith("mcp-param-") || (propagateTrace && TRACE.has(k))) forward[k] = v;
  }
  return { bytes, forward, fields: all as Record<string, string> };
}

/** Lower-cases the names of configured headers so they replace forwarded ones of any case. */
export function lowerCaseNames(fixed: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fixed)) out[k.toLowerCase()] = v;
  return out;
}

/**
 * The headers of an upstream request: the forwarded ones, then the upstream's configured ones
 * (lower-case names, see {@link lowerCaseNames}), which win.
 */
export function upstreamHeaders(
  forward: Readonly<Record<string, string>>,
  fixed: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...forward, ...fixed };
}

export function forwardHeaders(
  req: Headers,
  fixed: Readonly<Record<string, string>>,
  propagateTrace: boolean,
): Headers {
  return new Headers(upstreamHeaders(scanHeaders(req, propagateTrace).forward, lowerCaseNames(fixed)));
}
