// Rule 2, "Write": everything that can change data, schema, privileges or other
// sessions' view of the database must come back 'write' (never read or session).
import { beforeAll, describe, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { classOf, only } from './helpers/classify-helpers.js';

beforeAll(() => initClassifier());

describe('writes', () => {
  it.each([
    // DML, also inside a CTE and under EXPLAIN ANALYZE
    'INSERT INTO t VALUES (1)',
    'INSERT INTO t SELECT * FROM u ON CONFLICT (id) DO UPDATE SET a = excluded.a',
    'UPDATE t SET a = 1 WHERE id = 2',
    'DELETE FROM t WHERE id = 1',
    'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.a)',
    'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
    'WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT count(*) FROM u',
    'WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING t.*) SELECT 1',
    'EXPLAIN ANALYZE INSERT INTO t VALUES (1)',
    'EXPLAIN (ANALYZE) DELETE FROM t',
    'EXPLAIN (ANALYZE true, BUFFERS) UPDATE t SET a = 1',
    'EXPLAIN (ANALYZE 1) UPDATE t SET a = 1',
    'EXPLAIN ANALYZE CREATE TABLE t2 AS SELECT 1',
    // SELECT INTO and CREATE TABLE AS
    'SELECT * INTO newt FROM t',
    'CREATE TABLE t2 AS SELECT * FROM t',
    'CREATE MATERIALIZED VIEW mv AS SELECT 1',
    // locking clauses (default)
    'SELECT * FROM t FOR UPDATE',
    'SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED',
    'SELECT * FROM t FOR SHARE',
    'SELECT * FROM t FOR KEY SHARE NOWAIT',
    'SELECT * FROM (SELECT * FROM t FOR UPDATE) s',
    // every CREATE, ALTER and DROP; TRUNCATE, GRANT, REVOKE
    'CREATE TABLE t (id int)',
    'CREATE TEMP TABLE t (id int)',
    'CREATE INDEX ON t (a)',
    'CREATE INDEX CONCURRENTLY i ON t (a)',
    'CREATE VIEW v AS SELECT 1',
    'CREATE SEQUENCE s',
    'CREATE SCHEMA s',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END',
    'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()',
    'CREATE EXTENSION hstore',
    'CREATE ROLE r',
    'CREATE DATABASE d',
    "CREATE TYPE mood AS ENUM ('a')",
    'CREATE DOMAIN d AS int CHECK (VALUE > 0)',
    'CREATE POLICY p ON t USING (true)',
    'CREATE PUBLICATION p FOR ALL TABLES',
    "CREATE TABLESPACE ts LOCATION '/tmp'",
    'ALTER TABLE t ADD COLUMN b int',
    'ALTER TABLE t DROP COLUMN b',
    "ALTER ROLE r SET work_mem = '1MB'",
    "ALTER DATABASE d SET work_mem = '1MB'",
    'ALTER SEQUENCE s RESTART',
    'ALTER FUNCTION f() OWNER TO r',
    'ALTER TABLE t RENAME TO t2',
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r',
    'DROP TABLE t',
    'DROP TABLE IF EXISTS a, b CASCADE',
    'DROP FUNCTION f()',
    'DROP DATABASE d',
    'DROP ROLE r',
    'DROP OWNED BY r',
    'REASSIGN OWNED BY r TO s',
    'TRUNCATE t',
    'GRANT SELECT ON t TO r',
    'GRANT r TO s',
    'REVOKE ALL ON t FROM r',
    // maintenance and locks
    'REFRESH MATERIALIZED VIEW mv',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
    'VACUUM',
    'VACUUM FULL t',
    'ANALYZE',
    'ANALYZE t',
    'CLUSTER t USING i',
    'REINDEX TABLE t',
    'LOCK t',
    'LOCK TABLE t IN ROW SHARE MODE',
    'LOCK TABLE t IN ROW EXCLUSIVE MODE',
    'LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE',
    'LOCK TABLE t IN SHARE MODE',
    'LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE t IN EXCLUSIVE MODE',
    'LOCK TABLE t IN ACCESS EXCLUSIVE MODE NOWAIT',
    'CHECKPOINT',
    "COMMENT ON TABLE t IS 'x'",
    "SECURITY LABEL ON TABLE t IS 'x'",
    'CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING',
    'CREATE RULE r AS ON SELECT TO t DO INSTEAD SELECT 1',
    // COPY ... FROM STDIN
    'COPY t FROM STDIN',
    'COPY t (a, b) FROM STDIN WITH (FORMAT csv)',
    // DO, CALL, NOTIFY, two-phase commit
    'DO $$ BEGIN NULL; END $$',
    'CALL p()',
    'NOTIFY ch',
    "NOTIFY ch, 'payload'",
    "PREPARE TRANSACTION 'x'",
    "COMMIT PREPARED 'x'",
    "ROLLBACK PREPARED 'x'",
    // functions that may have side effects
    "SELECT nextval('s')",
    "SELECT setval('s', 1)",
    "SELECT pg_catalog.nextval('s')",
    'SELECT lo_create(0)',
    'SELECT lo_unlink(1)',
    "SELECT lo_from_bytea(0, 'x')",
    "SELECT lowrite(0, 'x')",
    "SELECT pg_notify('ch', 'x')",
    'SELECT pg_advisory_lock(1)',
    'SELECT pg_try_advisory_xact_lock(1)',
    'SELECT pg_advisory_unlock_all()',
    'SELECT txid_current()',
    'SELECT pg_current_xact_id()',
    'SELECT my_function()',
    'SELECT public.lower(x) FROM t',
    'SELECT myschema.stable_looking_fn(1)',
    "SELECT query_to_xml('delete from t returning 1', true, true, '')",
    'SELECT * FROM my_table_function()',
    'SELECT * FROM t WHERE x = ANY (SELECT my_fn())',
    'SELECT my_agg(x) FROM t',
    'SELECT * FROM t TABLESAMPLE my_method (10)',
    "VALUES (nextval('s'))",
    'SELECT x === y FROM t',
    'SELECT x OPERATOR(myschema.+) y FROM t',
    'SELECT * FROM t ORDER BY a USING ~<~~',
    'SET CONSTRAINTS ALL IMMEDIATE',
  ])('%s', (sql) => {
    expect(classOf(sql)).toBe('write');
  });

  it('flags UPDATE/DELETE without WHERE, and WHERE CURRENT OF is a WHERE', () => {
    expect(only('DELETE FROM t').flags).toContain('no_where');
    expect(only('UPDATE t SET a = 1').flags).toContain('no_where');
    expect(only('UPDATE t SET a = 1').risk).toBe('high');
    expect(only('DELETE FROM t WHERE CURRENT OF c').flags).not.toContain('no_where');
    expect(only('DELETE FROM t WHERE id = 1').risk).toBe('medium');
  });

  it('flags data-modifying CTEs, EXPLAIN ANALYZE, SELECT INTO, locking, COPY FROM STDIN, DDL, unsafe functions', () => {
    expect(only('WITH d AS (DELETE FROM t RETURNING 1) SELECT 1').flags).toEqual(
      expect.arrayContaining(['modifying_cte', 'no_where']),
    );
    expect(only('EXPLAIN ANALYZE DELETE FROM t WHERE a = 1').flags).toContain('explain_analyze');
    expect(only('SELECT 1 INTO x').flags).toContain('select_into');
    expect(only('SELECT 1 FROM t FOR UPDATE').flags).toContain('locking_clause');
    expect(only('COPY t FROM STDIN').flags).toContain('copy_from_stdin');
    expect(only('CREATE TABLE t (a int)').flags).toContain('ddl');
    expect(only('SELECT f()').flags).toContain('unsafe_function');
    expect(only("SELECT nextval('s')").reasons.join(' ')).toMatch(
      /nextval\(\) advances a sequence/,
    );
  });

  it('reports written relations with their schema, and reads separately', () => {
    const s = only(
      'INSERT INTO app.orders SELECT * FROM staging WHERE id IN (SELECT id FROM audit.ok)',
    );
    expect(s.relations).toEqual([
      { schema: 'app', name: 'orders', qualified: true, access: 'write' },
      { schema: 'public', name: 'staging', qualified: false, access: 'read' },
      { schema: 'audit', name: 'ok', qualified: true, access: 'read' },
    ]);
    expect(
      only('DROP TABLE a, s.b').relations.map((r) => `${r.schema}.${r.name}:${r.access}`),
    ).toEqual(['public.a:write', 's.b:write']);
    expect(
      only('UPDATE t SET a = 1 FROM u WHERE t.id = u.id').relations.map(
        (r) => `${r.name}:${r.access}`,
      ),
    ).toEqual(['t:write', 'u:read']);
  });

  it('risk rises with destructiveness', () => {
    expect(only('DROP TABLE t CASCADE').risk).toBe('critical');
    expect(only('DROP DATABASE d').risk).toBe('critical');
    expect(only('DROP TABLE t').risk).toBe('high');
    expect(only('TRUNCATE t').risk).toBe('high');
    expect(only('GRANT SELECT ON t TO r').risk).toBe('high');
    expect(only('ALTER TABLE t DROP COLUMN a').risk).toBe('high');
    expect(only('ALTER TABLE t ADD COLUMN a int').risk).toBe('medium');
    expect(only('INSERT INTO t VALUES (1)').risk).toBe('medium');
    expect(only("COMMENT ON TABLE t IS 'x'").risk).toBe('low');
    expect(only('SELECT 1 FROM t FOR UPDATE').risk).toBe('low');
  });
});
