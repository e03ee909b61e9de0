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
import { fitsTemplate, literalHash, literalTemplate, NO_KEY } from './literal-template.js';
import { LruCache } from './lru-cache.js';
import { normalizedTextOf } from './parser.js';
import type { Classification, StatementInfo } from './types.js';
import { utf8Length } from './utf8.js';
import { linkVerdict } from './verdict-identity.js';

/** What lookups learned about a text, for remember(). */
export interface TemplateKeys {
  /** literalHash() of the text when it has a lexical key (such texts are ASCII). */
  hash?: number;
  /** PostgreSQL's normalized text, computed only when the lexical key missed. */
  normalized?: string;
}

/**
 * A lexical key with the frozen verdict stored under it: every text that fits the key
 * gets this verdict, rebound to its own text. The proxy checks a Query's bytes against
 * the key of a recent Query of the session before decoding them (session-classifier.ts).
 */
export interface QueryShape {
  /** The key's bytes (it is ASCII), '#' for each integer constant. */
  readonly bytes: Uint8Array;
  readonly verdict: Classification;
}

interface LexicalEntry {
  /** The key (literalTemplate()) the entry was stored under. */
  template: string;
  entry: Entry;
  shape: QueryShape;
}

/** Templates sharing a 30-bit hash are rare; a bucket keeps the newest few. */
const BUCKET = 4;

export class TemplateCache {
  private readonly lru: LruCache<string, Entry>;
  /** By literalHash(): a number key, so a lookup hashes no string. */
  private readonly lexical: LruCache<number, readonly LexicalEntry[]>;
  /** The template of the latest lexical hit (lookupLatest()). */
  private last: LexicalEntry | undefined;
  /** The copy the latest lexical hit returned (shapeOf()). */
  private lastCopy: Classification | undefined;

  constructor(size: number) {
    this.lru = new LruCache(size);
    this.lexical = new LruCache(size);
  }

  resize(size: number): void {
    this.lru.resize(size);
    this.lexical.resize(size);
    this.last = undefined;
    this.lastCopy = undefined;
  }

  /** The key and verdict `c` came from, if `c` is what the latest lexical hit returned. */
  shapeOf(c: Classification): QueryShape | undefined {
    return c === this.lastCopy ? this.last?.shape : undefined;
  }

  /**
   * The verdict of the latest template found, if `sql` fits it: no hashing at all. An
   * application tends to send one statement shape many times in a row. A text that fits
   * a key is keyable with that very key (fitsTemplate()), so this is lookupLexical()
   * without the hash; classify() tries it even before the exact cache, whose lookup
   * hashes the whole text.
   */
  lookupLatest(sql: string): Classification | undefined {
    const last = this.last;
    if (!last || !fitsTemplate(last.template, sql)) return undefined;
    return (this.lastCopy = rebind(last.entry, sql, true));
  }

  /**
   * A verdict reached for another text of the same template, rebound to `sql`, found by
   * the lexical key: one pass over the text, no string built. `keys` records the hash.
   */
  lookupLexical(sql: string, keys: TemplateKeys): Classification | undefined {
    const hash = literalHash(sql);
    if (hash === NO_KEY) return undefined;
    keys.hash = hash;
    const bucket = this.lexical.get(hash);
    if (bucket) {
      for (const b of bucket) {
        if (fitsTemplate(b.template, sql)) {
          this.last = b;
          return (this.lastCopy = rebind(b.entry, sql, true));
        }
      }
    }
    return undefined;
  }

  /** The same by PostgreSQL's normalized text (a call into the parser), after lookupLexical(). */
  lookupNormalized(sql: string, keys: TemplateKeys): Classification | undefined {
    const t = normalizedTextOf(sql);
    // Without constants the normalized text is the text: the exact cache covers it.
    if (t === undefined || t === sql) return undefined;
    keys.normalized = t;
    const hit = this.lru.get(t);
    if (!hit) return undefined;
    // From now on this template is found by the lexical key alone. The entry is the
    // normalized one: its frozen verdict stays the identity of every later copy.
    this.rememberLexical(keys, hit, sql);
    return rebind(hit, sql, false);
  }

  /** Stores a verdict under the keys the lookups found, if it may be reused at all. */
  remember(keys: TemplateKeys, c: Classification, sql: string): void {
    if (!reusable(c) || keys.normalized === undefined) return;
    const entry = entryFor(c, sql);
    this.lru.set(keys.normalized, entry);
    this.rememberLexical(keys, entry, sql);
  }

  /**
   * The lexical key stands in for the normalized text only where the normalizer replaced
   * exactly the integers the scan found, each one a constant of the query. An integer
   * that is part of the syntax instead (a precision such as current_time(3) or float(24))
   * is kept by the normalizer, so the two disagree and only the normalized key is used:
   * texts sharing a lexical key then also share the normalized text.
   */
  private rememberLexical(keys: TemplateKeys, entry: Entry, sql: string): void {
    if (keys.hash === undefined || keys.normalized === undefined) return;
    const template = literalTemplate(sql);
    if (template === undefined || keys.normalized.replace(/\$\d+/g, '#') !== template) return;
    const others = (this.lexical.get(keys.hash) ?? []).filter((b) => b.template !== template);
    const shape: QueryShape = { bytes: Buffer.from(template, 'latin1'), verdict: entry.c };
    this.lexical.set(keys.hash, [...others.slice(1 - BUCKET), { template, entry, shape }]);
  }
}

interface Entry {
  c: Classification;
  /** Byte length of the text the verdict was made for, to place the statement in others. */
  totalBytes: number;
}

function entryFor(c: Classification, sql: string): Entry {
  return { c, totalBytes: utf8Length(sql) };
}

/** The fields of a reusable statement; rebind() copies exactly these. */
const PLAIN_FIELDS = [
  'sql',
  'location',
  'length',
  'kind',
  'class',
  'relations',
  'functions',
  'flags',
  'risk',
  'reasons',
  'fingerprint',
  'catalogRefs',
] as const satisfies readonly (keyof StatementInfo)[];

function reusable(c: Classification): boolean {
  if (c.class !== 'read' || c.error || c.statements.length !== 1) return false;
  const s = c.statements[0]!;
  if (s.kind !== 'SelectStmt' || s.class !== 'read' || s.flags.length !== 0 || s.effect)
    return false;
  // Any other field (resolvedSql, or one added later) would be lost by rebind().
  const keys = Object.keys(s);
  return keys.length === PLAIN_FIELDS.length && PLAIN_FIELDS.every((k) => keys.includes(k));
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
  // Written out field by field (see PLAIN_FIELDS): an object made by spread costs V8 a
  // new hidden class every time. The copy is not frozen (freezing three objects per query
  // cost more than the rest of the lookup): it is the caller's own, and everything it
  // shares with the cached verdict (relations, functions, flags, reasons) is frozen, so
  // the cache cannot be changed through it. Policy decisions are remembered by the
  // frozen verdict it was copied from (verdict-identity.ts).
  const copy: Classification = {
    class: e.c.class,
    statements: [
      {
        sql: text,
        location: s.location,
        length,
        kind: s.kind,
        class: s.class,
        relations: s.relations,
        functions: s.functions,
        flags: s.flags,
        risk: s.risk,
        reasons: s.reasons,
        fingerprint: s.fingerprint,
        // The same names for every text of the template: constants are not names.
        catalogRefs: s.catalogRefs!,
      },
    ],
  };
  linkVerdict(copy, e.c);
  return copy;
}
