// The catalog loader against a real database with one object of each kind, its memory
// bound, and the change check (fingerprint) across the DDL that must move it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { adminClient, createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { catalogFingerprint, loadCatalog } from '../../src/catalog/catalog-loader.js';
import type { CatalogSnapshot } from '../../src/catalog/catalog-types.js';

let db: string;
let admin: pg.Client;
let snap: CatalogSnapshot;

const SETUP = `
CREATE SCHEMA app;
CREATE SEQUENCE app.seq;
CREATE TABLE app.t (id int PRIMARY KEY, doomed int, v text);
ALTER TABLE app.t DROP COLUMN doomed;
CREATE VIEW app.v AS SELECT id, nextval('app.seq') AS n FROM app.t;
CREATE MATERIALIZED VIEW app.mv AS SELECT id FROM app.t;
CREATE TABLE app.logged (id int);
CREATE RULE log_select AS ON INSERT TO app.logged DO ALSO NOTIFY logged;
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.t FOR SELECT USING (v = current_user) ;
CREATE POLICY ins ON app.t FOR INSERT WITH CHECK (id > 0);
CREATE TYPE app.mood AS ENUM ('sad', 'happy');
CREATE DOMAIN app.pos AS int CHECK (VALUE > 0) CHECK (VALUE < 100);
CREATE DOMAIN app.triple AS int[] CHECK (array_length(VALUE, 1) = 3);
CREATE TYPE app.pair AS (a int, b text);
CREATE FUNCTION app.bump(int) RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''app.seq'')';
CREATE FUNCTION app.atomic(x int, y int DEFAULT 2) RETURNS int LANGUAGE sql IMMUTABLE
  RETURN x + y;
CREATE FUNCTION app.pl(VARIADIC int[]) RETURNS int LANGUAGE plpgsql SECURITY DEFINER STABLE
  AS $$ BEGIN RETURN 1; END $$;
CREATE FUNCTION app.defs(a int, b text DEFAULT 'x', c bigint DEFAULT nextval('app.seq'))
  RETURNS app.pos LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION app.pair_to_int(app.pair) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE CAST (app.pair AS int) WITH FUNCTION app.pair_to_int(app.pair);
CREATE CAST (app.mood AS text) WITH INOUT;
CREATE FUNCTION app.pair_eq(app.pair, app.pair) RETURNS bool LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR app.= (LEFTARG = app.pair, RIGHTARG = app.pair, FUNCTION = app.pair_eq);
CREATE OPERATOR app.!! (RIGHTARG = int, FUNCTION = app.bump);
CREATE TYPE app.num_range AS RANGE (subtype = numeric);
`;

beforeAll(async () => {
  db = await createTestDatabase('catload');
  admin = await adminClient(db);
  await admin.query(SETUP);
  snap = await loadCatalog(upstreamUrl(db));
});
afterAll(async () => {
  await admin.end();
});

