// What pg_dump, pg_dumpall, pgJDBC metadata and PostgREST-style introspection send, and
// the look-alikes that must stay refused or held. Statements classed read are also run
// in a READ ONLY transaction on the real server: PostgreSQL agrees they do not write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { classify, initClassifier } from '../../src/sql/classify.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { policyFrom, session } from '../policy/helpers.js';
import { adminClient, createTestDatabase } from '../helpers/pg.js';
import { classOf, only } from './helpers/classify-helpers.js';

let client: pg.Client;

beforeAll(async () => {
  await initClassifier();
  const db = await createTestDatabase('rotools');
  client = await adminClient(db);
  await client.query('CREATE TABLE t (id int PRIMARY KEY, a text)');
  await client.query("SELECT lo_from_bytea(4242, 'large object bytes')");
});
afterAll(() => client.end());

/** Runs `sql` inside BEGIN READ ONLY ... ROLLBACK: throws if PostgreSQL calls it a write. */
async function runReadOnly(sql: string): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(sql);
  } finally {
    await client.query('ROLLBACK');
  }
}

const PG_DUMP_SETTING =
  "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'";

describe('statements read-only tools send', () => {
  it.each([
    'LOCK TABLE public.t IN ACCESS SHARE MODE',
    'LOCK TABLE public.t IN ACCESS SHARE MODE NOWAIT',
    'LOCK TABLE ONLY t, pg_class IN ACCESS SHARE MODE',
    'SELECT pg_catalog.pg_export_snapshot()',
    'SELECT lo_get(4242)',
    'SELECT pg_catalog.lo_get(4242, 0, 5)',
    'SELECT information_schema._pg_expandarray(ARRAY[1, 2])',
    "SELECT information_schema._pg_char_max_length(25, 14), information_schema._pg_truetypid(a, t) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 't'::regclass",
    "SELECT information_schema._pg_numeric_precision(23, -1), information_schema._pg_numeric_precision_radix(23, -1), information_schema._pg_numeric_scale(1700, 655366), information_schema._pg_datetime_precision(1184, -1), information_schema._pg_interval_type(1186, -1), information_schema._pg_char_octet_length(25, -1), information_schema._pg_truetypmod(a, t) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 't'::regclass",
    "SELECT (information_schema._pg_expandarray(i.indkey)).n FROM pg_catalog.pg_index i WHERE i.indrelid = 't'::regclass",
    "SELECT information_schema._pg_index_position(i.indexrelid, 1::int2) FROM pg_index i WHERE i.indrelid = 't'::regclass",
  ])('%s is a read, and PostgreSQL runs it read-only', async (sql) => {
    expect(classOf(sql)).toBe('read');
    await runReadOnly(sql);
  });

  it('pg_dump’s restrict_nonsystem_relation_kind query is a session statement judged by its pinned name', async () => {
    const s = only(PG_DUMP_SETTING);
    expect(s.class).toBe('session');
    expect(s.reasons.join(' ')).toMatch(/set_config\('restrict_nonsystem_relation_kind'/);
    expect(s.relations).toEqual([
      { schema: 'pg_catalog', name: 'pg_settings', qualified: false, access: 'read' },
    ]);
    for (const sql of [
      "SELECT pg_catalog.set_config(s.name, 'x', false) FROM pg_catalog.pg_settings AS s WHERE s.name = 'application_name' AND s.context <> 'internal'",
      "SELECT set_config(name, 'x', true) FROM pg_settings WHERE 'application_name' = name",
    ])
      expect(classOf(sql), sql).toBe('session');
  });

  it('SET TRANSACTION SNAPSHOT is a session statement', () => {
    expect(classOf("SET TRANSACTION SNAPSHOT '00000003-0000001B-1'")).toBe('session');
  });

  it('pg_export_snapshot works in a read-only transaction', async () => {
    await runReadOnly('SELECT pg_catalog.pg_export_snapshot()');
  });
});

describe('look-alikes stay refused or held', () => {
  it.each([
    // pinned to a refused name
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'role'",
    "SELECT set_config(name, 'off', false) FROM pg_catalog.pg_settings WHERE name = 'default_transaction_read_only'",
    // names that cannot be pinned
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'a' OR name = 'role'",
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name LIKE 'rol%'",
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE setting = 'a'",
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'a' AND name = 'b'",
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'role  '",
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 1",
    "SELECT set_config(name, 'x', false) FROM pg_settings",
    "SELECT set_config(name, 'x', false) FROM app.pg_settings WHERE name = 'a'",
    "SELECT set_config(name, 'x', false) FROM pg_settings, t WHERE name = 'a'",
    "SELECT set_config(name, 'x', false) FROM pg_settings s WHERE s.name = 'a' AND s.name <> s.setting AND name = 'a' OR true",
    "SELECT set_config(setting, 'x', false) FROM pg_settings WHERE name = 'a'",
    "SELECT set_config(other.name, 'x', false) FROM pg_settings WHERE name = 'a'",
    "SELECT set_config(lower(name), 'x', false) FROM pg_settings WHERE name = 'a'",
    "WITH pg_settings AS (SELECT 'role'::char(8) AS name) SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'a'",
    "SELECT (SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'a')",
    "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'a' UNION SELECT set_config(name, 'x', false) FROM pg_settings",
  ])('%s is forbidden', (sql) => {
    expect(classOf(sql)).toBe('forbidden');
  });

  it.each([
    'LOCK t',
    'LOCK TABLE t IN ROW SHARE MODE',
    'LOCK TABLE t IN ROW EXCLUSIVE MODE',
    'LOCK TABLE t IN SHARE MODE',
    'LOCK TABLE t IN EXCLUSIVE MODE',
    'LOCK TABLE t IN ACCESS EXCLUSIVE MODE NOWAIT',
    "SELECT lo_put(4242, 0, 'x')",
    'SELECT lo_unlink(4242)',
    'SELECT lo_create(0)',
    'SELECT lo_open(4242, 262144)',
    'SELECT app.lo_get(4242)',
    'SELECT txid_current()',
    'SELECT pg_current_xact_id()',
    'SELECT _pg_expandarray(ARRAY[1])',
    'SELECT public._pg_expandarray(ARRAY[1])',
  ])('%s is a write', (sql) => {
    expect(classOf(sql)).toBe('write');
  });

  it('lo_import (server file) stays forbidden', () => {
    expect(classOf("SELECT lo_import('/etc/passwd')")).toBe('forbidden');
  });

  it('PostgreSQL itself refuses lo_put in a read-only transaction (but not LOCK, in any mode)', async () => {
    const code = (sql: string) =>
      runReadOnly(sql).then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
    expect(await code("SELECT lo_put(4242, 0, 'x')")).toBe('25006');
    // Read-only mode is no guide for LOCK: every mode passes it, so the rule is the mode.
    expect(await code('LOCK TABLE t IN ACCESS EXCLUSIVE MODE')).toBeUndefined();
  });
});

describe('catalog relations are named by their true schema', () => {
  it('unqualified catalog tables and views resolve to pg_catalog', () => {
    const s = only(
      'SELECT * FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid, pg_settings, t, pg_temp.pg_class',
    );
    expect(s.relations.map((r) => `${r.schema}.${r.name}:${r.qualified}`)).toEqual([
      'pg_catalog.pg_class:false',
      'pg_catalog.pg_attribute:false',
      'pg_catalog.pg_settings:false',
      'public.t:false',
      'pg_temp.pg_class:true',
    ]);
  });

  it('an unknown name stays public, and a relation being created goes to the creation schema', () => {
    expect(only('SELECT * FROM pg_nonexistent').relations[0]!.schema).toBe('public');
    expect(only('CREATE TABLE pg_class (a int)').relations[0]!.schema).toBe('public');
    expect(only('CREATE VIEW pg_roles AS SELECT 1').relations[0]!.schema).toBe('public');
    expect(only('CREATE TEMP TABLE pg_class (a int)').relations[0]!.schema).toBe('pg_temp');
    expect(only('INSERT INTO pg_class VALUES (1)').relations[0]!.schema).toBe('pg_catalog');
    expect(only('DROP TABLE pg_class').relations[0]!.schema).toBe('pg_catalog');
  });
});

describe('tables: rules see the catalog schema', () => {
  it('an unqualified catalog view matches pg_catalog.*, not public.*', () => {
    const p = policyFrom({
      'a.yml': `
rules:
  - name: public-reads
    match: { class: read, tables: 'public.*' }
    action: deny
  - name: catalog-reads
    match: { class: read, tables: 'pg_catalog.*' }
    action: allow
`,
    });
    const d = evaluate(p, session(), classify('SELECT name, setting FROM pg_settings'));
    expect({ action: d.action, rule: d.rule.id }).toEqual({
      action: 'allow',
      rule: 'policies/a.yml#catalog-reads',
    });
    const t = evaluate(p, session(), classify('SELECT * FROM t'));
    expect(t.rule.id).toBe('policies/a.yml#public-reads');
  });
});
