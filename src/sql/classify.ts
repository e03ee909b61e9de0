// Public entry point of the classifier: PostgreSQL's own parser (libpg-query, WASM),
// then rules over the whole tree. classify() is synchronous after initClassifier() so
// the proxy can call it on its hot path; results are cached by (options, text) and
// frozen, so a repeated statement costs one hash lookup and callers cannot corrupt the
// cache. Texts too long to parse within ~30 ms go to a worker thread (classifyAsync).
import { classifierCacheStats } from './cache-stats.js';
import { LruCache } from './lru-cache.js';
import { fitsTemplateBytes } from './literal-template.js';
import { TemplateCache, type QueryShape, type TemplateKeys } from './template-cache.js';
import { fingerprintOf, loadParser, parseStatements, parserReady } from './parser.js';
import { classifyNode, type RuleContext } from './statement-rules.js';
import {
  CLASS_RANK,
  Flag,
  type Classification,
  type ClassifierConfig,
  type ClassifierOptions,
  type StatementClass,
  type StatementInfo,
} from './types.js';
import { Utf8Text, trimmedRange, utf8Length } from './utf8.js';
import type { Verdict } from './verdict.js';
import { classifyInWorker } from './worker-client.js';

const DEFAULTS: Required<ClassifierConfig> = {
  cacheSize: 2000,
  cacheMaxBytes: 64 * 1024,
  syncMaxBytes: 64 * 1024,
  hardMaxBytes: 64 * 1024 * 1024,
};

let config: Required<ClassifierConfig> = { ...DEFAULTS };
/** What is cached for one option set (a handful: one per policy). */
interface OptionCaches {
  /** The set's one frozen options object (canonicalOptions()). */
  canonical: ClassifierOptions;
  /** Classifications keyed by the text itself. */
  exact: LruCache<string, Classification>;
  /** Plain reads keyed by their normalized or lexical template (template-cache.ts). */
  templates: TemplateCache;
}

/** By optionsKey(): options that give the same key classify alike. */
const optionCaches = new Map<string, OptionCaches>();
const optionKeys = new WeakMap<ClassifierOptions, string>();
/**
 * The caches of the latest options object asked for. Sessions classify with their
 * canonical options object, so this saves two hash lookups per statement.
 */
let latestOpts: ClassifierOptions | undefined;
let latestCaches: OptionCaches | undefined;

/** Loads the parser's WASM once (idempotent); optionally tunes the classifier. */
export async function initClassifier(tuning?: ClassifierConfig): Promise<void> {
  if (tuning) configureClassifier(tuning);
  await loadParser();
}

export function configureClassifier(tuning: ClassifierConfig): void {
  config = { ...config, ...tuning };
  for (const c of optionCaches.values()) {
    c.exact.resize(config.cacheSize);
    c.templates.resize(config.cacheSize);
  }
}

export function classifierConfig(): Readonly<Required<ClassifierConfig>> {
  return config;
}

export function clearClassifierCache(): void {
  optionCaches.clear();
  latestCaches = undefined;
}

/**
 * Classifies a query string (one or more statements). Synchronous; throws if
 * initClassifier() has not completed. Texts over syncMaxBytes are not parsed here: they
 * come back as a write flagged `oversized` (use classifyAsync for those).
 */
