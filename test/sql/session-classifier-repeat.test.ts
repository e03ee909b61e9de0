// The proxy's shortcut for a Query that repeats a recent statement with other constants:
// its verdict from the bytes alone (repeatedQuery), then the same records as query().
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  classifierConfig,
  clearClassifierCache,
  classifyNow,
  configureClassifier,
  initClassifier,
} from '../../src/sql/classify.js';
import { SessionClassifier } from '../../src/sql/session-classifier.js';
import { verdict } from './helpers/classify-helpers.js';
import type { Classification } from '../../src/sql/types.js';

beforeAll(() => initClassifier());
beforeEach(() => clearClassifierCache());

const SHAPE = (id: string | number) => `SELECT v FROM items WHERE id = ${id}`;

function started(opts?: ConstructorParameters<typeof SessionClassifier>[0]): SessionClassifier {
  const s = new SessionClassifier(opts);
  s.readyForQuery();
  return s;
}

/** A Query the server ran. */
function ok(s: SessionClassifier, sql: string): Classification {
  const c = s.query(sql);
  s.readyForQuery();
  return c;
}

/** repeatedQuery() on `sql` as a Query message carries it: after a 5-byte header, NUL-terminated. */
function repeated(s: SessionClassifier, sql: string | Buffer): Classification | undefined {
  const text = typeof sql === 'string' ? Buffer.from(sql, 'utf8') : sql;
  const msg = Buffer.concat([Buffer.from([0x51, 0, 0, 0, 0]), text, Buffer.from([0])]);
  msg.writeInt32BE(msg.length - 1, 1);
  return s.repeatedQuery(msg, 5, msg.length - 1);
}

/** A session whose latest Query reused the verdict of SHAPE's template. */
function primed(): SessionClassifier {
  const s = started();
  ok(s, SHAPE(1)); // parsed: the template is stored
  expect(repeated(s, SHAPE(7))).toBeUndefined();
  ok(s, SHAPE(2)); // found by its lexical key
  return s;
}

