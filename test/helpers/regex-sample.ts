/**
 * Random strings that a regex source may match, for property tests of the rule table: literals,
 * classes, groups, alternations and quantifiers (lookarounds and assertions generate nothing;
 * callers keep only samples the regex really matches). Deterministic for a seed.
 */
type Node =
  | { t: "alt"; alts: Node[][] }
  | { t: "lit"; s: string }
  | { t: "class"; neg: boolean; ranges: [number, number][] }
  | { t: "empty" }
  | { t: "rep"; node: Node; min: number; max: number };
export function parse(source: string): Node {
  let i = 0;
  const disj = (): Node => {
    const alts: Node[][] = [seq()];
    while (source[i] === "|") {
      i++;
      alts.push(seq());
    }
    return { t: "alt", alts };
  };
  const seq = (): Node[] => {
    const out: Node[] = [];
    while (i < source.length && source[i] !== "|" && source[i] !== ")") out.push(quant(atom()));
    return out;
  };
  const quant = (n: Node): Node => {
    const c = source[i];
    let min = 1,
      max = 1;
    if (c === "*") {
      min = 0;
      max = 3;
      i++;
    } else if (c === "+") {
      max = 4;
      i++;
    } else if (c === "?") {
      min = 0;
      i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) return n;
      i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? min + 3 : Number(m[3]);
    } else return n;
    if (source[i] === "?") i++;
    return { t: "rep", node: n, min, max };
  };
  const esc = (inClass: boolean): [number, number][] | string | null => {
    const n = source[i + 1]!;
    i += 2;
    if (n === "u") {
      const cp = parseInt(source.slice(i, i + 4), 16);
      i += 4;
      return String.fromCharCode(cp);
    }
    if (n === "x") {
      const cp = parseInt(source.slice(i, i + 2), 16);
      i += 2;
      return String.fromCharCode(cp);
    }
    if (n === "d") return [[48, 57]];
    if (n === "s")
      return [
        [32, 32],
        [9, 10],
      ];
    if (n === "w")
      return [
        [97, 122],
        [48, 57],
        [95, 95],
      ];
    if (n === "n") return "\n";
    if (n === "t") return "\t";
    if (n === "r") return "\r";
    if (!inClass && (n === "b" || n === "B")) return null;
    return n;
  };
  const atom = (): Node => {
    const c = source[i]!;
    if (c === "^" || c === "$") {
      i++;
      return { t: "empty" };
    }
    if (c === "\\") {
      const e = esc(false);
      if (e === null) return { t: "empty" };
      return typeof e === "string" ? { t: "lit", s: e } : { t: "class", neg: false, ranges: e };
    }
    if (c === "[") {
      i++;
      let neg = false;
      if (source[i] === "^") {
        neg = true;
        i++;
      }
      const ranges: [number, number][] = [];
      let first = true;
      while (first || source[i] !== "]") {
        first = false;
        let lo: number;
        if (source[i] === "\\") {
          const e = esc(true);
          if (typeof e !== "string") {
            ranges.push(...e!);
            continue;
          }
          lo = e.charCodeAt(0);
        } else {
          lo = source.charCodeAt(i);
          i++;
        }
        if (source[i] === "-" && source[i + 1] !== "]") {
          i++;
          let hi: number;
          if (source[i] === "\\") {
            hi = (esc(true) as string).charCodeAt(0);
          } else {
            hi = source.charCodeAt(i);
            i++;
          }
          ranges.push([lo, hi]);
        } else ranges.push([lo, lo]);
      }
      i++;
      return { t: "class", neg, ranges };
    }
    if (c === "(") {
      i++;
      let look = false;
      if (source[i] === "?") {
        if (source[i + 1] === ":") i += 2;
        else if (source[i + 1] === "<" && (source[i + 2] === "=" || source[i + 2] === "!")) {
          i += 3;
          look = true;
        } else {
          i += 2;
          look = true;
        }
      }
      const body = disj();
      i++;
      return look ? { t: "empty" } : body;
    }
    i++;
    return { t: "lit", s: c };
  };
  return disj();
}
const NEUTRAL = [" ", "q", "z", "x", "k", "."];
export function sample(n: Node, rnd: () => number): string {
  switch (n.t) {
    case "empty":
      return "";
    case "lit":
      return n.s;
    case "alt": {
      const a = n.alts[Math.floor(rnd() * n.alts.length)]!;
      return a.map((x) => sample(x, rnd)).join("");
    }
    case "rep": {
      const k = n.min + Math.floor(rnd() * (Math.min(n.max, n.min + 3) - n.min + 1));
      let s = "";
      for (let j = 0; j < k; j++) s += sample(n.node, rnd);
      return s;
    }
    case "class": {
      const inside = (c: number) => n.ranges.some(([a, b]) => c >= a && c <= b);
      if (n.neg) {
        for (const ch of NEUTRAL) if (!inside(ch.charCodeAt(0))) return ch;
        return "q";
      }
      const [a, b] = n.ranges[Math.floor(rnd() * n.ranges.length)]!;
      return String.fromCharCode(a + Math.floor(rnd() * (b - a + 1)));
    }
  }
}
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
