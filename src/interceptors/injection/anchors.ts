/**
 * Candidate match starts from the literals a regex requires, so a rule's regex runs only where a
 * match can begin instead of over windows that, for rules with common hints, cover most of a text.
 *
 * Each top-level alternative of a rule is read as a sequence of atoms. For atom i, the regex source
 * gives the offsets at which it can start, relative to the match start (`[minOff, maxOff]`, sums of
 * the lengths of the atoms before it), and the strings the rest of the alternative can begin with
 * from there (its literal prefixes, e.g. `\b(?:send|forward)s?\b[^\n]{0,80}` → "send", "forward").
 * A match of the alternative at p therefore has, for every such atom, an occurrence of one of its
 * prefixes in `[p + minOff, p + maxOff]`. One atom (the anchor) proposes candidate starts from its
 * occurrences; the others (filters) must occur in range too. Every real match start survives, so
 * trying the candidates in ascending order with a sticky copy of the regex returns exactly what
 * `re.exec(text)` returns. Alternatives without a usable literal make the whole rule unanchored
 * (it keeps the hint windows of plan.ts).
 */

type Node =
  | { readonly t: "char"; readonly c: string }
  /** A class of a few literal characters, or `null` for anything larger (`.`, `\s`, ranges). */
  | { readonly t: "class"; readonly chars: readonly string[] | null }
  /** Zero-width: `\b`, `^`, `$`, lookarounds (`look`: which way, and what they read). */
  | { readonly t: "zero"; readonly look?: { readonly behind: boolean; readonly node: Node } }
  | { readonly t: "group"; readonly alts: readonly (readonly Node[])[] }
  | { readonly t: "rep"; readonly node: Node; readonly min: number; readonly max: number };

const BRACES = /\{(\d+)(,(\d*))?\}/y;

/** Parses a regex source (no `u`/`v` flags). Throws on what it does not understand. */
function parseRegex(source: string): Node {
  let i = 0;
  const disjunction = (): Node => {
    const alts: Node[][] = [sequence()];
    while (source[i] === "|") {
      i++;
      alts.push(sequence());
    }
    return { t: "group", alts };
  };
  const sequence = (): Node[] => {
    const out: Node[] = [];
    while (i < source.length && source[i] !== "|" && source[i] !== ")") out.push(quantified(atom()));
    return out;
  };
  const quantified = (node: Node): Node => {
    const c = source[i];
    let min: number;
    let max: number;
    if (c === "*" || c === "+") {
      i++;
      min = c === "*" ? 0 : 1;
      max = Number.POSITIVE_INFINITY;
    } else if (c === "?") {
      i++;
      min = 0;
      max = 1;
    } else if (c === "{") {
      BRACES.lastIndex = i;
      const m = BRACES.exec(source);
      if (m === null) return node; // a literal "{"
      i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
    } else {
      return node;
    }
    if (source[i] === "?") i++; // lazy
    return { t: "rep", node, min, max };
  };
  const parseEscape = (inClass: boolean): Node => {
    const n = source[i + 1];
    if (n === undefined) throw new Error("trailing backslash");
    i += 2;
    if (!inClass && (n === "b" || n === "B")) return { t: "zero" };
    if ("dDwWsS".includes(n)) return { t: "class", chars: null };
    if (n === "n") return { t: "char", c: "\n" };
    if (n === "t") return { t: "char", c: "\t" };
    if (n === "r") return { t: "char", c: "\r" };
    if (n === "u" || n === "x") {
      const width = n === "u" ? 4 : 2;
      const hex = source.slice(i, i + width);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) throw new Error("bad escape");
      i += width;
      return { t: "char", c: String.fromCharCode(Number.parseInt(hex, 16)) };
    }
    if (/[0-9a-zA-Z]/.test(n)) throw new Error(`unsupported escape \\${n}`);
    return { t: "char", c: n };
  };
  const charClass = (): Node => {
    i++; // [
    let negated = false;
    if (source[i] === "^") {
      negated = true;
      i++;
    }
    const chars: string[] = [];
    let large = negated;
    let first = true;
    while (i < source.length && (source[i] !== "]" || first)) {
      first = false;
      let item: Node;
      if (source[i] === "\\") item = parseEscape(true);
      else item = { t: "char", c: source[i++]! };
      if (source[i] === "-" && source[i + 1] !== "]" && source[i + 1] !== undefined) {
        // A range: skip its upper end.
        i++;
        if (source[i] === "\\") parseEscape(true);
        else i++;
        large = true;
        continue;
      }
      if (item.t === "char") chars.push(item.c);
      else large = true;
    }
    if (source[i] !== "]") throw new Error("unterminated class");
    i++;
    return { t: "class", chars: large || chars.length > 4 ? null : chars };
  };
  const atom = (): Node => {
    const c = source[i]!;
    if (c === "^" || c === "$") {
      i++;
      return { t: "zero" };
    }
    if (c === "\\") return parseEscape(false);
    if (c === "[") return charClass();
    if (c === ".") {
      i++;
      return { t: "class", chars: null };
    }
    if (c === "(") {
      i++;
      let look: "behind" | "ahead" | undefined;
      if (source[i] === "?") {
        const head = source.slice(i, i + 3);
        if (head.startsWith("?:")) i += 2;
        else if (head === "?<=" || head === "?<!") {
          i += 3;
          look = "behind";
        } else if (head.startsWith("?=") || head.startsWith("?!")) {
          i += 2;
          look = "ahead";
        } else if (head.startsWith("?<")) {
          const close = source.indexOf(">", i);
          if (close < 0) throw new Error("bad group name");
          i = close + 1;
        } else throw new Error("unknown group");
      }
      const inner = disjunction();
      if (source[i] !== ")") throw new Error("unbalanced group");
      i++;
      return look ? { t: "zero", look: { behind: look === "behind", node: inner } } : inner;
    }
    if (c === ")" || c === "|" || c === "*" || c === "+" || c === "?") throw new Error("unexpected");
    i++;
    return { t: "char", c };
  };
  const root = disjunction();
  if (i !== source.length) throw new Error("trailing input");
  return root;
}

