// What classify() returns for each statement: text cut at UTF-8 byte offsets, AST kind,
// relations, functions, flags, reasons, fingerprint; the whole string's class; caching.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  classify,
  clearClassifierCache,
  configureClassifier,
  initClassifier,
} from '../../src/sql/classify.js';
import { only } from './helpers/classify-helpers.js';

beforeAll(() => initClassifier());

describe('statements', () => {
  it('cuts each statement at the parser’s UTF-8 byte offsets, multibyte text included', () => {
    const sql = "SELECT 'héllo → 世界' AS x;  /* ü */ DELETE FROM naïve WHERE c = '😀';\nSELECT 2";
    const c = classify(sql);
    expect(c.statements.map((s) => s.sql)).toEqual([
      "SELECT 'héllo → 世界' AS x",
      "DELETE FROM naïve WHERE c = '😀'", // leading comments are not part of a statement
      'SELECT 2',
    ]);
    const bytes = Buffer.from(sql, 'utf8');
    for (const s of c.statements) {
      expect(bytes.subarray(s.location, s.location + s.length).toString('utf8')).toBe(s.sql);
    }
    expect(c.statements.map((s) => s.kind)).toEqual(['SelectStmt', 'DeleteStmt', 'SelectStmt']);
    expect(c.statements[1]!.relations[0]).toMatchObject({
      schema: 'public',
      name: 'naïve',
      access: 'write',
    });
  });

  it('the class of a string is its most restrictive statement, and smuggled statements are flagged', () => {
    const c = classify('SELECT 1; SELECT 2; DELETE FROM t WHERE id = 1');
    expect(c.class).toBe('write');
    expect(c.statements.map((s) => s.class)).toEqual(['read', 'read', 'write']);
    expect(c.statements.every((s) => s.flags.includes('multi_statement'))).toBe(true);
    expect(classify('BEGIN; SELECT 1; COMMIT').class).toBe('session');
    expect(classify("SELECT 1; COPY t TO PROGRAM 'x'; BEGIN").class).toBe('forbidden');
    expect(classify('SELECT 1').statements[0]!.flags).not.toContain('multi_statement');
  });

  it('defaults unqualified relations to public, keeps written schemas, notes temp tables', () => {
    expect(only('SELECT * FROM t').relations).toEqual([
      { schema: 'public', name: 't', qualified: false, access: 'read' },
    ]);
    expect(only('SELECT * FROM "My Schema"."T"').relations).toEqual([
      { schema: 'My Schema', name: 'T', qualified: true, access: 'read' },
    ]);
    expect(only('SELECT * FROM db.s.t').relations[0]).toMatchObject({
      schema: 's',
      name: 't',
      qualified: true,
    });
    expect(only('CREATE TEMP TABLE tt (a int)').relations[0]).toMatchObject({
      schema: 'pg_temp',
      name: 'tt',
    });
    // A CTE is not a table.
    expect(only('WITH x AS (SELECT 1) SELECT * FROM x').relations).toEqual([]);
  });

  it('lists called functions as written (qualified when qualified), folded by the parser', () => {
    expect(
      only(
        'SELECT LOWER(a), pg_catalog.upper(b), app.Fn(c), "MixedCase"(d), extract(year FROM now())',
      ).functions,
    ).toEqual(['lower', 'pg_catalog.upper', 'app.fn', 'MixedCase', 'pg_catalog.extract', 'now']);
  });

  it('the fingerprint is stable across literal values and differs across shapes', () => {
    const a = only('SELECT * FROM t WHERE id = 1').fingerprint;
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(only('select *   from t where id = 42').fingerprint).toBe(a);
    expect(only('SELECT * FROM t WHERE name = 1').fingerprint).not.toBe(a);
  });

  it('gives human-readable reasons', () => {
    expect(only('DELETE FROM app.t').reasons).toEqual([
      'DELETE from app.t',
      'DELETE without WHERE touches every row',
    ]);
    expect(only('SELECT * FROM t').reasons).toEqual(['SELECT reads public.t']);
  });
});

describe('cache', () => {
  it('returns the same frozen result for the same text and options', () => {
    clearClassifierCache();
    const a = classify('SELECT * FROM cached_t');
    const b = classify('SELECT * FROM cached_t');
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.statements[0]!.relations)).toBe(true);
    expect(() => (a.statements as unknown as unknown[]).push(1)).toThrow();
  });

  it('keys the cache by options as well as text', () => {
    const locking = classify('SELECT * FROM t FOR UPDATE');
    const lenient = classify('SELECT * FROM t FOR UPDATE', { lockingClauseIsWrite: false });
    expect(locking.class).toBe('write');
    expect(lenient.class).toBe('read');
    expect(classify('SELECT f()', { safeFunctions: ['f'] }).class).toBe('read');
    expect(classify('SELECT f()').class).toBe('write');
  });

  it('has a configurable size and can be turned off', () => {
    configureClassifier({ cacheSize: 1 });
    const a = classify('SELECT 1 AS a');
    classify('SELECT 2 AS b');
    expect(classify('SELECT 1 AS a')).not.toBe(a);
    configureClassifier({ cacheSize: 0 });
    expect(classify('SELECT 3')).not.toBe(classify('SELECT 3'));
    configureClassifier({ cacheSize: 2000 });
  });
});

describe('initialisation', () => {
  it('classify() throws until initClassifier() has loaded the parser', async () => {
    vi.resetModules();
    const fresh = await import('../../src/sql/classify.js');
    expect(() => fresh.classify('SELECT 1')).toThrow(/initClassifier/);
    await fresh.initClassifier();
    await fresh.initClassifier();
    expect(fresh.classify('SELECT 1').class).toBe('read');
  });
});
