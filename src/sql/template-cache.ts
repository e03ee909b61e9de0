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
import { LruCache } from './lru-cache.js';
import { normalizedTextOf } from './parser.js';
import type { Classification } from './types.js';
import { utf8Length } from './utf8.js';

export class TemplateCache {
  private readonly lru: LruCache<string, Entry>;

  constructor(size: number) {
    this.lru = new LruCache(size);
  }

  resize(size: number): void {
    this.lru.resize(size);
  }

  /** The normalized text when `sql` has constants (else the exact cache covers it). */
  templateOf(sql: string): string | undefined {
    const t = normalizedTextOf(sql);
    return t !== undefined && t !== sql ? t : undefined;
  }

  lookup(template: string, sql: string): Classification | undefined {
    const hit = this.lru.get(template);
    return hit ? rebind(hit, sql) : undefined;
  }

  remember(template: string, c: Classification, sql: string): void {
    if (reusable(c)) this.lru.set(template, { c, totalBytes: utf8Length(sql) });
  }
}

interface Entry {
  c: Classification;
  /** Byte length of the text the verdict was made for, to place the statement in others. */
  totalBytes: number;
}

function reusable(c: Classification): boolean {
  if (c.class !== 'read' || c.error || c.statements.length !== 1) return false;
  const s = c.statements[0]!;
  return s.kind === 'SelectStmt' && s.class === 'read' && s.flags.length === 0 && !s.effect;
}

/**
 * The template's verdict, with this query's own text. Constants sit inside the statement,
 * so what precedes it (spaces, comments) and what follows (`;`, comments) are the same
 * bytes in both texts: only the statement's length differs.
 */
function rebind(e: Entry, sql: string): Classification {
  const s = e.c.statements[0]!;
  const bytes = Buffer.from(sql, 'utf8');
  const suffix = e.totalBytes - (s.location + s.length);
  const length = bytes.length - suffix - s.location;
  const text = bytes.toString('utf8', s.location, s.location + length);
  return Object.freeze({
    class: e.c.class,
    statements: Object.freeze([Object.freeze({ ...s, sql: text, length })]),
  }) as Classification;
}
