// Many clients at once, and a slow reader of a large result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { adminClient, createTestDatabase } from '../helpers/pg.js';
import { startTestProxy, viaProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RunningProxy } from '../../src/proxy/server.js';

let proxy: RunningProxy;
let db: string;

beforeAll(async () => {
  db = await createTestDatabase('load');
  const admin = await adminClient();
  await admin.query(
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sluice_trust') THEN CREATE ROLE sluice_trust LOGIN; END IF; END $$`,
  );
  await admin.end();
  proxy = await startTestProxy();
});
afterAll(() => proxy.close());

describe('concurrency', () => {
  it('serves 200 concurrent connections each running queries', async () => {
    const clients = Array.from({ length: 200 }, () => new pg.Client(viaProxy(proxy, db)));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const sums = await Promise.all(
        clients.map(async (c, i) => {
          let total = 0;
          for (let k = 0; k < 5; k++) {
            const r = await c.query('SELECT $1::int + $2::int AS s', [i, k]);
            total += r.rows[0].s as number;
          }
          return total;
        }),
      );
      sums.forEach((s, i) => expect(s).toBe(5 * i + 10));
      expect(proxy.sessions()).toBeGreaterThanOrEqual(200);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

describe('backpressure', () => {
  it('a slow reader of a large result does not grow the proxy’s memory', async () => {
    const c = await RawClient.connect(proxy.host, proxy.port);
    await c.startup('sluice_trust', db);
    // ~256 MB of rows. The client stops reading; the server must be made to wait.
    c.socket.pause();
    c.write(serialize.query("SELECT repeat('x', 1000) FROM generate_series(1, 256000)"));
    const admin = await adminClient();
    try {
      let waiting = false;
      for (let i = 0; i < 100 && !waiting; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const r = await admin.query(
          "SELECT wait_event FROM pg_stat_activity WHERE usename = 'sluice_trust' AND datname = $1 AND state = 'active'",
          [db],
        );
        waiting = r.rows.some((row) => row.wait_event === 'ClientWrite');
      }
      // The backend is blocked writing to us: Sluice stopped reading from it.
      expect(waiting).toBe(true);
      const mem = process.memoryUsage();
      // Generous bound: socket buffers only, far below the 256 MB result.
      expect(mem.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
      // Now read it all and check nothing was lost.
      let bytes = 0;
      const done = new Promise<void>((resolve) => {
        c.socket.removeAllListeners('data');
        let tail = Buffer.alloc(0);
        c.socket.on('data', (d: Buffer) => {
          bytes += d.length;
          tail = Buffer.concat([tail.subarray(-16), d]).subarray(-16);
          if (tail.includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]))) resolve();
        });
      });
      c.socket.resume();
      await done;
      // RowDescription + 256000 DataRows of 1000 bytes (+ 11 bytes framing) + CommandComplete + Z
      expect(bytes).toBeGreaterThan(256000 * 1011);
    } finally {
      await admin.end();
      c.end();
    }
  });
});
