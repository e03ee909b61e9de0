// judgeWithCatalog's fail-closed rules and its cheap path, on real objects: plpgsql and
// SECURITY DEFINER are never inferred, a truncated snapshot never lowers a verdict, depth
// and recursion are bounded, a statement without recorded names is a write, prepared
// statements and reused templates are judged as what they run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { loadCatalog } from '../../src/catalog/catalog-loader.js';
import type { CatalogSnapshot } from '../../src/catalog/catalog-types.js';
import { judgeWithCatalog } from '../../src/sql/catalog-judge.js';
import { ruleActionText, sqlBody } from '../../src/sql/catalog-texts.js';
import { classify, initClassifier } from '../../src/sql/classify.js';
import { SessionClassifier } from '../../src/sql/session-classifier.js';
import type { Classification, ClassifierOptions } from '../../src/sql/types.js';
import { adminClient, createTestDatabase } from '../helpers/pg.js';

const VIEWS = 12;
const SETUP = `
  CREATE SEQUENCE s;
  CREATE TABLE t (a int);
  INSERT INTO t VALUES (1);
  CREATE TABLE log (n int);
  CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
  CREATE TRIGGER keep BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION keep();
  CREATE FUNCTION bump() RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''public.s'')';
  CREATE VIEW v_evil AS SELECT bump() AS n;
  -- Maintenance runs with search_path pg_catalog: hence public.bump and public.s.
  CREATE MATERIALIZED VIEW mv AS SELECT public.bump() AS n;
  CREATE FUNCTION get_a(int) RETURNS int LANGUAGE sql STABLE AS 'SELECT a FROM t WHERE a = $1';
  CREATE FUNCTION pl_read() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';
  CREATE FUNCTION pl_cat(text, text) RETURNS text LANGUAGE plpgsql AS 'BEGIN RETURN $1 || $2; END';
  CREATE OPERATOR <+> (leftarg = text, rightarg = text, function = pl_cat);
  CREATE FUNCTION definer_read() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
  CREATE FUNCTION public.brin_summarize_range(text) RETURNS int LANGUAGE sql AS 'SELECT 1';
  SET check_function_bodies = off;
  CREATE FUNCTION rec(int) RETURNS int LANGUAGE sql AS 'SELECT rec($1 - 1)';
  RESET check_function_bodies;
  CREATE TYPE wrapped AS ENUM ('a');
  CREATE FUNCTION to_wrapped(int) RETURNS wrapped LANGUAGE plpgsql AS
    'BEGIN INSERT INTO log VALUES ($1); RETURN ''a''; END';
  CREATE CAST (int AS wrapped) WITH FUNCTION to_wrapped(int);
  CREATE FUNCTION wrapped_to_int(wrapped) RETURNS int LANGUAGE plpgsql AS
    'BEGIN INSERT INTO log VALUES (0); RETURN 0; END';
  CREATE CAST (wrapped AS int) WITH FUNCTION wrapped_to_int(wrapped);
  CREATE VIEW chain_0 AS SELECT a FROM t;
  ${Array.from({ length: VIEWS }, (_, i) => `CREATE VIEW chain_${i + 1} AS SELECT a FROM chain_${i};`).join('\n')}
`;

let client: pg.Client;
let snapshot: CatalogSnapshot;

beforeAll(async () => {
  await initClassifier();
  client = await adminClient(await createTestDatabase('judgerules'));
  await client.query(SETUP);
  snapshot = await loadCatalog(client);
});

afterAll(() => client.end());

function judged(sql: string, opts?: ClassifierOptions, snap = snapshot): Classification {
  return judgeWithCatalog(classify(sql, opts), snap, opts);
}

function reasons(c: Classification): string {
  return c.statements.flatMap((s) => s.reasons).join('\n');
}