describe('loadCatalog', () => {
  it('reads the database, its search_path, and no built-in object', () => {
    expect(snap.database).toBe(db);
    expect(snap.searchPath).toEqual(['pg_catalog', 'public']);
    expect(snap.truncated).toBe(false);
    expect(snap.fingerprint).toMatch(/^\d+:-?\d+$/);
    for (const r of snap.relations.values()) expect(r.oid).toBeGreaterThanOrEqual(16384);
    expect(snap.relations.has('pg_catalog.pg_class')).toBe(false);
    expect(snap.functionsByName.has('nextval')).toBe(false);
  });

  it('relations: kind, columns without dropped ones, view definitions', () => {
    const t = snap.relations.get('app.t')!;
    expect(t.kind).toBe('table');
    expect(t.columns).toEqual(['id', 'v']);
    expect(snap.relations.get('app.seq')?.kind).toBe('sequence');
    const v = snap.relations.get('app.v')!;
    expect(v.kind).toBe('view');
    expect(v.viewDefinition).toContain('nextval');
    expect(v.rules).toEqual([]); // the view's own _RETURN rule is its definition
    expect(snap.relations.get('app.mv')?.kind).toBe('materialized_view');
    expect(snap.relations.get('app.mv')?.viewDefinition).toContain('FROM app.t');
    expect(snap.relations.get('app.pair')?.kind).toBe('composite');
  });

  it('rules and row-level security policies', () => {
    const logged = snap.relations.get('app.logged')!;
    expect(logged.rules).toHaveLength(1);
    expect(logged.rules[0]).toMatchObject({ name: 'log_select', event: 'insert' });
    expect(logged.rules[0]!.definition).toContain('NOTIFY logged');
    const t = snap.relations.get('app.t')!;
    expect(t.rowSecurity).toBe(true);
    expect(t.policies).toEqual([
      { name: 'own', command: 'select', using: '(v = CURRENT_USER)' },
      { name: 'ins', command: 'insert', check: '(id > 0)' },
    ]);
    expect(logged.rowSecurity).toBe(false);
  });

  it('types: enum, domain with its CHECKs, composite, range with its I/O functions', () => {
    expect(snap.types.get('app.mood')).toMatchObject({ kind: 'enum', checks: [] });
    const pos = snap.types.get('app.pos')!;
    expect(pos.kind).toBe('domain');
    expect(pos.baseType).toBe('pg_catalog.int4');
    expect(pos.checks).toEqual(['((VALUE > 0))', '((VALUE < 100))']);
    expect(snap.types.get('app.pair')).toMatchObject({
      kind: 'composite',
      attributeTypes: ['pg_catalog.int4', 'pg_catalog.text'],
    });
    const range = snap.types.get('app.num_range')!;
    expect(range.kind).toBe('range');
    expect(range.subtype).toBe('pg_catalog.numeric');
    expect(snap.types.get('app.num_multirange')).toMatchObject({
      kind: 'multirange',
      subtype: 'app.num_range',
    });
    expect(range.ioFunctions.length).toBeGreaterThanOrEqual(4);
    // Array types are not kept: their element type is. A domain over an array is a domain.
    expect(snap.types.has('app._mood')).toBe(false);
    expect(snap.types.get('app.triple')).toMatchObject({
      kind: 'domain',
      baseType: 'pg_catalog._int4',
      checks: ['((array_length(VALUE, 1) = 3))'],
    });
  });

  it('functions: language, body (prosrc or the decompiled SQL body), attributes', () => {
    const bump = snap.functionsByName.get('bump')![0]!;
    expect(bump).toMatchObject({
      schema: 'app',
      kind: 'function',
      language: 'sql',
      body: "SELECT nextval('app.seq')",
      volatility: 'volatile',
      securityDefiner: false,
      owner: 'postgres',
      argTypes: ['pg_catalog.int4'],
      defaults: 0,
      variadic: false,
    });
    expect(snap.functionsByOid.get(bump.oid)).toBe(bump);
    const atomic = snap.functionsByName.get('atomic')![0]!;
    expect(atomic.body).toMatch(/RETURN \(?x \+ y\)?/);
    expect(atomic).toMatchObject({
      volatility: 'immutable',
      defaults: 1,
      argDefaults: '2',
      returnType: 'pg_catalog.int4',
    });
    expect(bump.argDefaults).toBeUndefined();
    // Several defaults: one expression list, as SELECT takes it; the result type a domain.
    expect(snap.functionsByName.get('defs')![0]).toMatchObject({
      defaults: 2,
      argDefaults: "'x'::text, nextval('app.seq'::regclass)",
      returnType: 'app.pos',
    });
    expect(bump.returnType).toBe('pg_catalog.int8');
    const pl = snap.functionsByName.get('pl')![0]!;
    expect(pl).toMatchObject({
      language: 'plpgsql',
      securityDefiner: true,
      volatility: 'stable',
      variadic: true,
      argTypes: ['pg_catalog._int4'],
    });
  });

  it('casts and operators, with the functions they run', () => {
    const toInt = snap.functionsByName.get('pair_to_int')![0]!;
    expect(snap.casts).toContainEqual({
      source: 'app.pair',
      target: 'pg_catalog.int4',
      functionOid: toInt.oid,
      method: 'function',
      context: 'explicit',
    });
    expect(snap.casts).toContainEqual({
      source: 'app.mood',
      target: 'pg_catalog.text',
      method: 'inout',
      context: 'explicit',
    });
    const eq = snap.operators.get('=')!;
    expect(eq).toHaveLength(1);
    expect(eq[0]).toMatchObject({ schema: 'app', left: 'app.pair', right: 'app.pair' });
    expect(snap.functionsByOid.get(eq[0]!.functionOid)?.name).toBe('pair_eq');
    const bang = snap.operators.get('!!')![0]!;
    expect(bang.left).toBeUndefined();
    expect(bang.right).toBe('pg_catalog.int4');
  });

  it('accepts a connected client and leaves it open', async () => {
    const s = await loadCatalog(admin);
    expect(s.fingerprint).toBe(snap.fingerprint);
    expect((await admin.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });
});

describe('the memory bound', () => {
  it('more objects of a kind than allowed: the snapshot is cut and says so', async () => {
    const s = await loadCatalog(upstreamUrl(db), { maxObjects: 3 });
    expect(s.truncated).toBe(true);
    expect(s.relations.size).toBe(3);
    expect(s.functionsByOid.size).toBe(3);
  });

  it('a text over the bound is left out and the snapshot says so', async () => {
    const s = await loadCatalog(upstreamUrl(db), { maxTextBytes: 20 });
    expect(s.truncated).toBe(true);
    expect(s.relations.get('app.v')?.viewDefinition).toBeUndefined();
    // A body that cannot be kept is not kept as an empty one.
    expect(s.functionsByName.has('bump')).toBe(false);
    expect(s.functionsByName.get('pair_eq')![0]!.body).toBe('SELECT true');
  });

  it('all texts together over the bound: truncated', async () => {
    const s = await loadCatalog(upstreamUrl(db), { maxTotalBytes: 100 });
    expect(s.truncated).toBe(true);
  });
});

describe('catalogFingerprint', () => {
  const ddl: [string, string][] = [
    [
      'CREATE OR REPLACE VIEW',
      `CREATE OR REPLACE VIEW app.v AS SELECT id, 1::bigint AS n FROM app.t`,
    ],
    [
      'CREATE OR REPLACE FUNCTION',
      `CREATE OR REPLACE FUNCTION app.bump(int) RETURNS bigint LANGUAGE sql AS 'SELECT 2::bigint'`,
    ],
    ['ALTER FUNCTION', 'ALTER FUNCTION app.bump(int) SECURITY DEFINER'],
    ['ALTER TABLE ADD COLUMN', 'ALTER TABLE app.t ADD COLUMN w int'],
    ['ALTER DOMAIN ADD CONSTRAINT', 'ALTER DOMAIN app.pos ADD CONSTRAINT c3 CHECK (VALUE <> 7)'],
    ['CREATE POLICY', 'CREATE POLICY upd ON app.t FOR UPDATE USING (true)'],
    ['CREATE CAST', 'CREATE CAST (app.pair AS text) WITH INOUT'],
    ['DROP OPERATOR', 'DROP OPERATOR app.!! (NONE, int)'],
    ['CREATE RULE', 'CREATE RULE r2 AS ON DELETE TO app.logged DO INSTEAD NOTHING'],
    ['DROP MATERIALIZED VIEW', 'DROP MATERIALIZED VIEW app.mv'],
    ['CREATE SCHEMA', 'CREATE SCHEMA other'],
    ['GRANT', 'GRANT SELECT ON app.t TO PUBLIC'],
  ];

  it('is stable while nothing changes', async () => {
    expect(await catalogFingerprint(upstreamUrl(db))).toBe(await catalogFingerprint(admin));
  });

  it.each(ddl)('changes on %s', async (_name, sql) => {
    const before = await catalogFingerprint(admin);
    await admin.query(sql);
    expect(await catalogFingerprint(admin)).not.toBe(before);
  });

  it("ignores other sessions' temporary objects", async () => {
    const before = await catalogFingerprint(admin);
    const other = await adminClient(db);
    try {
      await other.query('CREATE TEMP TABLE scratch (a int)');
      await other.query('CREATE TEMP VIEW scratch_v AS SELECT a FROM scratch');
      expect(await catalogFingerprint(admin)).toBe(before);
      const s = await loadCatalog(admin);
      expect([...s.relations.keys()].some((k) => k.includes('scratch'))).toBe(false);
    } finally {
      await other.end();
    }
  });

  it('fails with the server error when the catalog cannot be read (no such database)', async () => {
    await expect(catalogFingerprint(upstreamUrl(`${db}_missing`))).rejects.toThrow(
      /does not exist/,
    );
  });
});
