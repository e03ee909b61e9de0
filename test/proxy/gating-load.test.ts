// 500 statements held at once, each on its own connection, while a pass-through client
// on another connection keeps working. Prints the proxy's memory and the reader's
// latency (figures only: timing is measured in bench/, never asserted here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { gatingFixture, type GatingFixture } from './gating-fixtures.js';

const HELD = 500;
const READS = 200;

let fx: GatingFixture;

beforeAll(async () => {
  fx = await gatingFixture('hold500');
  await fx.admin.query('CREATE TABLE bulk (id int primary key)');
  await fx.admin.query(`INSERT INTO bulk SELECT generate_series(1, ${HELD})`);
});
afterAll(() => fx.close());

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function usage(m: NodeJS.MemoryUsage): string {
  return `rss ${mb(m.rss)}, heapTotal ${mb(m.heapTotal)}, heapUsed ${mb(m.heapUsed)}, external ${mb(m.external)}, arrayBuffers ${mb(m.arrayBuffers)}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function connectAll(n: number): Promise<pg.Client[]> {
  const out: pg.Client[] = [];
  // In waves, so the listen backlog is never the bottleneck.
  for (let i = 0; i < n; i += 50) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => fx.client()))),
    );
  }
  return out;
}

describe(`${HELD} statements held at once`, () => {
  it('holds them all, a reader on another connection keeps working, then each verdict lands on its own connection', async () => {
    const clients = await connectAll(HELD);
    const reader = await fx.client();
    try {
      // The parser's WebAssembly heap grows on first use; warm it with as many distinct
      // reads, so the figures below show what holding costs rather than parser start-up.
      for (let i = 0; i < HELD; i++) await reader.query(`SELECT ${i} AS warm_${i}`);
      global.gc?.();
      const before = process.memoryUsage();

      // Even clients delete their row (to be approved); odd clients insert a new one (to be denied).
      const statements = clients.map((c, i) =>
        i % 2 === 0
          ? c.query('DELETE FROM bulk WHERE id = $1', [i + 1])
          : c.query(`INSERT INTO bulk VALUES (${10_000 + i})`),
      );
      statements.forEach((p) => p.catch(() => {}));
      const requests = [];
      for (let i = 0; i < HELD; i++) requests.push(await fx.next(20_000));
      expect(new Set(requests.map((r) => r.id)).size).toBe(HELD);
      expect(await fx.g.approvals.broker.list({ status: 'pending' })).toHaveLength(HELD);
      expect(fx.g.proxy.sessions()).toBeGreaterThanOrEqual(HELD + 1);

      global.gc?.();
      const during = process.memoryUsage();

      // The pass-through reader, while all 500 wait.
      const latencies: number[] = [];
      for (let i = 0; i < READS; i++) {
        const t0 = performance.now();
        const r = await reader.query('SELECT count(*)::int AS n FROM bulk WHERE id <= $1', [i]);
        latencies.push(performance.now() - t0);
        expect(r.rows[0].n).toBe(Math.min(i, HELD));
      }
      latencies.sort((a, b) => a - b);
      expect((await fx.admin.query('SELECT count(*)::int AS n FROM bulk')).rows[0].n).toBe(HELD);

      console.log(
        [
          `proxy process with ${HELD} connections (the test's clients share the process; parser warmed):`,
          `  idle:     ${usage(before)}`,
          `  ${HELD} held: ${usage(during)}`,
          `  per held statement: ~${((during.heapUsed - before.heapUsed) / HELD / 1024).toFixed(1)} KB heap`,
          `pass-through reader meanwhile, ${READS} queries: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`,
        ].join('\n'),
      );

      // Each verdict goes to exactly its own connection.
      const byHash = new Map(
        requests.map((r) => [r.sql + '|' + r.params.map((p) => p.value).join(','), r]),
      );
      await Promise.all(
        clients.map(async (_, i) => {
          const key =
            i % 2 === 0
              ? `DELETE FROM bulk WHERE id = $1|${i + 1}`
              : `INSERT INTO bulk VALUES (${10_000 + i})|`;
          const req = byHash.get(key);
          expect(req, key).toBeDefined();
          if (i % 2 === 0) await fx.approve(req!.id);
          else await fx.deny(req!.id, 'load test');
        }),
      );
      const results = await Promise.allSettled(statements);
      results.forEach((r, i) => {
        if (i % 2 === 0) {
          expect(r.status).toBe('fulfilled');
          expect((r as PromiseFulfilledResult<pg.QueryResult>).value.rowCount).toBe(1);
        } else {
          expect(r.status).toBe('rejected');
          expect((r as PromiseRejectedResult).reason).toMatchObject({ code: '42501' });
        }
      });
      const left = await fx.admin.query(
        'SELECT count(*)::int AS n, count(*) FILTER (WHERE id > 10000)::int AS added FROM bulk',
      );
      expect(left.rows[0]).toEqual({ n: HELD / 2, added: 0 });
      const odd = await fx.admin.query('SELECT count(*)::int AS n FROM bulk WHERE id % 2 = 1');
      expect(odd.rows[0].n).toBe(0); // every even client's row (odd id) was deleted
      // Every connection is still usable.
      const ones = await Promise.all(clients.map((c) => c.query('SELECT 1 AS one')));
      expect(ones.every((r) => r.rows[0].one === 1)).toBe(true);
    } finally {
      await Promise.all([...clients, reader].map((c) => c.end().catch(() => {})));
    }
  });
});
