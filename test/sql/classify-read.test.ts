// Rule 2, "Read": SELECT/VALUES/TABLE without DML, INTO, locking or unsafe functions;
// SHOW; EXPLAIN without ANALYZE. Each must come back 'read' and nothing stricter.
import { beforeAll, describe, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { classOf, only } from './helpers/classify-helpers.js';

beforeAll(() => initClassifier());

describe('reads', () => {
  it.each([
    'SELECT 1',
    'select * from accounts where id = $1',
    'VALUES (1, 2), (3, 4)',
    'TABLE accounts',
    'SELECT a.id, b.x FROM a JOIN b USING (id) WHERE a.y IN (SELECT y FROM c)',
    'WITH t AS (SELECT 1 AS x), u AS (SELECT x FROM t) SELECT * FROM u',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r',
    'SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4',
    'SELECT EXISTS (SELECT 1 FROM t WHERE t.a = 1)',
    "SELECT count(*), sum(x), avg(x), max(y), string_agg(z, ',') FROM t GROUP BY k HAVING count(*) > 1",
    'SELECT row_number() OVER (PARTITION BY a ORDER BY b), lag(x) OVER w FROM t WINDOW w AS (ORDER BY b)',
    "SELECT lower(name), upper(name), length(name), substring(name from 2 for 3), trim(name), position('a' in name) FROM t",
    "SELECT now(), current_date, current_timestamp, date_trunc('day', ts), extract(year from ts), ts AT TIME ZONE 'UTC' FROM t",
    'SELECT abs(-1), round(2.5), sqrt(4), power(2, 10), floor(1.5), ceil(1.5), random(), pi()',
    "SELECT data->>'a', data #> '{b,c}', jsonb_build_object('k', 1), jsonb_agg(x), to_jsonb(t), json_array_length('[1]') FROM t",
    'SELECT array_agg(x), unnest(ARRAY[1,2]), array_length(a, 1), cardinality(a), a @> ARRAY[1] FROM t',
    "SELECT '1'::int, CAST('2024-01-01' AS date), 'x'::regclass, int4in('1')",
    "SELECT current_setting('search_path'), current_user, session_user, version(), pg_backend_pid()",
    "SELECT pg_get_viewdef('v'::regclass), pg_table_is_visible(c.oid), format_type(t.oid, NULL) FROM pg_class c, pg_type t",
    'SELECT * FROM generate_series(1, 10) AS g(i)',
    'SELECT * FROM jsonb_each(\'{"a":1}\') AS e, LATERAL unnest(ARRAY[1]) u',
    'SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY[4, 5]))',
    'SELECT * FROM t TABLESAMPLE BERNOULLI (10)',
    "SELECT x FROM XMLTABLE('/r' PASSING ('<r/>'::xml) COLUMNS x int PATH 'x')",
    'SELECT CASE WHEN a > 1 THEN coalesce(b, 0) ELSE nullif(c, 0) END, greatest(a, b) FROM t',
    "SELECT currval('s'), lastval()",
    "SELECT * FROM t WHERE a LIKE 'x%' AND b ILIKE 'y' AND c SIMILAR TO 'z' AND d IS DISTINCT FROM e",
    'SELECT * FROM t ORDER BY a USING <',
    'SHOW search_path',
    'SHOW ALL',
    'EXPLAIN SELECT * FROM t',
    'EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM t',
    'EXPLAIN (ANALYZE false) DELETE FROM t',
    'EXPLAIN (ANALYZE off, BUFFERS) UPDATE t SET a = 1',
    'EXPLAIN INSERT INTO t VALUES (1)',
    'EXPLAIN CREATE TABLE t2 AS SELECT 1',
    'COPY t TO STDOUT',
    'COPY (SELECT * FROM t WHERE a > 1) TO STDOUT WITH (FORMAT csv)',
    '/* only a comment */',
    '',
  ])('%s', (sql) => {
    expect(classOf(sql)).toBe('read');
  });

  it('EXPLAIN without ANALYZE reports the inner statement’s tables as read, not written', () => {
    const s = only('EXPLAIN DELETE FROM accounts WHERE id = 1');
    expect(s.class).toBe('read');
    expect(s.relations).toEqual([
      { schema: 'public', name: 'accounts', qualified: false, access: 'read' },
    ]);
  });

  it('FOR UPDATE is a read only when the policy says so (configurable)', () => {
    expect(classOf('SELECT * FROM t FOR UPDATE', { lockingClauseIsWrite: false })).toBe('read');
    expect(only('SELECT * FROM t FOR SHARE', { lockingClauseIsWrite: false }).flags).toContain(
      'locking_clause',
    );
  });

  it('policy-allowlisted functions are reads: by name, by schema.name, by whole schema', () => {
    expect(classOf('SELECT my_fn(1)')).toBe('write');
    expect(classOf('SELECT my_fn(1)', { safeFunctions: ['my_fn'] })).toBe('read');
    expect(classOf('SELECT app.my_fn(1)', { safeFunctions: ['my_fn'] })).toBe('write');
    expect(classOf('SELECT app.my_fn(1)', { safeFunctions: ['app.my_fn'] })).toBe('read');
    expect(classOf('SELECT my_fn(1)', { safeFunctions: ['app.my_fn'] })).toBe('write');
    expect(classOf('SELECT app.a(), app.b()', { safeFunctions: ['app.*'] })).toBe('read');
    expect(classOf('SELECT other.a()', { safeFunctions: ['app.*'] })).toBe('write');
    expect(classOf('SELECT x === y FROM t', { safeFunctions: ['operator(===)'] })).toBe('read');
  });

  it('the policy cannot allowlist known writers or forbidden functions', () => {
    expect(classOf("SELECT nextval('s')", { safeFunctions: ['nextval'] })).toBe('write');
    expect(classOf("SELECT dblink('x', 'y')", { safeFunctions: ['dblink', 'public.*'] })).toBe(
      'forbidden',
    );
  });
});
