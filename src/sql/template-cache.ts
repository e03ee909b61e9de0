// Literal-insensitive reuse of classifications, for plain reads only.
//
// An application that sends `SELECT … WHERE id = 42` over the simple protocol sends a
// new text for every id, so the exact-text cache never hits and every query pays a full
// parse. PostgreSQL's own normalizer (pg_query normalize, about a quarter of the cost of
// a parse plus fingerprint) replaces every constant with $n; two texts with the same
// normalized form differ only in constant values.
//
// That is only safe where constant values cannot change the verdict, so a template is
// stored only for one plain SELECT classed `read` with no flags at all. In such a tree a
// constant is a value, never a setting name, an EXPLAIN option or a COPY target: those
// live in other statement kinds, or in functions that are never `read` (set_config,
// nextval, pg_read_file …), whatever their arguments. A different statement kind, a
// second statement, or any other token yields another normalized text and misses.
//
// Texts that differ only in small integers also get a key from a single character scan
// (literal-template.ts), checked first: for them the normalizer runs once per template,
// not once per query.
import { literalTemplate } from './literal-template.js';
import { LruCache } from './lru-cache.js';
import { normalizedTextOf } from './parser.js';
import type { Classification } from './types.js';
import { utf8Length } from './utf8.js';
import { linkVerdict } from './verdict-identity.js';

/** Where a text may find a verdict made for another: a lexical key and/or a normalized one. */
export interface TemplateKeys {
  /** From literalTemplate(), prefixed; such texts are ASCII. */
  lexical?: string;
  /** PostgreSQL's normalized text, computed only when the lexical key missed. */
  normalized?: string;
}

/** Lexical keys share the LRU with normalized texts, which never start with this. */
const LEXICAL = '\u0001';

export class TemplateCache {
  private readonly lru: LruCache<string, Entry>;

  constructor(size: number) {
    this.lru = new LruCache(size);
  }

  resize(size: number): void {
    this.lru.resize(size);
  }

  /**
   * A verdict reached for another text of the same template, rebound to `sql`. `keys`
   * receives the keys tried, for remember().
   */
  lookup(sql: string, keys: TemplateKeys): Classification | undefined {
    const lexical = literalTemplate(sql);
    if (lexical !== undefined) {
      keys.lexical = LEXICAL + lexical;
      const hit = this.lru.get(keys.lexical);
      if (hit) return rebind(hit, sql, true);
    }
    const t = normalizedTextOf(sql);
    // Without constants the normalized text is the text: the exact cache covers it.
    if (t === undefined || t === sql) return undefined;
    keys.normalized = t;
    const hit = this.lru.get(t);
    if (!hit) return undefined;
    const reused = rebind(hit, sql, false);
    // From now on this template is found by the lexical key alone.
    if (lexicalAgrees(keys)) this.lru.set(keys.lexical!, entryFor(reused, sql));
    return reused;
  }

  /** Stores a verdict under the keys lookup() tried, if it may be reused at all. */
  remember(keys: TemplateKeys, c: Classification, sql: string): void {
    if (!reusable(c) || keys.normalized === undefined) return;
    const entry = entryFor(c, sql);
    this.lru.set(keys.normalized, entry);
    if (lexicalAgrees(keys)) this.lru.set(keys.lexical!, entry);
  }
}

/**
 * The lexical key stands in for the normalized text only where the normalizer replaced
 * exactly the integers the scan found, each one a constant of the query. An integer
 * that is part of the syntax instead (a precision such as current_time(3) or float(24))
 * is kept by the normalizer, so the two disagree and only the normalized key is used:
 * texts sharing a lexical key then also share the normalized text.
 */
function lexicalAgrees(keys: TemplateKeys): boolean {
  if (keys.lexical === undefined || keys.normalized === undefined) return false;
  return LEXICAL + keys.normalized.replace(/\$\d+/g, '#') === keys.lexical;
}

interface Entry {
  c: Classification;
  /** Byte length of the text the verdict was made for, to place the statement in others. */
  totalBytes: number;
}

function entryFor(c: Classification, sql: string): Entry {
  return { c, totalBytes: utf8Length(sql) };
}

function reusable(c: Classification): boolean {
  if (c.class !== 'read' || c.error || c.statements.length !== 1) return false;
  const s = c.statements[0]!;
  return s.kind === 'SelectStmt' && s.class === 'read' && s.flags.length === 0 && !s.effect;
}

/**
 * The template's verdict, with this query's own text. Constants sit inside the statement,
 * so what precedes it (spaces, comments) and what follows (`;`, comments) are the same
 * bytes in both texts: only the statement's length differs. `ascii`: both texts are
 * ASCII (lexical keys), so byte offsets are string offsets.
 */
function rebind(e: Entry, sql: string, ascii: boolean): Classification {
  const s = e.c.statements[0]!;
  const suffix = e.totalBytes - (s.location + s.length);
  let text: string;
  let length: number;
  if (ascii) {
    length = sql.length - suffix - s.location;
    text = sql.slice(s.location, s.location + length);
  } else {
    const bytes = Buffer.from(sql, 'utf8');
    length = bytes.length - suffix - s.location;
    text = bytes.toString('utf8', s.location, s.location + length);
  }
  const copy = Object.freeze({
    class: e.c.class,
    statements: Object.freeze([Object.freeze({ ...s, sql: text, length })]),
  }) as Classification;
  linkVerdict(copy, e.c);
  return copy;
}
