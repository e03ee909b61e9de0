// The registry's freshness machinery against a real database: first load in the
// background, waiting while loading or stale, DDL marked through Sluice, the change check
// for DDL that bypassed it, and an unreadable catalog (static rules, reported, logged once).
// The judge here is a stand-in that only knows "a view whose definition calls nextval
// writes": these tests are about when and with which snapshot it is asked, not about it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { adminClient, createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { CatalogRegistry, type CatalogJudge } from '../../src/catalog/catalog-registry.js';
import { classify, initClassifier } from '../../src/sql/classify.js';
import type { Classification } from '../../src/sql/types.js';

let db: string;
let admin: pg.Client;
const registries: CatalogRegistry[] = [];

const viewJudge: CatalogJudge = (c, catalog) => {
  const writes = c.statements.some((s) =>
    s.relations.some((r) =>
      catalog.relations.get(`${r.schema}.${r.name}`)?.viewDefinition?.includes('nextval'),
    ),
  );
  return writes ? { ...c, class: 'write' } : c;
};

function registry(opts: Partial<ConstructorParameters<typeof CatalogRegistry>[0]> = {}) {
  const r = new CatalogRegistry({
    upstreamUrl: upstreamUrl('postgres'),
    judge: viewJudge,
    checkIntervalMs: 0,
    ...opts,
  });
  registries.push(r);
  return r;
}

async function verdict(v: Classification | Promise<Classification>): Promise<string> {
  return (await v).class;
}

beforeAll(async () => {
  await initClassifier();
  db = await createTestDatabase('catreg');
  admin = await adminClient(db);
  await admin.query(`CREATE SEQUENCE s; CREATE TABLE t (id int);
    CREATE VIEW plain AS SELECT id FROM t;
    CREATE VIEW bumps AS SELECT nextval('s') AS n`);
});
afterAll(async () => {
  for (const r of registries) r.close();
  await admin.end();
});

describe('first use', () => {
  it('loads in the background; a statement naming user objects waits for it', async () => {
    const r = registry();
    expect(r.status().databases).toEqual({});
    const check = r.forDatabase(db);
    expect(r.status().databases[db]!.state).toBe('loading');
    const pending = check.judge(classify('SELECT * FROM bumps'));
    expect(pending).toBeInstanceOf(Promise);
    expect(await verdict(pending)).toBe('write');
    const st = r.status().databases[db]!;
    expect(st).toMatchObject({ state: 'ready', lastError: null, truncated: false });
    expect(st.counts).toMatchObject({ relations: 4 });
    // Ready: judged at once, without a promise.
    const plain = classify('SELECT * FROM plain');
    expect(check.judge(plain)).toBe(plain);
  });

  it('a statement that names nothing a user could define does not wait', () => {
    const r = registry();
    const check = r.forDatabase(db);
    for (const sql of ['BEGIN', 'COMMIT', 'SET work_mem = 65536', 'SHOW search_path']) {
      const c = classify(sql);
      expect(check.judge(c)).toBe(c);
    }
  });
});

describe('freshness', () => {
  it('DDL marked through Sluice: the next statement waits for the new snapshot', async () => {
    const r = registry();
    const check = r.forDatabase(db);
    await r.settle(db);
    await admin.query(`CREATE VIEW flips AS SELECT 1::bigint AS n`);
    await r.checkNow(db);
    expect(await verdict(check.judge(classify('SELECT * FROM flips')))).toBe('read');
    await admin.query(`CREATE OR REPLACE VIEW flips AS SELECT nextval('s') AS n`);
    expect(check.mayChange(classify(`CREATE OR REPLACE VIEW flips AS SELECT 2 AS n`))).toBe(true);
    expect(check.mayChange(classify(`INSERT INTO t VALUES (1)`))).toBe(false);
    check.changed();
    expect(r.status().databases[db]!.state).toBe('stale');
    const pending = check.judge(classify('SELECT * FROM flips'));
    expect(pending).toBeInstanceOf(Promise);
    expect(await verdict(pending)).toBe('write');
  });

  it('DDL that bypassed Sluice is caught by the change check', async () => {
    const r = registry();
    const check = r.forDatabase(db);
    await r.settle(db);
    await admin.query(`CREATE VIEW sneaky AS SELECT 1::bigint AS n`);
    await r.checkNow(db);
    expect(await verdict(check.judge(classify('SELECT * FROM sneaky')))).toBe('read');
    const before = r.status().databases[db]!.loadedAt;
    await admin.query(`CREATE OR REPLACE VIEW sneaky AS SELECT nextval('s') AS n`);
    // Not yet checked: the snapshot still says what it read.
    expect(await verdict(check.judge(classify('SELECT * FROM sneaky')))).toBe('read');
    await r.checkNow();
    expect(r.status().databases[db]!.state).toBe('ready');
    expect(r.status().databases[db]!.loadedAt).not.toBe(before);
    expect(await verdict(check.judge(classify('SELECT * FROM sneaky')))).toBe('write');
  });

  it('a change check that finds nothing keeps the snapshot', async () => {
    const r = registry();
    r.forDatabase(db);
    const snap = await r.settle(db);
    await r.checkNow(db);
    expect(await r.settle(db)).toBe(snap);
    expect(r.status().databases[db]!.checkedAt).not.toBeNull();
  });
});