async function pgRuns(sql: string): Promise<boolean> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(sql);
    return true;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('judgeWithCatalog rules', () => {
  it('returns the static verdict itself for a statement that reaches nothing the catalog changes', () => {
    for (const sql of ['SELECT 1', 'SELECT a FROM t WHERE a = 1', 'DELETE FROM log']) {
      const c = classify(sql);
      expect(judgeWithCatalog(c, snapshot)).toBe(c);
    }
  });

  it('tells approvers that a write fires triggers (a read never does)', () => {
    const c = judged('INSERT INTO t VALUES (2)');
    expect(c.class).toBe('write');
    expect(reasons(c)).toContain('public.t has triggers, which fire on this write');
  });

  it('keeps plpgsql a write unless policy allowlists it, then the call is a read', async () => {
    expect(judged('SELECT pl_read()').class).toBe('write');
    expect(reasons(judged('SELECT pl_read()'))).toContain('written in plpgsql');
    const opts = { safeFunctions: ['public.pl_read'] };
    expect(classify('SELECT pl_read()', opts).class).toBe('write');
    expect(judged('SELECT pl_read()', opts).class).toBe('read');
    expect(await pgRuns('SELECT pl_read()')).toBe(true);
  });

  it('keeps a plpgsql operator a write unless policy allowlists the operator', async () => {
    const sql = "SELECT 'a'::text <+> 'b'::text";
    expect(judged(sql).class).toBe('write');
    expect(judged(sql, { safeFunctions: ['operator(<+>)'] }).class).toBe('read');
    expect(judged(sql, { safeFunctions: ['operator(public.<+>)'] }).class).toBe('read');
    expect(judged(sql, { safeFunctions: ['operator(other.<+>)'] }).class).toBe('write');
    expect(await pgRuns(sql)).toBe(true);
  });

  it('never infers a SECURITY DEFINER function, though PostgreSQL runs this one read-only', async () => {
    const c = judged('SELECT definer_read()');
    expect(c.class).toBe('write');
    expect(reasons(c)).toContain('SECURITY DEFINER');
    expect(await pgRuns('SELECT definer_read()')).toBe(true);
  });

  it('lowers nothing from a truncated snapshot, but still raises', () => {
    const truncated = { ...snapshot, truncated: true };
    expect(judged('SELECT get_a(1)').class).toBe('read');
    expect(judged('SELECT get_a(1)', undefined, truncated).class).toBe('write');
    expect(judged('SELECT * FROM v_evil', undefined, truncated).class).toBe('write');
  });

  it('does not lower an unqualified call a built-in of the same name may answer', () => {
    const c = judged("SELECT brin_summarize_range('x')");
    expect(c.class).toBe('write');
    expect(judged("SELECT public.brin_summarize_range('x')").class).toBe('read');
  });

  it('bounds recursion and depth: a write, with the reason', () => {
    expect(reasons(judged('SELECT rec(3)'))).toContain('recursion');
    expect(judged('SELECT rec(3)').class).toBe('write');
    expect(judged('SELECT * FROM chain_3').class).toBe('read');
    const deep = judged(`SELECT * FROM chain_${VIEWS}`);
    expect(deep.class).toBe('write');
    expect(reasons(deep)).toContain('nested deeper than 8 levels');
  });

  it('reads a materialized view without expanding it (its query runs on REFRESH)', async () => {
    expect(judged('SELECT * FROM mv').class).toBe('read');
    expect(await pgRuns('SELECT * FROM mv')).toBe(true);
    expect(judged('REFRESH MATERIALIZED VIEW mv').class).toBe('write');
  });

  it('judges an implicit cast wherever user objects are, an explicit one only where written', async () => {
    const withContext = (context: 'explicit' | 'implicit' | undefined): CatalogSnapshot => ({
      ...snapshot,
      casts: snapshot.casts.map(({ context: _, ...c }) => (context ? { ...c, context } : c)),
    });
    expect(snapshot.casts.map((c) => c.context)).toEqual(['explicit', 'explicit']);
    expect(judged('SELECT n FROM log').class).toBe('read');
    expect(await pgRuns('SELECT n FROM log')).toBe(true);
    expect(judged('SELECT 7::wrapped').class).toBe('write');
    // Were the cast implicit (or its context unknown), any statement on user objects could run it.
    for (const ctx of ['implicit', undefined] as const) {
      const c = judged('SELECT n FROM log', undefined, withContext(ctx));
      expect(c.class).toBe('write');
      expect(reasons(c)).toContain('an implicit cast pg_catalog.int4 -> public.wrapped');
    }
  });

  it('judges a cast from a user type only where a value of that type may be around', async () => {
    expect(judged("SELECT '5'::int").class).toBe('read');
    expect(await pgRuns("SELECT '5'::int")).toBe(true);
    const c = judged("SELECT 'a'::wrapped::int");
    expect(c.class).toBe('write');
    expect(reasons(c)).toContain('cast public.wrapped -> pg_catalog.int4');
    await expect(pgRuns("SELECT 'a'::wrapped::int")).rejects.toMatchObject({ code: '25006' });
  });

  it('fails closed for a read whose names were not recorded', () => {
    const c = classify('SELECT a FROM t');
    const bare: Classification = {
      class: c.class,
      statements: c.statements.map(({ catalogRefs: _, ...s }) => s),
    };
    expect(judgeWithCatalog(bare, snapshot).class).toBe('write');
  });

  it('judges EXECUTE of a prepared statement as what it runs', () => {
    const session = new SessionClassifier();
    session.readyForQuery();
    session.query('PREPARE q AS SELECT * FROM v_evil');
    session.readyForQuery();
    const c = session.query('EXECUTE q');
    expect(c.class).toBe('read');
    expect(judgeWithCatalog(c, snapshot).class).toBe('write');
  });

  it('judges a verdict reused for another constant as that text, with its own text', () => {
    const first = judged('SELECT * FROM v_evil WHERE n = 1');
    const second = judged('SELECT * FROM v_evil WHERE n = 22');
    expect(first.class).toBe('write');
    expect(second.class).toBe('write');
    expect(second.statements[0]!.sql).toBe('SELECT * FROM v_evil WHERE n = 22');
  });

  it('cuts the SQL out of function bodies and rule definitions as the loader reads them', () => {
    expect(sqlBody('BEGIN ATOMIC\n SELECT 1;\n SELECT 2;\nEND')).toBe('\n SELECT 1;\n SELECT 2;\n');
    expect(sqlBody('RETURN (x * 2)')).toBe('SELECT  (x * 2)');
    expect(sqlBody('SELECT $1')).toBe('SELECT $1');
    expect(
      ruleActionText('CREATE RULE r AS\n    ON SELECT TO public.t DO INSTEAD  SELECT 1;'),
    ).toBe('SELECT 1');
    expect(ruleActionText('CREATE RULE r AS ON SELECT TO t DO ALSO (SELECT 1; SELECT 2)')).toBe(
      'SELECT 1; SELECT 2',
    );
    expect(ruleActionText('garbage')).toBeUndefined();
  });
});
