// The names the walker collects for the catalog (StatementInfo.catalogRefs): cheap facts
// of the text, cached with the classification, that judgeWithCatalog resolves.
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, initClassifier } from '../../src/sql/classify.js';
import type { CatalogRefs } from '../../src/sql/types.js';

beforeAll(() => initClassifier());

function refs(sql: string): CatalogRefs {
  const r = classify(sql).statements[0]!.catalogRefs;
  if (!r) throw new Error(`no catalog references for ${sql}`);
  return r;
}

describe('catalog references', () => {
  it('collects type names of casts and typed literals, arrays by their element', () => {
    expect(refs("SELECT 7::wrapped, CAST(1 AS app.d), mood 'ok', '{}'::e[]").types).toEqual([
      ['wrapped'],
      ['app', 'd'],
      ['mood'],
      ['e'],
    ]);
  });

  it('collects q.f references with the FROM aliases, and (expr).f selections', () => {
    const r = refs('SELECT x.f, s.t.g, (t).h FROM app.t AS x, u');
    expect(r.fields).toEqual([
      { qualifier: ['x'], field: 'f' },
      { qualifier: ['s', 't'], field: 'g' },
      { qualifier: [], field: 'h' },
    ]);
    expect(r.aliases).toEqual([{ alias: 'x', relation: ['app', 't'] }]);
  });

  it('collects operators, with those BETWEEN and CASE imply, and calls as written', () => {
    const r = refs(
      'SELECT CASE a WHEN 1 THEN 2 END FROM t WHERE a BETWEEN 1 AND 2 AND app.f(a) = 1',
    );
    expect(r.operators).toEqual(expect.arrayContaining([['='], ['>='], ['<=']]));
    expect(r.calls).toEqual([['app', 'f']]);
  });

  it('records the calls held only for being off the allowlist, and the class without them', () => {
    const r = refs('SELECT app.f(a), 1 ### 2 FROM t');
    expect(r.unlisted).toEqual([
      { kind: 'function', name: ['app', 'f'] },
      { kind: 'operator', name: ['###'] },
    ]);
    expect(r.withoutUnlisted).toBe('read');
    expect(refs('SELECT f(), nextval(1)').withoutUnlisted).toBe('write');
    expect(refs('SELECT f() FROM t FOR UPDATE').withoutUnlisted).toBe('write');
  });

  it('judges the operator of op ANY (subquery) like any other (a user symbol is a write)', () => {
    expect(classify('SELECT 1 WHERE 1 @#@ ANY (SELECT 1)').class).toBe('write');
    expect(classify('SELECT 1 WHERE 1 OPERATOR(app.=) ALL (SELECT 1)').class).toBe('write');
    expect(classify('SELECT 1 WHERE 1 IN (SELECT 1)').class).toBe('read');
    expect(refs('SELECT 1 WHERE 1 < ANY (SELECT 1)').operators).toEqual([['<']]);
  });
});