function lengthOf(node: Node): [number, number] {
  switch (node.t) {
    case "char":
    case "class":
      return [1, 1];
    case "zero":
      return [0, 0];
    case "group": {
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      for (const alt of node.alts) {
        const [a, b] = sequenceLength(alt);
        min = Math.min(min, a);
        max = Math.max(max, b);
      }
      return [min, max];
    }
    case "rep": {
      const [a, b] = lengthOf(node.node);
      return [a * node.min, node.max === 0 || b === 0 ? 0 : b * node.max];
    }
  }
}

function sequenceLength(nodes: readonly Node[]): [number, number] {
  let min = 0;
  let max = 0;
  for (const n of nodes) {
    const [a, b] = lengthOf(n);
    min += a;
    max += b;
  }
  return [min, max];
}

/** How far a regex can read: its longest match, and its longest lookbehind and lookahead. */
export interface Bounds {
  /** Longest match, in UTF-16 code units; Infinity when unbounded. */
  readonly maxLen: number;
  /** Longest lookbehind (how far before a position an attempt may read). */
  readonly behind: number;
  /** Longest lookahead. */
  readonly ahead: number;
}

const UNBOUNDED: Bounds = { maxLen: Number.POSITIVE_INFINITY, behind: 0, ahead: 0 };

/**
 * Bounds of a regex source (no `u`/`v` flags). Conservative: a source the parser does not
 * understand, or a lookaround of unbounded length, is unbounded.
 */
export function regexBounds(source: string): Bounds {
  let root: Node;
  try {
    root = parseRegex(source);
  } catch {
    return UNBOUNDED;
  }
  let behind = 0;
  let ahead = 0;
  const visit = (node: Node): void => {
    if (node.t === "zero" && node.look) {
      const len = lengthOf(node.look.node)[1];
      if (node.look.behind) behind = Math.max(behind, len);
      else ahead = Math.max(ahead, len);
      visit(node.look.node);
    } else if (node.t === "group") for (const alt of node.alts) for (const n of alt) visit(n);
    else if (node.t === "rep") visit(node.node);
  };
  visit(root);
  if (!Number.isFinite(behind) || !Number.isFinite(ahead)) return UNBOUNDED;
  return { maxLen: lengthOf(root)[1], behind, ahead };
}

/** A string a match may begin with; `open` when the match may go on after it. */
interface Start {
  readonly s: string;
  readonly open: boolean;
}

/** Prefixes are cut at this length (longer ones select no better and cost trie states). */
const PREFIX_CHARS = 5;
/** Larger sets give up (the part becomes "anything"): they would not select much. */
const MAX_STARTS = 400;
const ANYTHING: readonly Start[] = [{ s: "", open: true }];
const NOTHING: readonly Start[] = [{ s: "", open: false }];

function concat(a: readonly Start[], b: readonly Start[]): readonly Start[] {
  const open = new Set<string>();
  const closed = new Set<string>();
  const add = (s: string, isOpen: boolean) => {
    if (s.length > PREFIX_CHARS) open.add(s.slice(0, PREFIX_CHARS));
    else (isOpen ? open : closed).add(s);
  };
  for (const x of a) {
    if (x.open) add(x.s, true);
    else for (const y of b) add(x.s + y.s, y.open);
    // Too many combinations: what comes before is still a prefix of every match.
    if (open.size + closed.size > MAX_STARTS) return a.map((x) => ({ s: x.s, open: true }));
  }
  const out: Start[] = [];
  for (const s of open) out.push({ s, open: true });
  for (const s of closed) out.push({ s, open: false });
  return out;
}

