// Attempts to get a write (or worse) past the classifier as a read: comments, quoting,
// dollar quotes, escapes, nesting, smuggling. Each row: SQL and the class it must get.
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, initClassifier } from '../../src/sql/classify.js';

beforeAll(() => initClassifier());

type Row = [sql: string, expected: string];

function check(rows: Row[]): void {
  it.each(rows)('%s => %s', (sql, expected) => {
    expect(classify(sql).class).toBe(expected);
  });
}

describe('comment tricks', () => {
  check([
    ['SELECT 1 -- ; DELETE FROM t', 'read'],
    ['SELECT 1 /* ; DELETE FROM t; */', 'read'],
    ['/* SELECT */ DELETE FROM t', 'write'],
    ['SELECT 1; --\nDELETE FROM t', 'write'],
    ['SELECT 1 --\n; DELETE FROM t', 'write'],
    ['/* /* nested */ DELETE FROM t; */ SELECT 1', 'read'],
    ['/* /* nested */ */ DELETE FROM t', 'write'],
    ['/**/DELETE/**/FROM/**/t', 'write'],
    ['DEL/**/ETE FROM t', 'invalid'],
    ['SELECT 1 /* unterminated; DELETE FROM t', 'invalid'],
    ['-- DELETE FROM t', 'read'],
  ]);
});

describe('dollar quotes and string escapes', () => {
  check([
    ['SELECT $$; DELETE FROM t; $$', 'read'],
    ['SELECT $a$ $$; $a$; DELETE FROM t', 'write'],
    ['SELECT $tag$ ; $tag$ ; DELETE FROM t; SELECT $$ $tag$ $$', 'write'],
    ['SELECT $$ unterminated; DELETE FROM t', 'invalid'],
    ["SELECT E'\\\\'; DELETE FROM t; --'", 'write'],
    ["SELECT E'\\'; DELETE FROM t; --'", 'read'],
    ["SELECT 'a\\'; DELETE FROM t; --'", 'write'],
    ["SELECT 'it''s'; DELETE FROM t", 'write'],
    ["SELECT 'a;' || $$b;$$ || E'c\\x3b'", 'read'],
    ["SELECT U&'\\0041\\+000042'", 'read'],
    ["SELECT U&'d!0061t!+000061' UESCAPE '!'", 'read'],
    ["SELECT U&'wrong: \\db99'", 'invalid'],
    ['SELECT 1 AS "a;DELETE FROM t"', 'read'],
    ["DO $$ BEGIN EXECUTE 'DELETE FROM t'; END $$", 'write'],
    ['DO LANGUAGE plpgsql $body$ BEGIN PERFORM 1; END $body$', 'write'],
  ]);
});

describe('case and quoting games', () => {
  check([
    ['dElEtE fRoM t', 'write'],
    ['SELECT * FROM "delete"', 'read'],
    ['SELECT "nextval"(\'s\')', 'write'],
    ['SELECT "NEXTVAL"(\'s\')', 'write'],
    ['SELECT pg_catalog."nextval"(\'s\')', 'write'],
    ["SELECT public.nextval('s')", 'write'],
    ['SELECT U&"next\\0076al"(\'s\')', 'write'],
    ["SELECT U&\"\\0064blink\"('h', 'q')", 'forbidden'],
    ['SELECT U&"pg\\005fterminate\\005fbackend"(1)', 'forbidden'],
    ['SELECT "pg_catalog"."pg_terminate_backend"(1)', 'forbidden'],
    ["SELECT \"DBLINK\"('h', 'q')", 'write'],
    ['SeT rOlE admin', 'forbidden'],
    ['SET "role" TO admin', 'forbidden'],
    ["SELECT set_config('Role', 'admin', false)", 'forbidden'],
    ['SELECT 1 OPERATOR(pg_catalog.+) 1', 'read'],
    ['SELECT 1 OPERATOR(public.+) 1', 'write'],
    ['SELECT a <<=>> b FROM t', 'write'],
    ['EXPLAIN ("analyze") DELETE FROM t', 'write'],
    ['EXPLAIN ANALYSE DELETE FROM t', 'write'],
    ["EXPLAIN (ANALYZE 'on') DELETE FROM t", 'write'],
    ['EXPLAIN (ANALYZE yes) DELETE FROM t', 'write'],
  ]);
});

describe('multi-statement smuggling', () => {
  check([
    ['SELECT 1; DELETE FROM t', 'write'],
    ['SELECT 1;DELETE FROM t', 'write'],
    ['SELECT 1\n;\nDELETE FROM t', 'write'],
    ["SELECT 'a;'; DELETE FROM t", 'write'],
    ['SELECT 1; ; ; DELETE FROM t', 'write'],
    ['VALUES (1); TRUNCATE t', 'write'],
    ['SHOW work_mem; DROP TABLE t', 'write'],
    ['BEGIN; SELECT 1; COMMIT; DELETE FROM t', 'write'],
    ["SELECT 1; COPY t TO PROGRAM 'id'", 'forbidden'],
    ['SELECT 1; SELEC 2', 'invalid'],
  ]);
});