export function classify(sql: string, opts?: ClassifierOptions): Classification {
  if (!parserReady())
    throw new Error('SQL classifier not initialised: await initClassifier() first');
  const bytes = utf8Length(sql);
  if (bytes > config.syncMaxBytes) {
    return oversized(
      sql,
      bytes,
      'write',
      `not parsed on the event loop (${bytes} bytes > ${config.syncMaxBytes}); classify it with classifyAsync`,
    );
  }
  const caches =
    bytes <= config.cacheMaxBytes && config.cacheSize > 0 ? cachesFor(opts) : undefined;
  const cache = caches?.exact;
  const templates = caches?.templates;
  // A text of the latest template needs no hashing at all (template-cache.ts).
  const sameShape = templates?.lookupLatest(sql);
  if (sameShape) {
    classifierCacheStats.hits++;
    return sameShape;
  }
  const hit = cache?.get(sql);
  if (hit) {
    classifierCacheStats.hits++;
    return hit;
  }
  const keys: TemplateKeys = {};
  // Reused verdicts are not added to the exact cache: one-off texts would only push
  // useful entries out.
  const reused = templates?.lookupLexical(sql, keys) ?? templates?.lookupNormalized(sql, keys);
  if (reused) {
    classifierCacheStats.hits++;
    return reused;
  }
  if (caches) classifierCacheStats.misses++;
  const result = deepFreeze(classifyNow(sql, opts));
  cache?.set(sql, result);
  templates?.remember(keys, result, sql);
  return result;
}

/**
 * The lexical key and frozen verdict `c` was reused from, when `c` is the latest result
 * classify() gave under `opts` and came from a template by its lexical key.
 */
export function queryShape(c: Classification, opts?: ClassifierOptions): QueryShape | undefined {
  return cachesFor(opts).templates.shapeOf(c);
}

/**
 * Whether the UTF-8 text `text[start, end)` has `shape`'s verdict, as classify() would
 * find it by the lexical key: the bytes fit the key, and the text is one classify() looks
 * up in its caches at all.
 */
export function fitsShape(
  shape: QueryShape,
  text: Uint8Array,
  start: number,
  end: number,
): boolean {
  return (
    config.cacheSize > 0 &&
    end - start <= config.cacheMaxBytes &&
    end - start <= config.syncMaxBytes &&
    fitsTemplateBytes(shape.bytes, text, start, end)
  );
}

/** Like classify(), but long texts are parsed in a worker thread so the event loop stays free. */
export async function classifyAsync(
  sql: string,
  opts?: ClassifierOptions,
): Promise<Classification> {
  if (!parserReady()) await initClassifier();
  const bytes = utf8Length(sql);
  if (bytes <= config.syncMaxBytes) return classify(sql, opts);
  if (bytes > config.hardMaxBytes) {
    return oversized(
      sql,
      bytes,
      'forbidden',
      `too large to classify (${bytes} bytes > ${config.hardMaxBytes})`,
    );
  }
  return deepFreeze(await classifyInWorker(sql, opts ?? {}, () => classifyNow(sql, opts)));
}

/** The classification itself, uncached and unfrozen (used by the worker thread too). */
export function classifyNow(sql: string, opts: ClassifierOptions = {}): Classification {
  // An empty Query gets EmptyQueryResponse from the server: nothing runs.
  if (/^[ \t\n\r\f\v]*$/.test(sql)) return { class: 'read', statements: [] };
  const nul = sql.indexOf('\u0000');
  if (nul >= 0) return invalid(sql, 'query text contains a NUL byte', nul + 1);
  const parsed = parseStatements(sql);
  if (!parsed.ok) return invalid(sql, parsed.message, parsed.cursorPosition);
  const text = new Utf8Text(sql);
  const statements: StatementInfo[] = [];
  for (const raw of parsed.statements) {
    const length = raw.length > 0 ? raw.length : text.byteLength - raw.location;
    const range = trimmedRange(text, raw.location, length);
    statements.push(statementInfo(raw.node, range, opts));
  }
  if (statements.length > 1) {
    for (const s of statements)
      if (!s.flags.includes(Flag.multiStatement)) s.flags.push(Flag.multiStatement);
  }
  return { class: mostRestrictive(statements.map((s) => s.class)), statements };
}

function statementInfo(
  node: unknown,
  range: { location: number; length: number; sql: string },
  opts: ClassifierOptions,
): StatementInfo {
  const ctx: RuleContext = {
    opts,
    sql: range.sql,
    inner: (innerNode, innerSql) =>
      statementInfo(
        innerNode,
        { location: range.location, length: range.length, sql: innerSql },
        opts,
      ),
  };
  return toInfo(classifyNode(node, ctx), range);
}

