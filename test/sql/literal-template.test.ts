// The lexical template key: it must give up on anything that could change how digits
// are lexed, and texts sharing a key must never differ in verdict (corpus-wide check).
import { verdict } from './helpers/classify-helpers.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fitsTemplate,
  fitsTemplateBytes,
  literalHash,
  literalTemplate,
  NO_KEY,
} from '../../src/sql/literal-template.js';
import {
  classify,
  classifyNow,
  clearClassifierCache,
  initClassifier,
} from '../../src/sql/classify.js';
import { readCorpus } from './helpers/oracle-corpus.js';
import { splitPsqlScript } from './helpers/psql-script.js';

beforeAll(() => initClassifier());

describe('literalTemplate', () => {
  it.each([
    [
      'SELECT abalance FROM pgbench_accounts WHERE aid = 4711;',
      'SELECT abalance FROM pgbench_accounts WHERE aid = #;',
    ],
    ['select * from t1 where a=1 and b in (2,30)', 'select * from t1 where a=# and b in (#,#)'],
    ['SELECT x::int4 FROM t LIMIT 10 OFFSET 20', 'SELECT x::int4 FROM t LIMIT # OFFSET #'],
    ['SELECT a[1:2] FROM t', 'SELECT a[#:#] FROM t'],
    ['SELECT 007', 'SELECT #'],
    ['SELECT 999999999', 'SELECT #'],
    ['1', '#'],
  ])('%s → %s', (sql, key) => {
    expect(literalTemplate(sql)).toBe(key);
  });

  it.each([
    ['no integer at all', 'SELECT a FROM t1'],
    ['a string', "SELECT 1 WHERE a = 'x'"],
    ['a quoted identifier', 'SELECT 1 FROM "t"'],
    ['a line comment', 'SELECT 1 -- 2'],
    ['a block comment', 'SELECT 1 /* 2 */'],
    ['a minus', 'SELECT 1-2'],
    ['a parameter', 'SELECT $1'],
    ['a dollar in an identifier', 'SELECT a$1 FROM t'],
    ['dollar quoting', 'SELECT $$1$$'],
    ['an exponent', 'SELECT 1e5'],
    ['a hex integer', 'SELECT 0x1F'],
    ['an underscore in a number', 'SELECT 1_000'],
    ['a decimal', 'SELECT 1.5'],
    ['a trailing dot', 'SELECT 1.'],
    ['a leading dot', 'SELECT .5'],
    ['a field number', 'SELECT t.5'],
    ['ten digits', 'SELECT 1234567890'],
    ['junk after a number', 'SELECT 1abc'],
    ['non-ASCII', 'SELECT 1 AS é'],
    ['a backslash', 'SELECT 1 \\g'],
    ['a form feed (outside the accepted blanks)', 'SELECT\f1'],
    ['an operator character outside the set', 'SELECT 1 | 2'],
  ])('gives up on %s', (_what, sql) => {
    expect(literalTemplate(sql)).toBeUndefined();
  });

  it('hashes the key without building it, and matches texts to a key without allocating', () => {
    const a = 'SELECT abalance FROM pgbench_accounts WHERE aid = 4711;';
    const b = 'SELECT abalance FROM pgbench_accounts WHERE aid = 12;';
    expect(literalHash(a)).not.toBe(NO_KEY);
    expect(literalHash(a)).toBe(literalHash(b));
    expect(literalHash('SELECT abalance FROM pgbench_accounts WHERE bid = 12;')).not.toBe(
      literalHash(a),
    );
    expect(literalHash('SELECT 1.5')).toBe(NO_KEY);
    const key = literalTemplate(a)!;
    expect(fitsTemplate(key, b)).toBe(true);
    expect(fitsTemplate(key, 'SELECT abalance FROM pgbench_accounts WHERE aid = 1 ;')).toBe(false);
    expect(fitsTemplate('SELECT a FROM t WHERE x = #', 'SELECT a FROM t WHERE x = 1')).toBe(true);
    expect(fitsTemplate('SELECT a FROM t WHERE x = #', 'SELECT a FROM t WHERE x = ')).toBe(false);
    expect(fitsTemplate('SELECT a FROM t WHERE x = #', 'SELECT a FROM t WHERE x = 1 2')).toBe(
      false,
    );
    expect(fitsTemplate('SELECT # , #', 'SELECT 12 , 3')).toBe(true);
    expect(fitsTemplate('SELECT # , #', 'SELECT 12 , 3,')).toBe(false);
  });

  it('a text fits a key only when it is keyable with that very key', () => {
    const key = literalTemplate('SELECT a FROM t WHERE x = 1 AND y = 2')!;
    for (const l of LOOKALIKES) {
      const probe = `SELECT a FROM t WHERE x = ${l} AND y = 2`;
      expect(fitsTemplate(key, probe)).toBe(literalTemplate(probe) === key);
    }
    expect(fitsTemplate(key, 'SELECT a FROM t WHERE x = 123456789 AND y = 2')).toBe(true);
    expect(fitsTemplate(key, 'SELECT a FROM t WHERE x = 1234567890 AND y = 2')).toBe(false);
  });

  it('matches the bytes of a text inside a larger buffer as it matches the text', () => {
    const key = 'SELECT a FROM t WHERE x = # AND y = #';
    for (const probe of [
      'SELECT a FROM t WHERE x = 1 AND y = 22',
      'SELECT a FROM t WHERE x = 1 AND y = 2 ',
      'SELECT a FROM t WHERE x = 1 AND y =',
      'SELECT a FROM t WHERE x = \u0661 AND y = 2',
      'SELECT a FROM t WHERE x = 1234567890 AND y = 2',
      'SELECT a FROM t WHERE x = é AND y = 2',
    ])
      expect(fitsBytes(key, probe), probe).toBe(fitsTemplate(key, probe));
    // Only [start, end) counts: digits or text around it are not read.
    const text = Buffer.from('99SELECT a FROM t WHERE x = 12 AND y = 3456', 'latin1');
    expect(fitsTemplateBytes(Buffer.from(key), text, 2, text.length - 2)).toBe(true);
    expect(fitsTemplateBytes(Buffer.from(key), text, 2, text.length - 1)).toBe(true);
    expect(fitsTemplateBytes(Buffer.from(key), text, 1, text.length)).toBe(false);
    expect(fitsTemplateBytes(Buffer.from('SELECT #'), Buffer.from('SELECT 1\u00b9'), 0, 9)).toBe(
      false,
    );
  });

  it('keeps digits inside identifiers as text', () => {
    expect(literalTemplate('SELECT c1 FROM t2 WHERE c3 = 4')).toBe(
      'SELECT c1 FROM t2 WHERE c3 = #',
    );
    expect(literalTemplate('SELECT c1 FROM t2')).toBeUndefined();
  });
});

