// The classifier with the catalog, against real PostgreSQL: each blind spot of the static
// rules (docs/classification.md) in a writing variant, held, and a harmless variant, read.
// Every labelled statement is also run in a READ ONLY transaction: PostgreSQL's own
// verdict (25006: it writes) must agree with the judged class.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomBytes } from 'node:crypto';
import { loadCatalog } from '../../src/catalog/catalog-loader.js';
import type { CatalogSnapshot } from '../../src/catalog/catalog-types.js';
import { judgeWithCatalog } from '../../src/sql/catalog-judge.js';
import { classify, initClassifier } from '../../src/sql/classify.js';
import type { Classification, ClassifierOptions } from '../../src/sql/types.js';
import { adminClient, createTestDatabase } from '../helpers/pg.js';

/** A role without superuser: row-level security applies to it. */
const role = `judge_${randomBytes(4).toString('hex')}`;

const HARM = `
  CREATE SEQUENCE s;
  CREATE TABLE log (n int);
  CREATE TABLE t (a int);
  INSERT INTO t VALUES (1);
  CREATE FUNCTION bump() RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''s'')';
  CREATE FUNCTION bump_pl() RETURNS int LANGUAGE plpgsql AS
    'BEGIN INSERT INTO log VALUES (1); RETURN 1; END';
  CREATE FUNCTION calls_pl() RETURNS int LANGUAGE sql AS 'SELECT bump_pl()';
  CREATE VIEW v_evil AS SELECT bump() AS n;
  CREATE VIEW v_evil2 AS SELECT * FROM v_evil;
  CREATE FUNCTION check_bump(int) RETURNS boolean LANGUAGE sql AS 'SELECT nextval(''s'') > 0';
  CREATE DOMAIN d_evil AS int CHECK (check_bump(VALUE));
  CREATE FUNCTION f(t) RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''s'')';
  CREATE FUNCTION evil_plus(text, text) RETURNS text LANGUAGE sql AS 'SELECT nextval(''s'')::text';
  CREATE OPERATOR + (leftarg = text, rightarg = text, function = evil_plus);
  CREATE FUNCTION public.lower(int) RETURNS text LANGUAGE sql AS 'SELECT nextval(''s'')::text';
  CREATE FUNCTION takes_evil(d_evil) RETURNS int LANGUAGE sql AS 'SELECT $1 + 1';
  CREATE FUNCTION gives_evil() RETURNS d_evil LANGUAGE sql AS 'SELECT 5';
  CREATE FUNCTION with_default(x bigint DEFAULT nextval('s')) RETURNS bigint LANGUAGE sql
    AS 'SELECT x';
  CREATE FUNCTION atomic_bump() RETURNS bigint LANGUAGE sql
    BEGIN ATOMIC SELECT 1; SELECT nextval('s'); END;
  CREATE TABLE secret (a int);
  INSERT INTO secret VALUES (1);
  ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
  CREATE POLICY p ON secret USING (check_bump(a));
  GRANT SELECT ON secret TO ${role};
  GRANT USAGE ON SEQUENCE s TO ${role};
`;

const CALM = `
  CREATE TABLE t (a int);
  INSERT INTO t VALUES (1);
  CREATE TYPE mood AS ENUM ('ok', 'meh');
  CREATE DOMAIN posint AS int CHECK (VALUE > 0);
  CREATE VIEW v_calm AS SELECT a FROM t;
  CREATE FUNCTION get_a(int) RETURNS int LANGUAGE sql STABLE AS 'SELECT a FROM t WHERE a = $1';
  CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql RETURN x * 2;
  CREATE FUNCTION atomic_read(int) RETURNS int LANGUAGE sql
    BEGIN ATOMIC SELECT a FROM t WHERE a = $1; END;
  CREATE FUNCTION add_ints(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
  CREATE OPERATOR ### (leftarg = int, rightarg = int, function = add_ints);
  CREATE FUNCTION calm_f(t) RETURNS int LANGUAGE sql AS 'SELECT $1.a * 2';
  CREATE FUNCTION pl_read() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';
  CREATE FUNCTION definer_read() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
  CREATE TABLE open_rows (a int);
  INSERT INTO open_rows VALUES (1);
  ALTER TABLE open_rows ENABLE ROW LEVEL SECURITY;
  CREATE POLICY p ON open_rows USING (a > 0);
  GRANT SELECT ON open_rows TO ${role};
`;

/** A cast runs its function: kept apart, since casts are judged by their context too. */
const CASTS = `
  CREATE TABLE log (n int);
  CREATE TYPE wrapped AS ENUM ('a');
  CREATE FUNCTION to_wrapped(int) RETURNS wrapped LANGUAGE plpgsql AS
    'BEGIN INSERT INTO log VALUES ($1); RETURN ''a''; END';
  CREATE CAST (int AS wrapped) WITH FUNCTION to_wrapped(int);
`;

