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
const PUNCT = 1;
const IDENT = 2;
const DIGIT = 3;
/** CLASS[c] >= IDENT_OR_DIGIT: c may continue an identifier. */
const IDENT_OR_DIGIT = IDENT;

/** Character classes for code points below 128; everything else is refused. */
const CLASS = new Uint8Array(128);
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = IDENT; // a-z
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = IDENT; // A-Z
CLASS[0x5f] = IDENT; // _
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = DIGIT; // 0-9
for (const ch of ' \t\n\r(),;=<>*+.:[]') CLASS[ch.charCodeAt(0)] = PUNCT;

const DOT = 0x2e;

/** Returned by literalHash() for a text that has no key. */
export const NO_KEY = -1;

/**
 * A 31-bit hash of `sql`'s key (FNV-1a over its characters, each integer counted as
 * '#'), or NO_KEY when it has no integer constant or is not plainly lexable. It builds
 * no string: the hot path looks a template up by this number and then checks the text
 * against the stored key with fitsTemplate().
 */
export function literalHash(sql: string): number {
  const n = sql.length;
  let h = FNV_OFFSET;
  let runs = 0;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const cls = c < 128 ? CLASS[c]! : OTHER;
    if (cls === PUNCT) {
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    } else if (cls === IDENT) {
      // Kept whole with any digits in it. '$' may continue an identifier and is refused
      // (by the main loop, like any other character outside the set).
      do {
        h = Math.imul(h ^ sql.charCodeAt(i), FNV_PRIME);
        i++;
      } while (i < n && sql.charCodeAt(i) < 128 && CLASS[sql.charCodeAt(i)]! >= IDENT_OR_DIGIT);
    } else if (cls === DIGIT) {
      const start = i;
      i++;
      while (i < n && sql.charCodeAt(i) < 128 && CLASS[sql.charCodeAt(i)] === DIGIT) i++;
      if (i - start > MAX_DIGITS) return NO_KEY;
      if (start > 0 && sql.charCodeAt(start - 1) === DOT) return NO_KEY;
      if (i < n) {
        const next = sql.charCodeAt(i);
        if (next === DOT || next >= 128 || CLASS[next] !== PUNCT) return NO_KEY;
      }
      h = Math.imul(h ^ HASH_CHAR, FNV_PRIME);
      runs++;
    } else {
      return NO_KEY;
    }
  }
  return runs === 0 ? NO_KEY : (h >>> 1) & 0x3fffffff;
}

/**
 * The key itself: `sql` with each integer constant replaced by '#', or undefined when
 * literalHash() gives NO_KEY.
 */
export function literalTemplate(sql: string): string | undefined {
  if (literalHash(sql) === NO_KEY) return undefined;
  // The text is known to be plainly lexable: an integer is a digit run that does not
  // continue an identifier.
  let key = '';
  let copiedTo = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (CLASS[c] === IDENT) {
      while (i < sql.length && CLASS[sql.charCodeAt(i)]! >= IDENT_OR_DIGIT) i++;
    } else if (CLASS[c] === DIGIT) {
      key += sql.slice(copiedTo, i) + PLACEHOLDER;
      while (i < sql.length && CLASS[sql.charCodeAt(i)] === DIGIT) i++;
      copiedTo = i;
    } else {
      i++;
    }
  }
  return key + sql.slice(copiedTo);
}

/**
 * Whether `sql` has the key `template` (from literalTemplate()): the same characters,
 * each '#' one whole integer of at most MAX_DIGITS digits. Then `sql` is keyable and
 * literalTemplate(sql) === template, even when literalHash(sql) was never computed: the
 * characters around each integer are the template's, which came from a keyable text (a
 * '#' never follows a letter, digit, '_' or '.', and never precedes a digit or '.'), so
 * the digit count is the only thing left to check. Allocates nothing.
 */
export function fitsTemplate(template: string, sql: string): boolean {
  const n = sql.length;
  let j = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template.charCodeAt(i);
    if (t === HASH_CHAR) {
      const start = j;
      while (j < n && CLASS[sql.charCodeAt(j)] === DIGIT) j++;
      if (j === start || j - start > MAX_DIGITS) return false;
    } else {
      if (j >= n || sql.charCodeAt(j) !== t) return false;
      j++;
    }
  }
  return j === n;
}

/**
 * fitsTemplate() on the UTF-8 bytes of a text, `text[start, end)`, for a template given as
 * its bytes (literalTemplate() keys are ASCII): the proxy asks this of a Query message
 * before decoding anything. A byte of 0x80 or more equals no template character and is no
 * digit, so a text that fits is ASCII and its decoded string fits the template too.
 */
export function fitsTemplateBytes(
  template: Uint8Array,
  text: Uint8Array,
  start: number,
  end: number,
): boolean {
  let j = start;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    if (t === HASH_CHAR) {
      const first = j;
      while (j < end && CLASS[text[j]!] === DIGIT) j++;
      if (j === first || j - first > MAX_DIGITS) return false;
    } else {
      if (j >= end || text[j] !== t) return false;
      j++;
    }
  }
  return j === end;
}

const HASH_CHAR = PLACEHOLDER.charCodeAt(0);
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