/** fitsTemplateBytes() on the UTF-8 bytes of `sql`, placed mid-buffer. */
function fitsBytes(key: string, sql: string): boolean {
  const text = Buffer.concat([
    Buffer.from('Q\0\0\0\0'),
    Buffer.from(sql, 'utf8'),
    Buffer.from([0]),
  ]);
  return fitsTemplateBytes(Buffer.from(key, 'latin1'), text, 5, text.length - 1);
}

/**
 * Integer runs replaced by things that look like integers to a careless scan: too many
 * digits, decimals, exponents, hex, underscores, junk, signs, parameters, non-ASCII digits.
 */
const LOOKALIKES = [
  '1234567890',
  '99999999999',
  '1.5',
  '1.',
  '1e5',
  '0x1F',
  '1_000',
  '12abc',
  '-1',
  '$1',
  "'1'",
  '\u0661',
  '1 2',
  '',
];

function lookalike(sql: string, seed: number): string {
  let k = seed;
  return sql.replace(/(?<![\w.$])\d{1,9}(?![\w.$])/g, (run) => {
    k = (k * 1103515245 + 12345) % 2 ** 31;
    return k % 3 === 0 ? run : LOOKALIKES[k % LOOKALIKES.length]!;
  });
}

/** Every integer run replaced by another value (a different count of digits too). */
function otherConstants(sql: string, seed: number): string {
  let k = seed;
  return sql.replace(/(?<![\w.$])\d{1,9}(?![\w.$])/g, () => {
    k = (k * 1103515245 + 12345) % 2 ** 31;
    return String(k % 1_000_000);
  });
}

