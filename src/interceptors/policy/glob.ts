/**
 * Globs with the original mcpgw's semantics: `*` matches any run of characters *including* `/`
 * (so `methods: ["*"]` matches `tools/call` and `/etc/*` matches everything under /etc), `?`
 * matches one character. Everything else is literal.
 *
 * Matching runs in O(n·m) worst case and O(n) typically (the classic greedy star with one
 * backtrack point), never exponential: safe on hostile input of any length.
 */

export type GlobMatcher = (s: string) => boolean;

export function compileGlob(pattern: string, caseInsensitive = false): GlobMatcher {
  const pat = caseInsensitive ? pattern.toLowerCase() : pattern;
  if (pat === "*") return () => true;
  if (!pat.includes("*") && !pat.includes("?")) {
    return caseInsensitive ? (s) => s.toLowerCase() === pat : (s) => s === pat;
  }
  // Fast shapes: "prefix*", "*suffix", "*infix*".
  const stars = pat.split("*");
  if (!pat.includes("?") && stars.length === 2) {
    const [head, tail] = stars as [string, string];
    return (s) => {
      const v = caseInsensitive ? s.toLowerCase() : s;
      return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
    };
  }
  if (!pat.includes("?") && stars.length === 3 && stars[0] === "" && stars[2] === "") {
    const mid = stars[1]!;
    return (s) => containsLiteral(caseInsensitive ? s.toLowerCase() : s, mid);
  }
  return (s) => wildcardMatch(pat, caseInsensitive ? s.toLowerCase() : s);
}

/**
 * `s.includes(lit)`, faster on long inputs: a native single-character scan finds the first
 * occurrences of the literal's first character and compares the literal there; after a few misses
 * the native substring search takes over. Linear in `s`.
 */
export function containsLiteral(s: string, lit: string): boolean {
  if (s.length < 256 || lit.length === 0) return s.includes(lit);
  const first = lit[0]!;
  let i = s.indexOf(first);
  // Few occurrences of the first character (typical): check each. Many: the native search.
  for (let tries = 0; i !== -1; tries++) {
    if (tries === 16) return s.includes(lit, i);
    if (s.startsWith(lit, i)) return true;
    i = s.indexOf(first, i + 1);
  }
  return false;
}

function wildcardMatch(p: string, s: string): boolean {
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const pc = p.charCodeAt(pi);
    if (pi < p.length && (pc === 63 /* ? */ || pc === s.charCodeAt(si))) {
      pi++;
      si++;
    } else if (pi < p.length && pc === 42 /* * */) {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else return false;
  }
  while (pi < p.length && p.charCodeAt(pi) === 42) pi++;
  return pi === p.length;
}

/**
 * A matcher for a list of globs (any matches). An empty or absent list matches everything.
 * The common shapes are grouped so one call checks them all without a closure per pattern:
 * exact names in a Set, then prefixes, suffixes and infixes, then anything else.
 */
export function compileGlobList(patterns: readonly string[] | undefined, caseInsensitive = false): GlobMatcher {
  if (!patterns || patterns.length === 0) return () => true;
  if (patterns.length === 1) return compileGlob(patterns[0]!, caseInsensitive);
  const pats = caseInsensitive ? patterns.map((p) => p.toLowerCase()) : patterns;
  if (pats.includes("*")) return () => true;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const both: [string, string][] = [];
  const infixes: string[] = [];
  const others: GlobMatcher[] = [];
  for (const p of pats) {
    if (p.includes("?")) {
      others.push(compileGlob(p));
      continue;
    }
    const parts = p.split("*");
    if (parts.length === 1) exact.add(p);
    else if (parts.length === 2) {
      const [head, tail] = parts as [string, string];
      if (tail === "") prefixes.push(head);
      else if (head === "") suffixes.push(tail);
      else both.push([head, tail]);
    } else if (parts.length === 3 && parts[0] === "" && parts[2] === "") infixes.push(parts[1]!);
    else others.push(compileGlob(p));
  }
  return (input) => {
    const s = caseInsensitive ? input.toLowerCase() : input;
    if (exact.size > 0 && exact.has(s)) return true;
    for (let i = 0; i < prefixes.length; i++) if (s.startsWith(prefixes[i]!)) return true;
    for (let i = 0; i < suffixes.length; i++) if (s.endsWith(suffixes[i]!)) return true;
    for (let i = 0; i < both.length; i++) {
      const [h, t] = both[i]!;
      if (s.length >= h.length + t.length && s.startsWith(h) && s.endsWith(t)) return true;
    }
    for (let i = 0; i < infixes.length; i++) if (containsLiteral(s, infixes[i]!)) return true;
    for (let i = 0; i < others.length; i++) if (others[i]!(s)) return true;
    return false;
  };
}

/**
 * Like {@link compileGlobList} with `caseInsensitive`, for inputs the caller has already
 * lower-cased (the engine folds each value once, not once per pattern).
 */
export function compileFoldedGlobList(patterns: readonly string[] | undefined): GlobMatcher {
  const lowered = patterns?.map((p) => p.toLowerCase());
  const short = compileGlobList(lowered, false);
  if (!lowered || lowered.length === 0) return short;
  // Long values are not lower-cased by the engine (that alone would cost more than matching):
  // compare only the slices a pattern looks at, and search infixes case-insensitively.
  const long = lowered.map((p): GlobMatcher => {
    if (p === "*") return () => true;
    if (p.includes("?")) return (s) => wildcardMatch(p, s.toLowerCase());
    const parts = p.split("*");
    if (parts.length === 1) return (s) => s.length === p.length && s.toLowerCase() === p;
    if (parts.length === 2) {
      const [head, tail] = parts as [string, string];
      return (s) =>
        s.length >= head.length + tail.length &&
        s.slice(0, head.length).toLowerCase() === head &&
        s.slice(s.length - tail.length).toLowerCase() === tail;
    }
    if (parts.length === 3 && parts[0] === "" && parts[2] === "") {
      const re = new RegExp(parts[1]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"), "i");
      return (s) => re.test(s);
    }
    return (s) => wildcardMatch(p, s.toLowerCase());
  });
  return (s) => {
    if (s.length <= LONG_VALUE) return short(s);
    for (let i = 0; i < long.length; i++) if (long[i]!(s)) return true;
    return false;
  };
}

/**
 * Values longer than this are matched case-insensitively by the matchers themselves instead of
 * being lower-cased first (see {@link compileFoldedGlobList}).
 */
export const LONG_VALUE = 4096;
