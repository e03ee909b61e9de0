// A cheap, conservative key for texts that differ only in small integer constants, such
// as `SELECT abalance FROM pgbench_accounts WHERE aid = 4711;`. Computing PostgreSQL's
// normalized text costs a call into the parser (a few µs); this is one pass over the
// characters. It is used only to reuse a verdict already reached by the real parser
// for another text with the same key (template-cache.ts), never to classify.
//
// The key is the text with every integer constant replaced by '#'. That is sound only
// where PostgreSQL's lexer is certain to read both texts as the same token sequence with
// only those integers' values differing, so the scan gives up (undefined) on anything
// that could change how the characters around a digit are read:
// - quotes, dollar signs, backslashes, comments (`--`, `/*`: '-' and '/' are refused
//   outright) and every character outside a small ASCII set;
// - digits touching a letter, '_', '.' or '$' (1e5, 0x1F, 1_000, 1.5, .5, 1abc are
//   numeric or junk tokens, not plain integers);
// - runs of more than 9 digits: up to 999,999,999 every run is an int4 ICONST, while a
//   longer one may become a numeric constant, which the grammar treats differently.
// Identifiers (letters, digits, '_') are kept whole, so digits inside them are text.
// A different number of statements, a different keyword or an operator anywhere gives
// a different key.
//
// The cache also stores a verdict under this key only when PostgreSQL's normalizer
// replaced exactly these integers (template-cache.ts): an integer that is syntax rather
// than a value, such as the precision in float(24), whose range the grammar checks,
// keeps a template off this key.
const MAX_DIGITS = 9;
/** Stands for an integer constant; never part of an accepted text, so keys are unambiguous. */
const PLACEHOLDER = '#';

const OTHER = 0;
const IDENT = 1;
const DIGIT = 2;
const PUNCT = 3;

/** Character classes for code points below 128; everything else is refused. */
const CLASS = new Uint8Array(128);
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = IDENT; // a-z
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = IDENT; // A-Z
CLASS[0x5f] = IDENT; // _
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = DIGIT; // 0-9
for (const ch of ' \t\n\r(),;=<>*+.:[]') CLASS[ch.charCodeAt(0)] = PUNCT;

const DOT = 0x2e;

/** The key for `sql`, or undefined when it has no integer constant or is not plainly lexable. */
export function literalTemplate(sql: string): string | undefined {
  const n = sql.length;
  let key = '';
  let copiedTo = 0;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const cls = c < 128 ? CLASS[c]! : OTHER;
    if (cls === PUNCT) {
      i++;
    } else if (cls === IDENT) {
      i++;
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (d >= 128 || (CLASS[d] !== IDENT && CLASS[d] !== DIGIT)) break;
        i++;
      }
      // '$' may continue an identifier and is refused; any other character is looked
      // at by the main loop.
    } else if (cls === DIGIT) {
      const start = i;
      i++;
      while (i < n && sql.charCodeAt(i) < 128 && CLASS[sql.charCodeAt(i)] === DIGIT) i++;
      if (i - start > MAX_DIGITS) return undefined;
      if (start > 0 && sql.charCodeAt(start - 1) === DOT) return undefined;
      if (i < n) {
        const next = sql.charCodeAt(i);
        if (next === DOT || next >= 128 || CLASS[next] === IDENT || CLASS[next] === OTHER) {
          return undefined;
        }
      }
      key += sql.slice(copiedTo, start) + PLACEHOLDER;
      copiedTo = i;
    } else {
      return undefined;
    }
  }
  if (copiedTo === 0) return undefined;
  return key + sql.slice(copiedTo);
}