describe('texts sharing a lexical key', () => {
  it(
    'get the verdict a full parse gives, over every keyed statement of the regression corpus',
    // A sweep of the whole corpus: minutes on a busy machine, not a speed measurement.
    { timeout: 10 * 60_000 },
    () => {
      let keyed = 0;
      let reusable = 0;
      let rangeErrors = 0;
      const wrong: string[] = [];
      const allKeyed: string[] = [];
      for (const file of readCorpus()) {
        for (const st of splitPsqlScript(file.text)) {
          const key = literalTemplate(st.sql);
          if (key === undefined) continue;
          keyed++;
          allKeyed.push(st.sql);
          clearClassifierCache();
          // Primes the template cache when the verdict may be reused.
          const primer = classify(st.sql);
          const s = primer.statements[0];
          if (
            primer.class === 'read' &&
            primer.statements.length === 1 &&
            s?.kind === 'SelectStmt' &&
            s.flags.length === 0
          )
            reusable++;
          for (const seed of [1, 2]) {
            const probe = otherConstants(st.sql, seed);
            expect(literalTemplate(probe)).toBe(key);
            expect(literalHash(probe)).toBe(literalHash(st.sql));
            expect(fitsTemplate(key, probe)).toBe(true);
            expect(fitsBytes(key, probe)).toBe(true);
            const truth = classifyNow(probe);
            const got = classify(probe);
            if (truth.class === 'invalid') rangeErrors++;
            if (JSON.stringify(verdict(got)) !== JSON.stringify(verdict(truth)))
              wrong.push(`${file.name}:${st.line} ${probe.slice(0, 120)}`);
          }
        }
      }
      // A text fits exactly one key, its own, whatever other key it is tried against.
      const keys = [...new Set(allKeyed.map((x) => literalTemplate(x)!))];
      let tried = 0;
      for (let i = 0; i < allKeyed.length; i += 13) {
        const x = allKeyed[i]!;
        const own = literalTemplate(x)!;
        for (const k of keys) {
          tried++;
          if (fitsTemplate(k, x) !== (k === own)) wrong.push(`fits ${k.slice(0, 60)}: ${x}`);
        }
      }
      expect(tried).toBeGreaterThan(1_000_000);
      // Fitting a key is enough on its own: a look-alike of a keyed text fits the key
      // only when it is keyable with that key (the cache tries its latest key unhashed).
      let lookalikes = 0;
      for (const x of allKeyed) {
        const own = literalTemplate(x)!;
        for (const seed of [3, 4, 5]) {
          const probe = lookalike(x, seed);
          if (probe === x) continue;
          lookalikes++;
          if (fitsTemplate(own, probe) !== (literalTemplate(probe) === own))
            wrong.push(`look-alike fits ${own.slice(0, 60)}: ${probe}`);
          if (fitsBytes(own, probe) !== fitsTemplate(own, probe))
            wrong.push(`bytes disagree on ${own.slice(0, 60)}: ${probe}`);
        }
      }
      expect(lookalikes).toBeGreaterThan(5000);
      console.log(
        `lexical keys: ${keyed} corpus statements keyed (${reusable} reusable reads), ${rangeErrors} probes made invalid by a constant's value (float(0) …), each still invalid`,
      );
      expect(keyed).toBeGreaterThan(1000);
      expect(reusable).toBeGreaterThan(500);
      expect(wrong).toEqual([]);
    },
  );
});
