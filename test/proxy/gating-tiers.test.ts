// Review tiers seen from the client: expiry, `in_transaction: deny` and
// `require_justification`, through the proxy with real clients and real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { viaProxy } from '../helpers/proxy.js';
import { gatingFixture, type GatingFixture } from './gating-fixtures.js';

// Each tier is reached through its own table, so one policy set serves every test.
const POLICY = `version: 1
settings:
  review: { timeout: 10m }
rules:
  - name: quick
    match: { any_table: public.quick }
    action: review
    review: { timeout: 1s }
  - name: no-tx
    match: { any_table: public.notx }
    action: review
    review: { in_transaction: deny }
  - name: justified
    match: { any_table: public.justified }
    action: review
    review: { require_justification: true }
`;

let fx: GatingFixture;

beforeAll(async () => {
  fx = await gatingFixture('tiers', { 'tiers.yml': POLICY });
  for (const t of ['quick', 'notx', 'justified'])
    await fx.admin.query(`CREATE TABLE ${t} (id int)`);
});
afterAll(() => fx.close());

async function rows(table: string): Promise<number> {
  return (await fx.admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

describe('expiry', () => {
  it('a simple Query expires with 57S01, then the connection keeps working', async () => {
    const c = await fx.client();
    const started = Date.now();
    const pending = c.query('INSERT INTO quick VALUES (1)');
    pending.catch(() => {});
    const req = await fx.next();
    await expect(pending).rejects.toMatchObject({
      code: '57S01',
      message: `Sluice: request ${req.id} expired without approval`,
    });
    // Not answered before the timeout (1 s; timers may fire a little early).
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await expect
      .poll(async () => (await fx.g.approvals.broker.get(req.id))?.status)
      .toBe('expired');
    expect(
      (await fx.g.approvals.broker.approve(req.id, { by: 'dba', source: 'local', anyOwner: true }))
        .ok,
    ).toBe(false);
    expect(await rows('quick')).toBe(0);
    expect((await c.query('SELECT 41 + 1 AS n')).rows[0].n).toBe(42);
    await c.end();
  });

  it('an extended-protocol statement (postgres.js) expires the same way', async () => {
    const sql = postgres({
      ...viaProxy(fx.g.proxy, fx.db),
      username: viaProxy(fx.g.proxy, fx.db).user,
      max: 1,
      onnotice: () => {},
    });
    try {
      const pending = sql`INSERT INTO quick VALUES (${2})`.execute();
      pending.catch(() => {});
      const req = await fx.next();
      expect(req.params.map((p) => p.value)).toEqual(['2']);
      await expect(pending).rejects.toMatchObject({
        code: '57S01',
        message: expect.stringContaining('expired without approval'),
      });
      expect(await rows('quick')).toBe(0);
      const [r] = await sql`SELECT ${7}::int AS n`;
      expect(r!.n).toBe(7);
    } finally {
      await sql.end();
    }
  });

  it('inside BEGIN: expiry fails the transaction on the server, ROLLBACK works', async () => {
    const c = await fx.client();
    await c.query('BEGIN');
    // The items INSERT is reviewed by the default tier: approve it so the transaction has a write.
    const write = c.query("INSERT INTO items VALUES (500, 'in tx')");
    await fx.approve((await fx.next()).id);
    await write;
    const pending = c.query('INSERT INTO quick VALUES (3)');
    pending.catch(() => {});
    const req = await fx.next();
    expect(req.transactionStatus).toBe('T');
    await expect(pending).rejects.toMatchObject({ code: '57S01' });
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    expect((await c.query('ROLLBACK')).command).toBe('ROLLBACK');
    expect(await fx.count('id = 500')).toBe(0);
    expect(await rows('quick')).toBe(0);
    expect((await c.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    await c.end();
  });
});

describe('in_transaction: deny', () => {
  it('outside a transaction the statement is held as usual', async () => {
    const c = await fx.client();
    const pending = c.query('INSERT INTO notx VALUES (1)');
    const req = await fx.next();
    expect(req.rule.id).toMatch(/no-tx/);
    await fx.approve(req.id);
    await pending;
    expect(await rows('notx')).toBe(1);
    await c.end();
  });

  it('inside BEGIN it is refused at once with 42501 and the transaction fails', async () => {
    await fx.admin.query('TRUNCATE notx');
    const c = await fx.client();
    await c.query('BEGIN');
    const before = (await fx.g.approvals.broker.list()).length;
    await expect(c.query('INSERT INTO notx VALUES (2)')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/cannot be held inside an open transaction/),
    });
    expect(await fx.g.approvals.broker.list()).toHaveLength(before);
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('ROLLBACK');
    expect(await rows('notx')).toBe(0);
    // The extended protocol too, and the connection stays usable afterwards.
    await c.query('BEGIN');
    await expect(c.query('INSERT INTO notx VALUES ($1)', [3])).rejects.toMatchObject({
      code: '42501',
    });
    await expect(c.query('SELECT $1::int', [1])).rejects.toMatchObject({ code: '25P02' });
    expect((await c.query('COMMIT')).command).toBe('ROLLBACK');
    expect((await c.query('SELECT 5 AS n')).rows[0].n).toBe(5);
    expect(await rows('notx')).toBe(0);
    await c.end();
  });
});

describe('require_justification without GitHub', () => {
  it("a statement without a justification comment is refused with the broker's reason", async () => {
    const c = await fx.client();
    const before = (await fx.g.approvals.broker.list()).length;
    await expect(c.query('INSERT INTO justified VALUES (1)')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(
        /requires a justification: start the statement with \/\* sluice: reason=\.\.\. \*\//,
      ),
    });
    expect(await fx.g.approvals.broker.list()).toHaveLength(before);
    expect(await rows('justified')).toBe(0);
    expect((await c.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    await c.end();
  });

  it('with a justification comment it is held, and the justification is recorded', async () => {
    const c = await fx.client();
    const sql = '/* sluice: reason="INC-42 backfill" */ INSERT INTO justified VALUES (2)';
    const pending = c.query(sql);
    const req = await fx.next();
    expect(req.justification).toBe('INC-42 backfill');
    expect(req.sql).toBe(sql);
    expect((await fx.g.approvals.broker.get(req.id))?.justification).toBe('INC-42 backfill');
    await fx.approve(req.id);
    expect((await pending).rowCount).toBe(1);
    expect(await rows('justified')).toBe(1);
    await c.end();
  });
});