describe('repeatedQuery', () => {
  it("gives a Query of a recent statement's shape the verdict a full parse gives", () => {
    const s = primed();
    for (const id of [3, 42, 123456789, 0, '007']) {
      const v = repeated(s, SHAPE(id));
      expect(v).toBeDefined();
      const truth = classifyNow(SHAPE(id));
      expect(verdict(v!, { withText: false })).toEqual(verdict(truth, { withText: false }));
      expect(v!.statements.map((x) => x.reasons)).toEqual(truth.statements.map((x) => x.reasons));
    }
    // The verdict itself is the frozen template, shared by the whole shape.
    expect(Object.isFrozen(repeated(s, SHAPE(3)))).toBe(true);
  });

  it('gives nothing for any other text, however close', () => {
    const s = primed();
    for (const probe of [
      'SELECT v FROM items WHERE id = 1234567890',
      'SELECT v FROM items WHERE id = 1.5',
      'SELECT v FROM items WHERE id = 1e5',
      'SELECT v FROM items WHERE id = -1',
      'SELECT v FROM items WHERE id = $1',
      'SELECT v FROM items WHERE id = \u0661',
      'SELECT v FROM items WHERE id = 1 ',
      'SELECT v FROM items WHERE id = 1; DELETE FROM items',
      'SELECT v FROM items WHERE id = 1 -- x',
      'SELECT v FROM items WHERE id = ',
      'SELECT v FROM items WHERE ID = 1',
      'SELECT v FROM itemz WHERE id = 1',
      'SELECT v FROM items WHERE id = 1\u0000',
      '',
    ])
      expect(repeated(s, probe), probe).toBeUndefined();
    // Bytes that are not even UTF-8.
    const bad = Buffer.from(SHAPE(1), 'latin1');
    bad[bad.length - 1] = 0xb9;
    expect(repeated(s, bad)).toBeUndefined();
  });

  it('changes nothing: the shape stays until a Query of another shape replaces it', () => {
    const s = primed();
    expect(repeated(s, SHAPE(5))).toBeDefined();
    expect(repeated(s, SHAPE(6))).toBeDefined();
    ok(s, 'SELECT 1'); // parsed (first sight): another shape, stored
    expect(repeated(s, SHAPE(5))).toBeUndefined();
    ok(s, SHAPE(8));
    expect(repeated(s, SHAPE(5))).toBeDefined();
  });

  it('gives nothing once the options differ (safe functions make a call a read)', () => {
    const safe = { safeFunctions: ['app.*'] };
    const s = started(safe);
    ok(s, 'SELECT app.f(1)');
    expect(ok(s, 'SELECT app.f(2)').class).toBe('read');
    expect(repeated(s, 'SELECT app.f(3)')?.class).toBe('read');
    s.setOptions({});
    expect(repeated(s, 'SELECT app.f(3)')).toBeUndefined();
    expect(s.query('SELECT app.f(3)').class).toBe('write');
    s.setOptions(safe);
    ok(s, 'SELECT app.f(4)');
    expect(repeated(s, 'SELECT app.f(5)')?.class).toBe('read');
  });

  it('gives nothing for a text classify() would not look up in its caches', () => {
    const s = primed();
    const saved = { ...classifierConfig() };
    try {
      for (const tuning of [{ cacheMaxBytes: 20 }, { syncMaxBytes: 20 }, { cacheSize: 0 }]) {
        configureClassifier({ ...saved, ...tuning });
        expect(repeated(s, SHAPE(3)), JSON.stringify(tuning)).toBeUndefined();
      }
    } finally {
      configureClassifier(saved);
    }
    expect(repeated(s, SHAPE(3))).toBeDefined();
  });

  it('gives nothing while the server reads text differently from the parser', () => {
    const s = primed();
    s.parameterStatus('standard_conforming_strings', 'off');
    expect(repeated(s, SHAPE(3))).toBeUndefined();
    expect(s.query(SHAPE(3)).class).toBe('forbidden');
    s.parameterStatus('standard_conforming_strings', 'on');
    expect(repeated(s, SHAPE(3))?.class).toBe('read');
  });
});

describe('queryRepeated', () => {
  // Two sessions see the same random traffic; one takes the shortcut wherever it can.
  // What every prepared statement may hold must stay the same at every step.
  it('records what query() records, whatever the batches around it', () => {
    let k = 12345;
    const rnd = (n: number) => {
      k = (k * 1103515245 + 12345) % 2 ** 31;
      return k % n;
    };
    let shortcuts = 0;
    for (let run = 0; run < 40; run++) {
      clearClassifierCache();
      const a = started();
      const b = started();
      for (let step = 0; step < 60; step++) {
        const op = rnd(9);
        const id = rnd(1000);
        const flip = rnd(2) === 1;
        for (const [s, fast] of [
          [a, false],
          [b, true],
        ] as const) {
          switch (op) {
            case 0:
            case 1:
            case 2: {
              const sql = SHAPE(id);
              const v = fast ? repeated(s, sql) : undefined;
              if (v) {
                shortcuts++;
                s.queryRepeated(v);
              } else s.query(sql);
              break;
            }
            case 3:
              s.query(flip ? 'PREPARE p AS DELETE FROM items' : 'DEALLOCATE p');
              break;
            case 4:
              s.parse('p', flip ? 'SELECT 1' : 'UPDATE items SET v = 1');
              break;
            case 5:
              s.sync();
              break;
            case 6:
            case 7:
              s.readyForQuery();
              break;
            case 8:
              s.serverError();
              break;
          }
        }
        expect(b.statementText('p'), `run ${run} step ${step}`).toBe(a.statementText('p'));
      }
      expect(b.query('EXECUTE p').class).toBe(a.query('EXECUTE p').class);
    }
    expect(shortcuts).toBeGreaterThan(100);
  });
});