/** Fewer, shorter starts covering the same matches (cut to 4, then 2 characters). */
function shorten(starts: readonly Start[]): readonly Start[] {
  for (const n of [4, 2]) {
    const out = new Map<string, Start>();
    for (const x of starts) {
      const cut = x.s.length > n;
      const st = { s: cut ? x.s.slice(0, n) : x.s, open: x.open || cut };
      out.set(`${st.open ? 1 : 0}${st.s}`, st);
    }
    if (out.size <= MAX_STARTS) return [...out.values()];
  }
  return ANYTHING;
}

const startsMemo = new WeakMap<Node, readonly Start[]>();

function startsOf(node: Node): readonly Start[] {
  let out = startsMemo.get(node);
  if (out === undefined) {
    out = computeStarts(node);
    startsMemo.set(node, out);
  }
  return out;
}

function computeStarts(node: Node): readonly Start[] {
  switch (node.t) {
    case "char":
      return [{ s: node.c, open: false }];
    case "class":
      return node.chars === null ? ANYTHING : node.chars.map((c) => ({ s: c, open: false }));
    case "zero":
      return NOTHING;
    case "group": {
      const out: Start[] = [];
      for (const alt of node.alts) out.push(...startsOfSequence(alt));
      return out.length > MAX_STARTS ? shorten(out) : out;
    }
    case "rep": {
      if (node.max === 0) return NOTHING;
      const once = startsOf(node.node);
      // After one repetition more may follow: every start is open (a prefix).
      const more = node.max > 1 ? once.map((x) => ({ s: x.s, open: true })) : once;
      return node.min === 0 ? [...NOTHING, ...more] : more;
    }
  }
}

function startsOfSequence(nodes: readonly Node[]): readonly Start[] {
  let acc: readonly Start[] = NOTHING;
  for (const n of nodes) {
    if (!acc.some((x) => !x.open)) break;
    acc = concat(acc, startsOf(n));
  }
  return acc;
}

/** The shortest prefixes that cover every start, or null when a match may begin with anything. */
function prefixesOf(starts: readonly Start[]): string[] | null {
  const all = [...new Set(starts.map((x) => x.s))].sort((a, b) => a.length - b.length);
  if (all.length === 0 || all[0] === "") return null;
  const kept = new Set<string>();
  next: for (const s of all) {
    for (let n = 1; n < s.length; n++) if (kept.has(s.slice(0, n))) continue next;
    kept.add(s);
  }
  return [...kept];
}

/** A literal that is not too common to propose or check candidates with. */
function selective(prefixes: readonly string[]): boolean {
  return prefixes.every((s) => s.length >= 2 || /[^a-z0-9 \n\t.,;:'"()-]/.test(s));
}

const MAX_REQUIREMENTS = 4;

/** Literals that must start within `[minOff, maxOff]` of a match start (any one of `literals`). */
export interface Requirement {
  readonly literals: readonly string[];
  readonly minOff: number;
  readonly maxOff: number;
}

/** One top-level alternative: candidates come from `anchor`; each of `filters` must occur too. */
export interface BranchAnchors {
  readonly anchor: Requirement;
  readonly filters: readonly Requirement[];
}

/**
 * The requirements of each top-level alternative of `source`, or null when some alternative has no
 * selective literal at a bounded offset (or the source is beyond this parser).
 */
export function branchAnchors(source: string): BranchAnchors[] | null {
  let root: Node;
  try {
    root = parseRegex(source);
  } catch {
    return null;
  }
  if (root.t !== "group") return null;
  const out: BranchAnchors[] = [];
  for (const alt of root.alts) {
    const reqs: Requirement[] = [];
    let minOff = 0;
    let maxOff = 0;
    // A few requirements select as well as all of them, and each costs set work here and per candidate.
    for (let k = 0; k < alt.length && Number.isFinite(maxOff) && reqs.length < MAX_REQUIREMENTS; k++) {
      const [a, b] = lengthOf(alt[k]!);
      // Within a literal run only its first character starts a new requirement.
      if (b > 0 && (k === 0 || alt[k - 1]!.t !== "char")) {
        const prefixes = prefixesOf(startsOfSequence(alt.slice(k)));
        if (prefixes !== null && selective(prefixes)) reqs.push({ literals: prefixes, minOff, maxOff });
      }
      minOff += a;
      maxOff += b;
    }
    if (reqs.length === 0) return null;
    // The anchor: the requirement with the narrowest offset range (usually the first literal),
    // then the longest shortest literal.
    const width = (r: Requirement) => r.maxOff - r.minOff;
    const shortest = (r: Requirement) => Math.min(...r.literals.map((l) => l.length));
    let best = 0;
    for (let k = 1; k < reqs.length; k++) {
      const a = reqs[k]!;
      const b = reqs[best]!;
      if (width(a) < width(b) || (width(a) === width(b) && shortest(a) > shortest(b))) best = k;
    }
    out.push({ anchor: reqs[best]!, filters: reqs.filter((_, k) => k !== best) });
  }
  return out;
}
