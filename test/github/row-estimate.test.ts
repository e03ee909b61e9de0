// Row estimates from EXPLAIN (FORMAT JSON) against the real PostgreSQL: never executed,
// skipped when planning could run an unlisted function, and fenced by a read-only
// transaction even when the classifier missed such a function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminClient, createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { estimateBlocker, estimateRows, describeEstimate } from '../../src/github/row-estimate.js';
import { newRequest } from './fixtures.js';

let db: string;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('gh_est');
  admin = await adminClient(db);
  await admin.query('CREATE TABLE orders (id int PRIMARY KEY, status text)');
  await admin.query(
    "INSERT INTO orders SELECT g, CASE WHEN g % 10 = 0 THEN 'stale' ELSE 'ok' END FROM generate_series(1, 5000) g",
  );
  await admin.query('ANALYZE orders');
  await admin.query('CREATE TABLE side_effects (n int)');
  // An IMMUTABLE function with a hidden write through a VOLATILE helper: constant folding
  // at plan time runs it, so a plain EXPLAIN would insert a row.
  await admin.query(`CREATE FUNCTION writer() RETURNS int VOLATILE LANGUAGE plpgsql AS
    $$ BEGIN INSERT INTO side_effects VALUES (1); RETURN 1; END $$`);
  await admin.query(
    'CREATE FUNCTION sneaky() RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT writer() $$',
  );
});

afterAll(async () => {
  await admin.end();
});

function req(sql: string, over: Parameters<typeof newRequest>[0] = {}) {
  const r = newRequest({ sql, ...over });
  return { ...r, session: { ...r.session, database: db } };
}

describe('estimateRows', () => {
  it('estimates a DELETE without running it', async () => {
    const est = await estimateRows(
      upstreamUrl('postgres'),
      req("DELETE FROM orders WHERE status = 'stale'"),
    );
    expect(est.kind).toBe('estimated');
    // The planner's guess from the statistics: about 500 of 5000 rows.
    expect(est.kind === 'estimated' && est.rows).toBeGreaterThan(300);
    expect(est.kind === 'estimated' && est.rows).toBeLessThan(800);
    expect((await admin.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(5000);
    expect(describeEstimate(est)).toMatch(
      /^about \d+ rows \(planner estimate, EXPLAIN without ANALYZE\)$/,
    );
  });

  it('binds text parameters', async () => {
    const est = await estimateRows(
      upstreamUrl(db),
      req('UPDATE orders SET status = $1 WHERE id < $2', {
        params: [
          { index: 1, format: 'text', value: 'x', redacted: false },
          { index: 2, format: 'text', value: '101', redacted: false },
        ],
      }),
    );
    expect(est.kind).toBe('estimated');
    expect(est.kind === 'estimated' && est.rows).toBeGreaterThan(50);
    expect(
      (await admin.query("SELECT count(*)::int AS n FROM orders WHERE status = 'x'")).rows[0].n,
    ).toBe(0);
  });

  it('skips statements with an unlisted function, redacted parameters, or nothing to estimate', () => {
    const unsafe = req('DELETE FROM orders WHERE id = sneaky()');
    unsafe.classification.statements[0]!.flags = ['unsafe_function'];
    expect(estimateBlocker(unsafe)).toMatch(/outside the allowlist/);
    expect(
      estimateBlocker(
        req('DELETE FROM orders WHERE id = $1', {
          params: [{ index: 1, format: 'text', value: '[redacted]', redacted: true }],
        }),
      ),
    ).toBe('parameters are redacted');
    const ddl = req('TRUNCATE orders');
    ddl.classification.statements[0]!.kind = 'TruncateStmt';
    expect(estimateBlocker(ddl)).toBe('TruncateStmt has no row estimate');
  });

  it('never runs a hidden write even if the classifier missed the function (read-only fence)', async () => {
    const missed = req('DELETE FROM orders WHERE id = sneaky()'); // flags: [] (a classifier bug)
    const est = await estimateRows(upstreamUrl(db), missed);
    expect(est.kind).toBe('failed');
    expect(est.kind === 'failed' && est.reason).toMatch(/read-only transaction/);
    expect((await admin.query('SELECT count(*)::int AS n FROM side_effects')).rows[0].n).toBe(0);
  });

  it('runs exactly one statement per EXPLAIN (extended protocol)', async () => {
    const smuggled = req('DELETE FROM orders WHERE id = 1; DROP TABLE orders');
    const est = await estimateRows(upstreamUrl(db), smuggled);
    expect(est.kind).toBe('failed');
    expect((await admin.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(5000);
  });

  it('reports an unreachable server as unavailable, not as an error', async () => {
    const est = await estimateRows(
      'postgres://nobody:x@127.0.0.1:1/db',
      req('DELETE FROM orders'),
      { connectTimeoutMs: 2000 },
    );
    expect(est.kind).toBe('failed');
  });
});
