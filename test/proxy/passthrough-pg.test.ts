// node-postgres and postgres.js through the pass-through proxy, against real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import { createTestDatabase } from '../helpers/pg.js';
import { startTestProxy, viaProxy } from '../helpers/proxy.js';
import type { RunningProxy } from '../../src/proxy/server.js';

let proxy: RunningProxy;
let db: string;

beforeAll(async () => {
  db = await createTestDatabase('pass');
  proxy = await startTestProxy();
});
afterAll(async () => {
  await proxy.close();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client(viaProxy(proxy, db));
  await c.connect();
  return c;
}

describe('node-postgres through the proxy', () => {
  it('runs the simple protocol with several statements', async () => {
    const c = await client();
    try {
      const res = (await c.query(
        "CREATE TABLE t1 (id int primary key, v text); INSERT INTO t1 VALUES (1, 'a'), (2, 'b'); SELECT * FROM t1 ORDER BY id",
      )) as unknown as pg.QueryResult[];
      expect(res).toHaveLength(3);
      expect(res[2]!.rows).toEqual([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ]);
    } finally {
      await c.end();
    }
  });

  it('runs the extended protocol with named prepared statements', async () => {
    const c = await client();
    try {
      await c.query('CREATE TABLE t2 (id int, v text)');
      for (let i = 0; i < 5; i++) {
        await c.query({
          name: 'ins',
          text: 'INSERT INTO t2 VALUES ($1, $2)',
          values: [i, `v${i}`],
        });
      }
      const r = await c.query({
        name: 'sel',
        text: 'SELECT count(*)::int AS n, max(v) AS m FROM t2 WHERE id >= $1',
        values: [0],
      });
      expect(r.rows[0]).toEqual({ n: 5, m: 'v4' });
      const again = await c.query({
        name: 'sel',
        text: 'SELECT count(*)::int AS n, max(v) AS m FROM t2 WHERE id >= $1',
        values: [3],
      });
      expect(again.rows[0]).toEqual({ n: 2, m: 'v4' });
    } finally {
      await c.end();
    }
  });

  it('reports an error inside a transaction, then ROLLBACK works', async () => {
    const c = await client();
    try {
      await c.query('CREATE TABLE t3 (id int primary key)');
      await c.query('BEGIN');
      await c.query('INSERT INTO t3 VALUES (1)');
      await expect(c.query('INSERT INTO t3 VALUES (1)')).rejects.toMatchObject({ code: '23505' });
      await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      await c.query('ROLLBACK');
      const r = await c.query('SELECT count(*)::int AS n FROM t3');
      expect(r.rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  });

  it('delivers LISTEN/NOTIFY through the proxy', async () => {
    const listener = await client();
    const notifier = await client();
    try {
      await listener.query('LISTEN sluice_chan');
      const got = new Promise<pg.Notification>((resolve) => listener.on('notification', resolve));
      await notifier.query("NOTIFY sluice_chan, 'hello'");
      const n = await got;
      expect(n.channel).toBe('sluice_chan');
      expect(n.payload).toBe('hello');
    } finally {
      await listener.end();
      await notifier.end();
    }
  });

  it('relays notices and parameter status changes', async () => {
    const c = await client();
    try {
      const notices: string[] = [];
      c.on('notice', (n) => notices.push(n.message ?? ''));
      await c.query("DO $$ BEGIN RAISE NOTICE 'hi from plpgsql'; END $$");
      expect(notices).toContain('hi from plpgsql');
      await c.query("SET application_name = 'changed'");
      const r = await c.query('SHOW application_name');
      expect(r.rows[0].application_name).toBe('changed');
    } finally {
      await c.end();
    }
  });
});

describe('postgres.js through the proxy', () => {
  it('pipelines many queries in flight on one connection', async () => {
    const sql = postgres({
      ...viaProxy(proxy, db),
      username: viaProxy(proxy, db).user,
      max: 1,
      onnotice: () => {},
    });
    try {
      await sql`CREATE TABLE IF NOT EXISTS pipe (n int)`;
      const queries = Array.from(
        { length: 500 },
        (_, i) => sql`SELECT ${i}::int AS n, repeat('x', ${i % 50}) AS pad`,
      );
      const results = await Promise.all(queries);
      results.forEach((r, i) => expect(r[0]!.n).toBe(i));
      const inserts = await Promise.all(
        Array.from({ length: 200 }, (_, i) => sql`INSERT INTO pipe VALUES (${i})`),
      );
      expect(inserts).toHaveLength(200);
      const rows = await sql`SELECT count(*)::int AS count FROM pipe`;
      expect(rows[0]!.count).toBe(200);
    } finally {
      await sql.end();
    }
  });
});
