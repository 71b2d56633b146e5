/**
 * Characters that render like ASCII ones, and the ASCII character they imitate. One table for
 * both normalisers: the injection detector folds lower-case letters inside mixed-script words;
 * the policy folds paths, commands and tool names (letters of both cases and path separators).
 */

/** Lower-case Cyrillic, Greek and Latin-extension letters → the ASCII letter. */
export const CONFUSABLE_LETTERS: Readonly<Record<string, string>> = Object.freeze({
  а: "a",
  в: "b",
  е: "e",
  ё: "e",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ѕ: "s",
  і: "i",
  ї: "i",
  ј: "j",
  һ: "h",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  ӏ: "l",
  ɡ: "g",
  α: "a",
  β: "b",
  ε: "e",
  η: "n",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  ω: "w",
  ϲ: "c",
  ϳ: "j",
  ı: "i",
  ȷ: "j",
});

/** Everything the policy folds: both letter cases, and look-alike slashes and dots. */
export const CONFUSABLES: Readonly<Record<string, string>> = Object.freeze({
  ...CONFUSABLE_LETTERS,
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  Ѕ: "S",
  І: "I",
  Ј: "J",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ζ: "Z",
  Η: "H",
  Ι: "I",
  Κ: "K",
  Μ: "M",
  Ν: "N",
  Ο: "O",
  Ρ: "P",
  Τ: "T",
  Υ: "Y",
  Χ: "X",
  "∕": "/",
  "⁄": "/",
  "／": "/",
  "＼": "\\",
  "․": ".",
  "‧": ".",
  "。": ".",
});

/** A character class matching any key of `table` (for one-pass replacement). */
export function charClassOf(table: Readonly<Record<string, string>>, flags: string): RegExp {
  return new RegExp(
    `[${Object.keys(table)
      .join("")
      .replace(/[\\\]^-]/g, "\\$&")}]`,
    flags,
  );
}