interface Db {
  client: pg.Client;
  snapshot: CatalogSnapshot;
}
const dbs: Record<'harm' | 'calm' | 'casts', Db> = {} as never;
let admin: pg.Client;

async function setUp(sql: string): Promise<Db> {
  const client = await adminClient(await createTestDatabase('judge'));
  await client.query(sql);
  return { client, snapshot: await loadCatalog(client) };
}

beforeAll(async () => {
  await initClassifier();
  admin = await adminClient();
  await admin.query(`CREATE ROLE ${role}`);
  dbs.harm = await setUp(HARM);
  dbs.calm = await setUp(CALM);
  dbs.casts = await setUp(CASTS);
});

afterAll(async () => {
  for (const db of Object.values(dbs)) {
    await db.client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
    await db.client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
    await db.client.end();
  }
  await admin.query(`DROP ROLE ${role}`);
  await admin.end();
});

function judged(db: Db, sql: string, opts?: ClassifierOptions): Classification {
  return judgeWithCatalog(classify(sql, opts), db.snapshot, opts);
}

/** PostgreSQL's label: 'write' when a READ ONLY transaction refuses it (25006). */
async function label(db: Db, sql: string, asRole = false): Promise<'read' | 'write'> {
  await db.client.query('BEGIN READ ONLY');
  try {
    if (asRole) await db.client.query(`SET LOCAL ROLE ${role}`);
    await db.client.query(sql);
    return 'read';
  } catch (err) {
    if ((err as { code?: string }).code === '25006') return 'write';
    throw err;
  } finally {
    await db.client.query('ROLLBACK');
  }
}

type Case = [
  db: keyof typeof dbs,
  sql: string,
  expected: 'read' | 'write',
  why: string,
  role?: boolean,
];

const BLIND_SPOTS: Case[] = [
  ['harm', 'SELECT * FROM v_evil', 'write', 'view public.v_evil'],
  ['harm', 'SELECT * FROM v_evil2', 'write', 'view public.v_evil2: view public.v_evil'],
  ['harm', 'SELECT 5::d_evil', 'write', 'domain public.d_evil CHECK'],
  ['harm', 'SELECT t.f FROM t', 'write', 't.f may call public.f()'],
  ['harm', 'SELECT x.f FROM t AS x', 'write', 'x.f may call public.f()'],
  ['harm', "SELECT 'a'::text + 'b'::text", 'write', 'operator public.+'],
  ['harm', 'SELECT lower(5)', 'write', 'public.lower()'],
  ['harm', 'SELECT * FROM secret', 'write', 'policy p on public.secret', true],
  ['harm', 'SELECT calls_pl()', 'write', 'public.bump_pl() is written in plpgsql'],
  ['harm', 'SELECT takes_evil(5)', 'write', 'argument of public.takes_evil()'],
  ['harm', 'SELECT gives_evil()', 'write', 'result of public.gives_evil()'],
  ['harm', 'SELECT with_default()', 'write', 'public.with_default()'],
  ['harm', 'SELECT atomic_bump()', 'write', 'public.atomic_bump(): nextval() advances a sequence'],
  ['casts', 'SELECT 7::wrapped', 'write', 'cast pg_catalog.int4 -> public.wrapped'],
  ['casts', 'SELECT CAST(7 AS wrapped)', 'write', 'cast pg_catalog.int4 -> public.wrapped'],
  ['calm', "SELECT 'ok'::mood", 'read', ''],
  ['calm', 'SELECT 5::posint', 'read', ''],
  ['calm', 'SELECT * FROM v_calm', 'read', ''],
  ['calm', 'SELECT get_a(1)', 'read', 'public.get_a() is a SQL function whose body only reads'],
  ['calm', 'SELECT twice(2)', 'read', 'public.twice() is a SQL function whose body only reads'],
  ['calm', 'SELECT atomic_read(1)', 'read', 'public.atomic_read() is a SQL function'],
  ['calm', 'SELECT 1 ### 2', 'read', 'public.add_ints() is a SQL function whose body only reads'],
  ['calm', 'SELECT t.a, t.calm_f FROM t', 'read', ''],
  ['calm', 'SELECT * FROM open_rows', 'read', '', true],
  ['calm', "SELECT 'a' || 'b', lower('X')", 'read', ''],
];

describe('judgeWithCatalog: the blind spots, both ways, labelled by PostgreSQL', () => {
  it.each(BLIND_SPOTS)('%s: %s is a %s', async (db, sql, expected, why, asRole) => {
    const c = judged(dbs[db], sql);
    expect(c.class).toBe(expected);
    expect(await label(dbs[db], sql, asRole)).toBe(expected);
    if (why) expect(c.statements[0]!.reasons.join('\n')).toContain(why);
    expect(c.statements[0]!.flags.includes('unsafe_function')).toBe(expected === 'write');
  });
});
