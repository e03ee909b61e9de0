// The literal-insensitive cache for plain reads: it must give exactly what a full parse
// gives, and never carry a verdict across texts whose constants could change it.
import { verdict } from './helpers/classify-helpers.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classify,
  classifyNow,
  clearClassifierCache,
  initClassifier,
} from '../../src/sql/classify.js';
import { TemplateCache, type TemplateKeys } from '../../src/sql/template-cache.js';

beforeAll(async () => {
  await initClassifier();
  clearClassifierCache();
});

function lookup(cache: TemplateCache, sql: string, keys: TemplateKeys) {
  return cache.lookupLexical(sql, keys) ?? cache.lookupNormalized(sql, keys);
}

describe('template cache', () => {
  it('reuses a plain read for other constants, with the query’s own text', () => {
    classify('SELECT abalance FROM pgbench_accounts WHERE aid = 1');
    for (const id of [2, 77, 123456]) {
      const sql = `SELECT abalance FROM pgbench_accounts WHERE aid = ${id}`;
      expect(verdict(classify(sql))).toEqual(verdict(classifyNow(sql)));
    }
  });

  it('tries the latest template first, and still finds the others', () => {
    const cache = new TemplateCache(100);
    const shapes = [
      (v: number) => `SELECT a FROM t WHERE id = ${v}`,
      (v: number) => `SELECT a FROM t WHERE id = ${v} LIMIT 5`,
      (v: number) => `SELECT b FROM u WHERE k = ${v}`,
    ];
    for (const shape of shapes) {
      const keys: TemplateKeys = {};
      const sql = shape(1);
      expect(lookup(cache, sql, keys)).toBeUndefined();
      cache.remember(keys, classify(sql), sql);
    }
    // Interleaved, so that the latest template is sometimes right, sometimes a prefix of
    // the text, and sometimes another shape altogether.
    for (const i of [0, 0, 1, 0, 2, 2, 1, 1, 0]) {
      const sql = shapes[i]!(1000 + i);
      const got = cache.lookupLexical(sql, {});
      expect(got?.statements[0]?.sql).toBe(sql);
      expect(verdict(got!)).toEqual(verdict(classifyNow(sql)));
    }
    // The latest template is found without hashing; a look-alike of it that is not
    // keyable with it is not reused, and another shape is not found that way.
    cache.lookupLexical(shapes[0]!(7), {});
    const fast = cache.lookupLatest(shapes[0]!(8));
    expect(fast?.statements[0]?.sql).toBe(shapes[0]!(8));
    expect(verdict(fast!)).toEqual(verdict(classifyNow(shapes[0]!(8))));
    expect(cache.lookupLatest(shapes[2]!(8))).toBeUndefined();
    expect(cache.lookupLatest('SELECT a FROM t WHERE id = 1234567890')).toBeUndefined();
    expect(cache.lookupLatest('SELECT a FROM t WHERE id = 1.5')).toBeUndefined();
    expect(cache.lookupLatest('SELECT a FROM t WHERE id = 8 ')).toBeUndefined();
  });

  it.each([
    // [primer, probe]: same normalized text, different verdicts
    ['SET standard_conforming_strings = on', 'SET standard_conforming_strings = off'],
    ["SELECT set_config('work_mem', '1MB', false)", "SELECT set_config('role', 'postgres', false)"],
    [
      "SELECT current_setting('work_mem')",
      "SELECT set_config('transaction_read_only', 'off', false)",
    ],
    ['EXPLAIN (ANALYZE false) DELETE FROM t', 'EXPLAIN (ANALYZE true) DELETE FROM t'],
    ['COPY t TO STDOUT', "COPY t FROM '/etc/passwd'"],
    ['SELECT 1 FROM t WHERE id = 1 FOR UPDATE', 'SELECT 1 FROM t WHERE id = 2 FOR UPDATE'],
    ["SELECT nextval('a')", "SELECT nextval('b')"],
    [
      'SELECT * FROM t WHERE id = 1; DELETE FROM t WHERE id = 1',
      'SELECT * FROM t WHERE id = 2; DELETE FROM t WHERE id = 2',
    ],
    ['PREPARE p AS SELECT 1', 'PREPARE p AS SELECT 2'],
    ["SELECT pg_read_file('a')", "SELECT pg_read_file('/etc/shadow')"],
  ])('never carries a verdict across constants that matter: %s / %s', (primer, probe) => {
    classify(primer);
    expect(verdict(classify(probe))).toEqual(verdict(classifyNow(probe)));
  });

  it('agrees with a full parse for many reads primed with other constants', () => {
    const shapes = [
      (v: string) => `SELECT * FROM orders WHERE id = ${v} AND note <> 'x${v}'`,
      (v: string) => `SELECT count(*) FROM a JOIN b ON a.id = b.id WHERE b.v > ${v} LIMIT ${v}`,
      (v: string) => `SELECT lower('${v}') AS l, ${v}::int + 1, E'\\\\${v}'`,
      (v: string) => `WITH x AS (SELECT ${v} AS n) SELECT n FROM x`,
      (v: string) => `SELECT * FROM "Odd Table" WHERE "Col" IN (${v}, ${v}0)`,
      (v: string) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${v};`,
      (v: string) => `  /* lead */ SELECT ${v} ;  -- trailing\n`,
    ];
    for (const shape of shapes) {
      classify(shape('1'));
      for (const v of ['2', '31', '999']) {
        const sql = shape(v);
        expect(verdict(classify(sql))).toEqual(verdict(classifyNow(sql)));
      }
    }
  });

  it('gives exactly the object a full parse gives, every field, by either key', () => {
    clearClassifierCache();
    // Lexical key (small integers) and normalized key only (a string constant).
    for (const shape of [
      (v: number) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${v};`,
      (v: number) => `SELECT * FROM t WHERE name = 'n${v}'`,
    ]) {
      classify(shape(1));
      for (const v of [2, 33, 4444]) {
        const reused = classify(shape(v));
        expect(reused).toEqual(classifyNow(shape(v)));
        expect(Object.keys(reused.statements[0]!)).toEqual(
          Object.keys(classifyNow(shape(v)).statements[0]!),
        );
        // Whatever the copy shares with the cached verdict is frozen.
        expect(Object.isFrozen(reused.statements[0]!.relations)).toBe(true);
        expect(Object.isFrozen(reused.statements[0]!.flags)).toBe(true);
        expect(Object.isFrozen(reused.statements[0]!.reasons)).toBe(true);
      }
    }
  });

  it('hands out copies: a caller changing its copy changes nothing for later lookups', () => {
    clearClassifierCache();
    const shape = (v: number) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${v};`;
    classify(shape(1));
    const mine = classify(shape(2));
    (mine as { class: string }).class = 'write';
    (mine.statements[0] as { kind: string }).kind = 'DeleteStmt';
    mine.statements.length = 0;
    expect(() => (mine.statements as unknown as unknown[][]).push([])).not.toThrow();
    for (const v of [3, 2]) {
      const again = classify(shape(v));
      expect(again).not.toBe(mine);
      expect(verdict(again)).toEqual(verdict(classifyNow(shape(v))));
    }
  });

  it('finds a template by the lexical key alone once the normalizer agreed with it', () => {
    const cache = new TemplateCache(10);
    const first = 'SELECT abalance FROM pgbench_accounts WHERE aid = 1;';
    const k1: TemplateKeys = {};
    expect(lookup(cache, first, k1)).toBeUndefined();
    expect(k1.hash).toBeDefined();
    expect(k1.normalized).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = $1;');
    cache.remember(k1, classifyNow(first), first);
    const next = 'SELECT abalance FROM pgbench_accounts WHERE aid = 4242;';
    const k2: TemplateKeys = {};
    const hit = lookup(cache, next, k2);
    expect(k2.normalized).toBeUndefined(); // the normalizer was not called
    expect(verdict(hit!)).toEqual(verdict(classifyNow(next)));
  });

  it('keeps integers that are syntax, not values, off the lexical key', () => {
    const cache = new TemplateCache(10);
    const first = 'SELECT current_time(3) = current_time(3) FROM t WHERE id = 1';
    const k1: TemplateKeys = {};
    lookup(cache, first, k1);
    // The normalizer keeps the precision: the keys disagree, so only the normalized one is stored.
    expect(k1.normalized).toBe('SELECT current_time(3) = current_time(3) FROM t WHERE id = $1');
    cache.remember(k1, classifyNow(first), first);
    const other = 'SELECT current_time(5) = current_time(3) FROM t WHERE id = 1';
    const k2: TemplateKeys = {};
    expect(lookup(cache, other, k2)).toBeUndefined();
    expect(k2.hash).toBe(k1.hash);
    expect(k2.normalized).toBeDefined();
  });
});
