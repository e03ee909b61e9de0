// Which statements wait for a loading or stale snapshot (touchesUserObjects) and which
// make it stale once run (mayChangeCatalog), on the classifier's real output.
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, initClassifier } from '../../src/sql/classify.js';
import { touchesUserObjects } from '../../src/catalog/touches-user-objects.js';
import { createsSessionObjects, mayChangeCatalog } from '../../src/catalog/may-change-catalog.js';

beforeAll(async () => {
  await initClassifier();
});

describe('touchesUserObjects', () => {
  it.each([
    'BEGIN',
    'COMMIT',
    'ROLLBACK',
    'SET work_mem = 65536',
    'SHOW search_path',
    'DISCARD ALL',
    'SELECT 1',
    "SELECT 'x'",
    'SELECT relname FROM pg_catalog.pg_class',
  ])('no: %s', (sql) => {
    expect(touchesUserObjects(classify(sql))).toBe(false);
  });

  it.each([
    'SELECT * FROM v',
    'SELECT * FROM public.t WHERE id = 1',
    'SELECT f(1)',
    'SELECT now()', // a user function in the search_path may shadow a built-in name
    'SELECT 5::d_evil',
    "SELECT d_evil '5'",
    'SELECT 1 + 1', // operators resolve against the catalog too
    'SELECT t.f FROM t',
    'BEGIN; SELECT * FROM v; COMMIT',
    'DELETE FROM t',
  ])('yes: %s', (sql) => {
    expect(touchesUserObjects(classify(sql))).toBe(true);
  });
});

describe('mayChangeCatalog', () => {
  it.each([
    'CREATE OR REPLACE VIEW v AS SELECT 1',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$SELECT 1$$',
    'ALTER TABLE t ADD COLUMN c int',
    'DROP VIEW v',
    'CREATE TABLE t2 AS SELECT 1',
    'SELECT 1 INTO t3',
    "DO $$ BEGIN EXECUTE 'CREATE VIEW w AS SELECT 1'; END $$",
    'CALL p()',
    'SELECT my_ddl_function()',
    // Any call off the allowlist, built-in writers included: a false "yes" costs one
    // change check, a false "no" a stale snapshot until the periodic one.
    "SELECT nextval('s')",
    'INSERT INTO t VALUES (1); CREATE VIEW w AS SELECT 1',
  ])('yes: %s', (sql) => {
    expect(mayChangeCatalog(classify(sql))).toBe(true);
  });

  it.each([
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1 WHERE id = 2',
    'DELETE FROM t WHERE id = 1',
    'SELECT * FROM t',
  ])('no: %s', (sql) => {
    expect(mayChangeCatalog(classify(sql))).toBe(false);
  });
});

describe('createsSessionObjects', () => {
  it.each([
    "CREATE TEMP VIEW tv AS SELECT nextval('s')",
    'CREATE TEMPORARY VIEW tv AS SELECT 1',
    'CREATE OR REPLACE TEMP VIEW tv AS SELECT 1',
    'CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS $$SELECT 1$$',
    'CREATE DOMAIN pg_temp.d AS int CHECK (VALUE > 0)',
    'CREATE TEMP SEQUENCE ts',
  ])('yes: %s', (sql) => {
    expect(createsSessionObjects(classify(sql))).toBe(true);
  });

  it.each([
    'CREATE TEMP TABLE tt (id int)',
    'CREATE TEMPORARY TABLE tt AS SELECT 1 AS id',
    'CREATE GLOBAL TEMP TABLE tt (id int)',
    'SELECT 1 AS id INTO TEMP tt',
    'CREATE VIEW v AS SELECT 1',
    'CREATE TABLE temp_data (id int)',
    'INSERT INTO t VALUES (1)',
  ])('no: %s', (sql) => {
    expect(createsSessionObjects(classify(sql))).toBe(false);
  });
});
