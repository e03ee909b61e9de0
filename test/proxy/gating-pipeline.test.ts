// Pipelines and Flush through the gate: reads ahead of a held write are answered at
// once, the write and everything after it wait in order, and a client that sends Flush
// and waits is never deadlocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { viaProxy } from '../helpers/proxy.js';
import { errorFields } from '../helpers/raw-client.js';
import {
  codes,
  gatingFixture,
  msg,
  readUntil,
  silentFor,
  tag,
  type GatingFixture,
} from './gating-fixtures.js';

let fx: GatingFixture;

beforeAll(async () => {
  fx = await gatingFixture('pipe');
});
afterAll(() => fx.close());

describe('pipelines with one write among reads', () => {
  it('postgres.js pipelining on one connection: reads before the write return at once, the rest after approval, in order', async () => {
    await fx.reset();
    const sql = postgres({
      ...viaProxy(fx.g.proxy, fx.db),
      username: viaProxy(fx.g.proxy, fx.db).user,
      max: 1,
      onnotice: () => {},
    });
    try {
      await sql`SELECT 1`; // connected, so the next queries share one pipeline
      const order: string[] = [];
      const track = <T>(name: string, p: Promise<T>) => p.then((v) => (order.push(name), v));
      const r1 = track('r1', sql`SELECT count(*)::int AS n FROM items`.execute());
      const r2 = track('r2', sql`SELECT ${2}::int AS n`.execute());
      const w = track('w', sql`DELETE FROM items WHERE id <= ${4}`.execute());
      const r3 = track('r3', sql`SELECT count(*)::int AS n FROM items`.execute());
      const r4 = track('r4', sql`SELECT ${4}::int AS n`.execute());
      expect((await r1)[0]!.n).toBe(10);
      expect((await r2)[0]!.n).toBe(2);
      const req = await fx.next();
      expect(req.sql).toBe('DELETE FROM items WHERE id <= $1');
      expect(req.params.map((p) => p.value)).toEqual(['4']);
      // Held: nothing after it has been answered.
      await new Promise((r) => setTimeout(r, 150));
      expect(order).toEqual(['r1', 'r2']);
      expect(await fx.count()).toBe(10);
      await fx.approve(req.id);
      expect((await w).count).toBe(4);
      // The read after the write sees the write: it ran after it, on the same connection.
      expect((await r3)[0]!.n).toBe(6);
      expect((await r4)[0]!.n).toBe(4);
      expect(order).toEqual(['r1', 'r2', 'w', 'r3', 'r4']);
    } finally {
      await sql.end();
    }
  });

  it('node-postgres with queued queries: the read before is answered, the read after waits for the verdict', async () => {
    await fx.reset();
    const c = await fx.client();
    const order: string[] = [];
    const r1 = c.query('SELECT count(*)::int AS n FROM items').then((r) => (order.push('r1'), r));
    const w = c
      .query('UPDATE items SET v = $1 WHERE id = $2', ['new', 3])
      .then((r) => (order.push('w'), r));
    const r2 = c.query('SELECT v FROM items WHERE id = 3').then((r) => (order.push('r2'), r));
    expect((await r1).rows[0].n).toBe(10);
    const req = await fx.next();
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(['r1']);
    await fx.approve(req.id);
    expect((await w).rowCount).toBe(1);
    expect((await r2).rows[0].v).toBe('new');
    expect(order).toEqual(['r1', 'w', 'r2']);
    await c.end();
  });

  it('raw P/B/E P/B/E P/B/E S with the write second: the first read is answered while the write is held', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(
      Buffer.concat([
        msg.parse('', 'SELECT count(*)::int FROM items'),
        msg.bind('', ''),
        msg.execute(''),
        msg.parse('', 'DELETE FROM items WHERE id > $1'),
        msg.bind('', '', ['7']),
        msg.execute(''),
        msg.parse('', 'SELECT count(*)::int FROM items'),
        msg.bind('', ''),
        msg.execute(''),
        msg.sync(),
      ]),
    );
    const req = await fx.next();
    expect(req.sql).toBe('DELETE FROM items WHERE id > $1');
    // The first read's complete answer, and the write's Parse/Bind, arrive without waiting.
    const early = await readUntil(c, 'C');
    expect(codes(early).filter((x) => x !== 'N')).toEqual(['1', '2', 'D', 'C']);
    expect(early.find((m) => m.code === 'D')!.body.toString('utf8', 6)).toBe('10');
    const more = await silentFor(c, 200);
    expect(codes(more)).toEqual(['1', '2']);
    expect(await fx.count()).toBe(10);
    await fx.approve(req.id);
    const rest = (await readUntil(c, 'Z')).filter((m) => m.code !== 'N');
    expect(codes(rest)).toEqual(['C', '1', '2', 'D', 'C', 'Z']);
    expect(tag(rest[0]!)).toBe('DELETE 3');
    expect(rest[3]!.body.toString('utf8', 6)).toBe('7');
    expect(await fx.count()).toBe(7);
    c.end();
  });

  it('raw batch denied: the write fails, the statements after it are skipped by the server, the connection works', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(
      Buffer.concat([
        msg.parse('', 'SELECT 1'),
        msg.bind('', ''),
        msg.execute(''),
        msg.parse('', 'DELETE FROM items'),
        msg.bind('', ''),
        msg.execute(''),
        msg.parse('', 'SELECT 3'),
        msg.bind('', ''),
        msg.execute(''),
        msg.sync(),
      ]),
    );
    const req = await fx.next();
    await readUntil(c, 'C');
    await fx.deny(req.id, 'too broad');
    const rest = (await readUntil(c, 'Z')).filter((m) => m.code !== 'N');
    expect(codes(rest)).toEqual(['1', '2', 'E', 'Z']);
    const err = errorFields(rest[2]!.body);
    expect(err.C).toBe('42501');
    expect(err.M).toContain('denied by dba: too broad');
    expect(await fx.count()).toBe(10);
    c.write(msg.query('SELECT 1'));
    expect(codes(await c.untilReady())).toEqual(['T', 'D', 'C', 'Z']);
    c.end();
  });
});