describe('writes hidden inside reads', () => {
  check([
    ['WITH a AS (WITH b AS (DELETE FROM t RETURNING *) SELECT * FROM b) SELECT * FROM a', 'write'],
    [
      'WITH x AS (SELECT 1) , y AS (INSERT INTO t SELECT * FROM x RETURNING *) SELECT * FROM x',
      'write',
    ],
    ['SELECT * FROM (WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d) s', 'write'],
    [
      'SELECT * FROM t WHERE id IN (WITH u AS (UPDATE t SET a = 1 RETURNING id) SELECT id FROM u)',
      'write',
    ],
    ['EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING 1) SELECT 1', 'write'],
    ['EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO t VALUES (1)', 'write'],
    ['EXPLAIN WITH d AS (DELETE FROM t RETURNING 1) SELECT 1', 'read'],
    ["EXPLAIN SELECT nextval('s')", 'write'],
    ['PREPARE p AS WITH d AS (DELETE FROM t RETURNING 1) SELECT 1', 'write'],
    ['PREPARE p AS SELECT 1 FROM t FOR UPDATE', 'write'],
    ['CREATE TABLE x AS EXECUTE p', 'write'],
    ['COPY (WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d) TO STDOUT', 'write'],
    ['COPY (INSERT INTO t VALUES (1) RETURNING *) TO STDOUT', 'write'],
    ['COPY (DELETE FROM t RETURNING *) TO STDOUT', 'write'],
    ["COPY (SELECT nextval('s')) TO STDOUT", 'write'],
    ["SELECT * FROM t WHERE EXISTS (SELECT nextval('s'))", 'write'],
    ["SELECT (SELECT setval('s', 1))", 'write'],
    ["SELECT ARRAY(SELECT nextval('s'))", 'write'],
    ["SELECT 1 LIMIT nextval('s')", 'write'],
    ["SELECT * FROM t ORDER BY nextval('s')", 'write'],
    ["SELECT a FROM t GROUP BY a HAVING max(nextval('s')) > 0", 'write'],
    ["SELECT count(*) FILTER (WHERE nextval('s') > 0) FROM t", 'write'],
    ["SELECT sum(x ORDER BY nextval('s')) FROM t", 'write'],
    ["SELECT row_number() OVER (ORDER BY nextval('s')) FROM t", 'write'],
    ['VALUES ((SELECT lo_create(0)))', 'write'],
    ['SELECT * FROM t JOIN LATERAL (SELECT pg_advisory_lock(1)) x ON true', 'write'],
    ['SELECT CASE WHEN false THEN pg_terminate_backend(1) END', 'forbidden'],
    ["SELECT xmlelement(name x, nextval('s'))", 'write'],
    ["SELECT JSON_OBJECT('a': nextval('s'))", 'write'],
    [
      "SELECT * FROM JSON_TABLE('[1]'::jsonb, '$[*]' COLUMNS (a int PATH '$', b int DEFAULT nextval('s') ON EMPTY))",
      'write',
    ],
    ["SELECT nextval('s')::text", 'write'],
    ["SELECT int4(nextval('s'))", 'write'],
    ["SELECT * FROM t WHERE a IN (VALUES (nextval('s')))", 'write'],
    ["SELECT * FROM t TABLESAMPLE SYSTEM (nextval('s'))", 'write'],
    ["SELECT * FROM t WHERE a = COALESCE(NULL, nextval('s'))", 'write'],
    ["SELECT * FROM t GROUP BY GROUPING SETS ((a), (nextval('s')))", 'write'],
    ['SELECT * FROM f()', 'write'],
    ['SELECT * FROM public.generate_series(1, 2)', 'write'],
    ['SELECT * FROM pg_catalog.generate_series(1, 2) WITH ORDINALITY', 'read'],
    ['SELECT * FROM ROWS FROM (generate_series(1, 2), my_srf())', 'write'],
    ['SELECT * INTO TEMP x FROM t', 'write'],
    ['SELECT * INTO UNLOGGED x FROM t', 'write'],
    ['SELECT INTO x FROM t', 'write'],
    ['SELECT * FROM t FOR UPDATE OF t NOWAIT', 'write'],
    ["SELECT set_config('role', current_user, false)", 'forbidden'],
    ['CREATE RULE r AS ON SELECT TO t DO INSTEAD SELECT 1', 'write'],
    ['CREATE RULE r AS ON INSERT TO v DO ALSO (DELETE FROM t; NOTIFY x)', 'write'],
  ]);
});

describe('pathological input never crashes the classifier', () => {
  it('deep nesting', () => {
    const c = classify(`SELECT ${'('.repeat(500)}1${')'.repeat(500)}`);
    expect(['read', 'invalid']).toContain(c.class);
    const chain = `SELECT ${Array.from({ length: 5000 }, (_, i) => i).join(' + ')}`;
    expect(['read', 'invalid']).toContain(classify(chain).class);
    const deep = `SELECT ${'ARRAY['.repeat(300)}nextval('s')${']'.repeat(300)}`;
    expect(['write', 'invalid']).toContain(classify(deep).class);
  });

  it('many statements', () => {
    const many = `${'SELECT 1;'.repeat(2000)} DELETE FROM t`;
    const c = classify(many);
    expect(c.class).toBe('write');
    expect(c.statements).toHaveLength(2001);
  });
});