describe('an unreadable catalog', () => {
  it('static rules, reported in status, logged once, and read again once it is back', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(s) });
    const missing = `${db}_later`;
    const r = registry({ logger });
    const check = r.forDatabase(missing);
    expect(await r.settle(missing)).toBeUndefined();
    const st = r.status().databases[missing]!;
    expect(st.state).toBe('unavailable');
    expect(st.lastError).toMatch(/does not exist/);
    const c = classify('SELECT * FROM bumps');
    expect(check.judge(c)).toBe(c); // static: no wait, no promise
    await r.checkNow(missing);
    expect(r.status().databases[missing]!.state).toBe('unavailable');
    expect(lines.filter((l) => l.includes('cannot read the catalog'))).toHaveLength(1);

    await admin.query(`CREATE DATABASE ${missing}`);
    const other = await adminClient(missing);
    await other.query(`CREATE SEQUENCE s; CREATE VIEW bumps AS SELECT nextval('s') AS n`);
    await other.end();
    await r.checkNow(missing);
    expect(r.status().databases[missing]!.state).toBe('ready');
    expect(check.judge(c)).toMatchObject({ class: 'write' });
  });

  it('unreadable after a snapshot: what that snapshot knew still holds, nothing is lowered', async () => {
    const gone = `${db}_outage`;
    await admin.query(`CREATE DATABASE ${gone}`);
    const other = await adminClient(gone);
    await other.query(`CREATE SEQUENCE s; CREATE VIEW bumps AS SELECT nextval('s') AS n`);
    await other.end();
    const r = registry();
    const check = r.forDatabase(gone);
    await r.settle(gone);
    const c = classify('SELECT * FROM bumps');
    expect(check.judge(c)).toMatchObject({ class: 'write' });
    // An outage of the side connection: the database refuses connections.
    await admin.query(`ALTER DATABASE ${gone} WITH ALLOW_CONNECTIONS false`);
    try {
      await r.checkNow(gone);
      expect(r.status().databases[gone]!.state).toBe('unavailable');
      expect(await verdict(check.judge(c))).toBe('write');
      const plain = classify('SELECT 1');
      expect(check.judge(plain)).toBe(plain);
    } finally {
      await admin.query(`ALTER DATABASE ${gone} WITH ALLOW_CONNECTIONS true`);
    }
  });

  it('a load that does not answer: the statement waits a bounded time, then is judged statically', async () => {
    // A server that accepts connections and never says a word.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const r = registry({ upstreamUrl: `postgres://u:p@127.0.0.1:${port}/x`, maxWaitMs: 50 });
      const c = classify('SELECT * FROM bumps');
      const judged = r.forDatabase(db).judge(c);
      expect(judged).toBeInstanceOf(Promise);
      expect(await judged).toBe(c);
      expect(r.status().databases[db]!.state).toBe('loading');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('a stale snapshot whose reload does not finish in time: the stricter of static and old', async () => {
    // A stand-in that also lowers: it calls a statement naming `lowered` a read.
    const judge: CatalogJudge = (c, catalog) =>
      c.statements.some((s) => s.relations.some((r) => r.name === 'lowered'))
        ? { ...c, class: 'read' }
        : viewJudge(c, catalog);
    const r = registry({ judge, maxWaitMs: 100 });
    const check = r.forDatabase(db);
    await r.settle(db);
    // The reload cannot read pg_rewrite while this transaction holds it.
    const blocker = await adminClient(db);
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE pg_catalog.pg_rewrite IN ACCESS EXCLUSIVE MODE');
      check.changed();
      const c = classify('SELECT * FROM bumps');
      const judged = check.judge(c);
      expect(judged).toBeInstanceOf(Promise);
      // The old snapshot knows the view writes: stricter than the static read.
      expect(await verdict(judged)).toBe('write');
      // What the old snapshot would lower stays at the static verdict.
      const w = classify('DELETE FROM lowered');
      expect(await check.judge(w)).toBe(w);
      expect(r.status().databases[db]!.state).toBe('stale');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await r.settle(db);
    expect(r.status().databases[db]!.state).toBe('ready');
  });

  it('a judge that throws holds the statement instead of passing it', async () => {
    const r = registry({
      judge: () => {
        throw new Error('boom');
      },
    });
    const check = r.forDatabase(db);
    await r.settle(db);
    const judged = await check.judge(classify('SELECT * FROM plain'));
    expect(judged.class).toBe('write');
    expect(judged.statements[0]!.reasons.at(-1)).toMatch(/catalog check .* failed/);
  });

  it('past the database limit: static rules for the others', async () => {
    const r = registry({ maxDatabases: 1 });
    r.forDatabase(db);
    const c = classify('SELECT * FROM bumps');
    expect(r.forDatabase('postgres').judge(c)).toBe(c);
    expect(Object.keys(r.status().databases)).toEqual([db]);
  });
});