function toInfo(
  v: Verdict,
  range: { location: number; length: number; sql: string },
): StatementInfo {
  const info: StatementInfo = {
    sql: range.sql,
    location: range.location,
    length: range.length,
    kind: v.kind,
    class: v.class,
    relations: v.relations,
    functions: v.functions,
    flags: [...v.flags],
    risk: v.risk,
    reasons: v.reasons,
    fingerprint: fingerprintOf(range.sql),
  };
  if (v.effect) info.effect = v.effect;
  if (v.resolvedSql !== undefined) info.resolvedSql = v.resolvedSql;
  if (v.catalogRefs) info.catalogRefs = v.catalogRefs;
  return info;
}

export function mostRestrictive(classes: readonly StatementClass[]): StatementClass {
  let out: StatementClass = 'read';
  for (const c of classes) if (CLASS_RANK[c] > CLASS_RANK[out]) out = c;
  return out;
}

function invalid(sql: string, message: string, cursorPosition: number): Classification {
  const text = new Utf8Text(sql);
  const range = trimmedRange(text, 0, text.byteLength);
  const reason = cursorPosition > 0 ? `${message} (at character ${cursorPosition})` : message;
  return {
    class: 'invalid',
    error: { message, cursorPosition },
    statements: [
      {
        sql: range.sql,
        location: range.location,
        length: range.length,
        kind: 'ParseError',
        class: 'invalid',
        relations: [],
        functions: [],
        flags: [],
        risk: 'low',
        reasons: [reason],
        fingerprint: '',
      },
    ],
  };
}

function oversized(
  sql: string,
  bytes: number,
  cls: StatementClass,
  reason: string,
): Classification {
  return deepFreeze({
    class: cls,
    statements: [
      {
        sql,
        location: 0,
        length: bytes,
        kind: 'Unparsed',
        class: cls,
        relations: [],
        functions: [],
        flags: [Flag.oversized],
        risk: cls === 'forbidden' ? 'critical' : 'high',
        reasons: [reason],
        fingerprint: '',
      },
    ],
  });
}

/**
 * One frozen options object per option set, shared by every session that classifies with
 * equal options, so that classify() finds their caches without a lookup.
 */
export function canonicalOptions(opts: ClassifierOptions): ClassifierOptions {
  return entryFor(opts).canonical;
}

function cachesFor(opts: ClassifierOptions | undefined): OptionCaches {
  if (latestCaches && latestOpts === opts) return latestCaches;
  latestOpts = opts;
  return (latestCaches = entryFor(opts));
}

function entryFor(opts: ClassifierOptions | undefined): OptionCaches {
  const key = optionsKey(opts);
  let entry = optionCaches.get(key);
  if (!entry) {
    // Option sets come from policies; bound them anyway so a bug cannot grow memory forever.
    if (optionCaches.size >= 32) optionCaches.clear();
    entry = {
      canonical: freezeOptions(opts ?? {}),
      exact: new LruCache<string, Classification>(config.cacheSize),
      templates: new TemplateCache(config.cacheSize),
    };
    optionCaches.set(key, entry);
  }
  return entry;
}

function freezeOptions(opts: ClassifierOptions): ClassifierOptions {
  return Object.freeze({
    ...opts,
    ...(opts.safeFunctions
      ? { safeFunctions: Object.freeze([...opts.safeFunctions]) as string[] }
      : {}),
  });
}

function optionsKey(opts: ClassifierOptions | undefined): string {
  if (!opts) return 'd';
  let key = optionKeys.get(opts);
  if (key === undefined) {
    key = [
      opts.lockingClauseIsWrite === false ? 'l0' : 'l1',
      opts.forceReadOnly ? 'r1' : 'r0',
      ...(opts.safeFunctions ?? []),
    ].join('\u0002');
    optionKeys.set(opts, key);
  }
  return key;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
