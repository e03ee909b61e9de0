// Hold and release on the client's own connection, with real clients and real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { adminClient, createTestDatabase } from '../helpers/pg.js';
import { sendCancel, viaProxy } from '../helpers/proxy.js';
import { startGatedProxy, type GatedProxy } from '../helpers/gated-proxy.js';

let g: GatedProxy;
let db: string;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('gate');
  admin = await adminClient(db);
  await admin.query('CREATE TABLE items (id int primary key, v text)');
  g = await startGatedProxy();
});
afterAll(async () => {
  await admin.end();
  await g.close();
});

async function reset(): Promise<void> {
  await admin.query('TRUNCATE items');
  await admin.query("INSERT INTO items SELECT i, 'v' || i FROM generate_series(1, 10) i");
}
async function count(): Promise<number> {
  return (await admin.query('SELECT count(*)::int AS n FROM items')).rows[0].n;
}
async function client(): Promise<pg.Client> {
  const c = new pg.Client(viaProxy(g.proxy, db));
  c.on('notice', () => {});
  c.on('error', () => {});
  await c.connect();
  return c;
}

describe('reads pass, writes wait', () => {
  it('a read passes without a request', async () => {
    await reset();
    const c = await client();
    const r = await c.query('SELECT count(*)::int AS n FROM items');
    expect(r.rows[0].n).toBe(10);
    expect(await g.approvals.broker.list({ status: 'pending' })).toHaveLength(0);
    await c.end();
  });

  it('approve: the held DELETE runs on the same connection and the client gets DELETE n', async () => {
    await reset();
    const c = await client();
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(n.message ?? ''));
    const pending = c.query('DELETE FROM items WHERE id <= 3');
    const req = await g.nextRequest();
    expect(req.sql).toBe('DELETE FROM items WHERE id <= 3');
    expect(req.session).toMatchObject({ database: db, user: 'postgres' });
    expect(req.classification.class).toBe('write');
    expect(await count()).toBe(10); // nothing ran yet
    const res = await g.approvals.broker.approve(req.id, {
      by: 'dba',
      reason: 'ok',
      source: 'local',
      anyOwner: true,
    });
    expect(res.ok).toBe(true);
    const r = await pending;
    expect(r.command).toBe('DELETE');
    expect(r.rowCount).toBe(3);
    expect(await count()).toBe(7);
    expect(notices.some((n) => n.includes(req.id))).toBe(true);
    // The outcome is recorded (after the client has its result: wait for it).
    await expect.poll(async () => (await g.approvals.broker.get(req.id))?.status).toBe('executed');
    const after = await g.approvals.broker.get(req.id);
    expect(after?.outcome).toMatchObject({ ok: true, commandTag: 'DELETE 3', rows: 3 });
    await c.end();
  });

  it('the same approval used twice releases nothing more', async () => {
    await reset();
    const c = await client();
    const pending = c.query('DELETE FROM items WHERE id = 1');
    const req = await g.nextRequest();
    await g.approvals.broker.approve(req.id, { by: 'dba', source: 'local', anyOwner: true });
    await pending;
    const again = await g.approvals.broker.approve(req.id, {
      by: 'dba2',
      source: 'local',
      anyOwner: true,
    });
    expect(again.ok).toBe(false);
    expect(await count()).toBe(9);
    await c.end();
  });

  it('deny: 42501 with the denier and reason, and the connection keeps working', async () => {
    await reset();
    const c = await client();
    const pending = c.query('UPDATE items SET v = $1 WHERE id = $2', ['x', 1]);
    pending.catch(() => {});
    const req = await g.nextRequest();
    expect(req.params.map((p) => p.value)).toEqual(['x', '1']);
    await g.approvals.broker.deny(req.id, 'carol', 'not today');
    await expect(pending).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/denied by carol: not today/),
    });
    expect((await admin.query('SELECT v FROM items WHERE id = 1')).rows[0].v).toBe('v1');
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await c.end();
  });

  it('held inside BEGIN, approved, then COMMIT keeps both writes', async () => {
    await reset();
    const c = await client();
    await c.query('BEGIN');
    const first = c.query("INSERT INTO items VALUES (100, 'a')");
    await g.approvals.broker.approve((await g.nextRequest()).id, {
      by: 'dba',
      source: 'local',
      anyOwner: true,
    });
    await first;
    const second = c.query('DELETE FROM items WHERE id = 1');
    const req = await g.nextRequest();
    expect(req.transactionStatus).toBe('T');
    await g.approvals.broker.approve(req.id, { by: 'dba', source: 'local', anyOwner: true });
    await second;
    await c.query('COMMIT');
    expect(await count()).toBe(10);
    expect(
      (await admin.query('SELECT count(*)::int AS n FROM items WHERE id = 100')).rows[0].n,
    ).toBe(1);
    await c.end();
  });

  it('held inside BEGIN, denied: the transaction fails as on any error, COMMIT rolls back, ROLLBACK works', async () => {
    await reset();
    const c = await client();
    await c.query('BEGIN');
    const first = c.query("INSERT INTO items VALUES (200, 'a')");
    await g.approvals.broker.approve((await g.nextRequest()).id, {
      by: 'dba',
      source: 'local',
      anyOwner: true,
    });
    await first;
    const second = c.query('DELETE FROM items');
    second.catch(() => {});
    await g.approvals.broker.deny((await g.nextRequest()).id, 'dba', 'too broad');
    await expect(second).rejects.toMatchObject({ code: '42501' });
    // The server itself is in a failed transaction: the earlier INSERT cannot be committed.
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    const commit = await c.query('COMMIT');
    expect(commit.command).toBe('ROLLBACK');
    expect(
      (await admin.query('SELECT count(*)::int AS n FROM items WHERE id = 200')).rows[0].n,
    ).toBe(0);
    await c.query('BEGIN');
    await c.query('ROLLBACK');
    await c.end();
  });

  it('cancel while held: 57014, nothing runs, the connection works', async () => {
    await reset();
    const c = await client();
    const pending = c.query('DELETE FROM items');
    pending.catch(() => {});
    const req = await g.nextRequest();
    const keys = c as unknown as { processID: number; secretKey: number };
    await sendCancel(g.proxy.host, g.proxy.port, keys.processID, keys.secretKey);
    await expect(pending).rejects.toMatchObject({ code: '57014' });
    // The client is answered first; the record follows.
    await expect.poll(async () => (await g.approvals.broker.get(req.id))?.status).toBe('cancelled');
    expect(await count()).toBe(10);
    expect((await c.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    await c.end();
  });

  it('client disconnect while held: the request is cancelled and nothing runs later', async () => {
    await reset();
    const c = await client();
    c.query('DELETE FROM items').catch(() => {});
    const req = await g.nextRequest();
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    for (let i = 0; i < 50; i++) {
      if ((await g.approvals.broker.get(req.id))?.status === 'cancelled') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await g.approvals.broker.get(req.id))?.status).toBe('cancelled');
    const late = await g.approvals.broker.approve(req.id, {
      by: 'dba',
      source: 'local',
      anyOwner: true,
    });
    expect(late.ok).toBe(false);
    expect(await count()).toBe(10);
  });

  it('a multi-statement Query is held and released as one unit', async () => {
    await reset();
    const c = await client();
    const pending = c.query('SELECT 1; DELETE FROM items WHERE id = 2; SELECT 3');
    const req = await g.nextRequest();
    expect(req.sql).toBe('SELECT 1; DELETE FROM items WHERE id = 2; SELECT 3');
    expect(await count()).toBe(10);
    await g.approvals.broker.approve(req.id, { by: 'dba', source: 'local', anyOwner: true });
    const results = (await pending) as unknown as pg.QueryResult[];
    expect(results.map((r) => r.command)).toEqual(['SELECT', 'DELETE', 'SELECT']);
    expect(await count()).toBe(9);
    await c.end();
  });

  it('a prepared statement executed twice needs an approval each time', async () => {
    await reset();
    const c = await client();
    const q = { name: 'del', text: 'DELETE FROM items WHERE id = $1' };
    const one = c.query({ ...q, values: [1] });
    const r1 = await g.nextRequest();
    await g.approvals.broker.approve(r1.id, { by: 'dba', source: 'local', anyOwner: true });
    expect((await one).rowCount).toBe(1);
    const two = c.query({ ...q, values: [2] });
    const r2 = await g.nextRequest();
    expect(r2.id).not.toBe(r1.id);
    expect(r2.bindingHash).not.toBe(r1.bindingHash);
    await g.approvals.broker.approve(r2.id, { by: 'dba', source: 'local', anyOwner: true });
    expect((await two).rowCount).toBe(1);
    expect(await count()).toBe(8);
    await c.end();
  });
});