describe('outcome of a released statement', () => {
  it('is its own, even when approved while an earlier pipelined query is still running', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(
      Buffer.concat([
        msg.query('SELECT count(*) FROM generate_series(1, 5000000)'),
        msg.query('DELETE FROM items WHERE id <= 2'),
      ]),
    );
    const req = await fx.next();
    await fx.approve(req.id); // the count is still running
    const all = (await readUntil(c, 'Z'))
      .concat(await readUntil(c, 'Z'))
      .filter((m) => m.code !== 'N');
    expect(codes(all)).toEqual(['T', 'D', 'C', 'Z', 'C', 'Z']);
    expect(tag(all[4]!)).toBe('DELETE 2');
    await expect
      .poll(async () => (await fx.g.approvals.broker.get(req.id))?.outcome)
      .toMatchObject({ ok: true, commandTag: 'DELETE 2', rows: 2 });
    c.end();
  });
});

describe('Flush', () => {
  it('Parse/Bind/Describe/Flush are answered at once; the write Execute is held; after approval the client gets its result', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(
      Buffer.concat([
        msg.parse('', 'DELETE FROM items WHERE id = $1 RETURNING v'),
        msg.bind('', '', ['2']),
        msg.describePortal(''),
        msg.flush(),
      ]),
    );
    // Exactly what a driver waits for before it sends Execute.
    expect(codes(await readUntil(c, 'T'))).toEqual(['1', '2', 'T']);
    c.write(Buffer.concat([msg.execute(''), msg.sync()]));
    const req = await fx.next();
    expect(req.params.map((p) => p.value)).toEqual(['2']);
    expect(await silentFor(c, 150)).toEqual([]);
    await fx.approve(req.id);
    const rest = (await readUntil(c, 'Z')).filter((m) => m.code !== 'N');
    expect(codes(rest)).toEqual(['D', 'C', 'Z']);
    expect(tag(rest[1]!)).toBe('DELETE 1');
    expect(await fx.count()).toBe(9);
    c.end();
  });

  it('Execute then Flush, waiting for the result before Sync: answered after approval (no deadlock)', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(
      Buffer.concat([
        msg.parse('', 'UPDATE items SET v = $1 WHERE id = 1'),
        msg.bind('', '', ['flushed']),
        msg.execute(''),
        msg.flush(),
      ]),
    );
    const req = await fx.next();
    // Parse and Bind are answered before the verdict; the held Execute is not. (The
    // hold's NoticeResponse may come before or after them.)
    expect(codes(await readUntil(c, '2')).filter((x) => x !== 'N')).toEqual(['1', '2']);
    await fx.approve(req.id);
    const done = (await readUntil(c, 'C')).filter((m) => m.code !== 'N');
    expect(tag(done.at(-1)!)).toBe('UPDATE 1');
    c.write(msg.sync());
    expect(codes(await readUntil(c, 'Z'))).toEqual(['Z']);
    expect((await fx.admin.query('SELECT v FROM items WHERE id = 1')).rows[0].v).toBe('flushed');
    c.end();
  });

  it('Execute then Flush, denied: the client gets the 42501 before it sends Sync', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(
      Buffer.concat([
        msg.parse('', 'DELETE FROM items'),
        msg.bind('', ''),
        msg.execute(''),
        msg.flush(),
      ]),
    );
    const req = await fx.next();
    await fx.deny(req.id, 'nope');
    const got = (await readUntil(c, 'E')).filter((m) => m.code !== 'N');
    expect(codes(got)).toEqual(['1', '2', 'E']);
    expect(errorFields(got[2]!.body).C).toBe('42501');
    c.write(msg.sync());
    expect(codes(await readUntil(c, 'Z'))).toEqual(['Z']);
    expect(await fx.count()).toBe(10);
    c.end();
  });
});