describe('refused at once', () => {
  it('forbidden statements get 42501 with the reason, never a request', async () => {
    const c = await client();
    await expect(c.query('ALTER SYSTEM SET work_mem = 1')).rejects.toMatchObject({ code: '42501' });
    await expect(c.query('SELECT pg_terminate_backend(1)')).rejects.toMatchObject({
      code: '42501',
    });
    await expect(c.query('SET ROLE postgres')).rejects.toMatchObject({ code: '42501' });
    expect((await c.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    expect(await g.approvals.broker.list({ status: 'pending' })).toHaveLength(0);
    await c.end();
  });

  it("invalid SQL gets 42601 with the parser's message and is never forwarded", async () => {
    const c = await client();
    await expect(c.query('SELEC 1')).rejects.toMatchObject({
      code: '42601',
      message: expect.stringMatching(/syntax error at or near "SELEC"/),
    });
    expect((await c.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    await c.end();
  });

  it('inside a transaction a refusal fails the transaction on the server too', async () => {
    const c = await client();
    await c.query('BEGIN');
    await expect(c.query("LOAD 'x'")).rejects.toMatchObject({ code: '42501' });
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('ROLLBACK');
    await c.end();
  });
});

describe('server idle timeouts while held', () => {
  it('idle_in_transaction_session_timeout does not end a session whose statement is held', async () => {
    await reset();
    const c = await client();
    await c.query("SET idle_in_transaction_session_timeout = '300ms'");
    await c.query('BEGIN');
    const pending = c.query('DELETE FROM items WHERE id = 1');
    const req = await g.nextRequest();
    // Well past the timeout: the server is waiting for the held statement, not idle on its
    // own, and the Flush Sluice sends when a hold begins leaves its idle timers disarmed.
    await new Promise((r) => setTimeout(r, 1200));
    await g.approvals.broker.approve(req.id, { by: 'dba', source: 'local', anyOwner: true });
    expect((await pending).rowCount).toBe(1);
    await c.query('COMMIT');
    expect(await count()).toBe(9);
    // Between statements the server's own timeout still applies as usual.
    await c.query('BEGIN');
    await new Promise((r) => setTimeout(r, 800));
    await expect(c.query('SELECT 1')).rejects.toThrow();
  });
});
