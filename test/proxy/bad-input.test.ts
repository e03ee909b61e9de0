// Malformed input closes only the offending connection, with a FATAL that names the
// problem; other sessions carry on and the process never crashes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { adminClient, createTestDatabase, pgInfo } from '../helpers/pg.js';
import { startTestProxy } from '../helpers/proxy.js';
import { errorFields, RawClient } from '../helpers/raw-client.js';
import type { RunningProxy } from '../../src/proxy/server.js';

let proxy: RunningProxy;
let db: string;
let bystander: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('bad');
  const admin = await adminClient();
  await admin.query(
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sluice_trust') THEN CREATE ROLE sluice_trust LOGIN; END IF; END $$`,
  );
  await admin.end();
  proxy = await startTestProxy({ maxMessageLength: 1024 * 1024 });
  const info = pgInfo();
  bystander = new pg.Client({
    host: proxy.host,
    port: proxy.port,
    user: info.user,
    password: info.password,
    database: db,
  });
  await bystander.connect();
});
afterAll(async () => {
  await bystander.end();
  await proxy.close();
});

async function expectFatal(c: RawClient, code: string, message: RegExp): Promise<void> {
  let m = await c.read();
  while (m && m.code !== 'E') m = await c.read();
  expect(m, 'an ErrorResponse').toBeDefined();
  const f = errorFields(m!.body);
  expect(f.V).toBe('FATAL');
  expect(f.C).toBe(code);
  expect(f.M).toMatch(message);
  expect(await c.waitClosed()).toBe(true);
}

async function ready(): Promise<RawClient> {
  const c = await RawClient.connect(proxy.host, proxy.port);
  const msgs = await c.startup('sluice_trust', db);
  expect(msgs.at(-1)?.code).toBe('Z');
  return c;
}

describe('bad input before start-up', () => {
  it('garbage instead of a StartupMessage', async () => {
    const c = await RawClient.connect(proxy.host, proxy.port);
    c.write(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    await expectFatal(c, '08P01', /invalid length of startup packet/);
  });
  it('an unknown protocol version', async () => {
    const c = await RawClient.connect(proxy.host, proxy.port);
    const b = Buffer.from(serialize.startup({ user: 'x' }));
    b.writeInt32BE(0x00040000, 4);
    c.write(b);
    await expectFatal(c, '0A000', /unsupported frontend protocol 4\.0/);
  });
  it('a start-up cut short by a disconnect', async () => {
    const c = await RawClient.connect(proxy.host, proxy.port);
    c.write(serialize.startup({ user: 'sluice_trust', database: db }).subarray(0, 10));
    c.end();
    expect(await c.waitClosed()).toBe(true);
  });
});

describe('bad input after start-up', () => {
  it('a length below 4', async () => {
    const c = await ready();
    c.write(Buffer.from([0x51, 0, 0, 0, 2]));
    await expectFatal(c, '08P01', /invalid message length 2/);
  });
  it('a length over the configured limit', async () => {
    const c = await ready();
    const b = Buffer.alloc(5);
    b[0] = 0x51;
    b.writeInt32BE(2 * 1024 * 1024, 1);
    c.write(b);
    await expectFatal(c, '08P01', /exceeds the limit of 1048576/);
  });
  it('an unknown message type', async () => {
    const c = await ready();
    c.write(Buffer.from([0x7a, 0, 0, 0, 4]));
    await expectFatal(c, '08P01', /invalid frontend message type 122/);
  });
  it('a frame cut short by a disconnect, and the backend goes away too', async () => {
    const c = await ready();
    const admin = await adminClient();
    try {
      const before = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'sluice_trust' AND datname = $1",
        [db],
      );
      c.write(serialize.query('SELECT 1').subarray(0, 7));
      c.end();
      let n = before.rows[0].n as number;
      for (let i = 0; i < 50 && n >= before.rows[0].n; i++) {
        await new Promise((r) => setTimeout(r, 50));
        n = (
          await admin.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'sluice_trust' AND datname = $1",
            [db],
          )
        ).rows[0].n;
      }
      expect(n).toBeLessThan(before.rows[0].n);
    } finally {
      await admin.end();
    }
  });
  it('Terminate closes both sides', async () => {
    const c = await ready();
    c.write(serialize.end());
    expect(await c.waitClosed()).toBe(true);
  });

  it('other sessions carry on', async () => {
    const r = await bystander.query('SELECT 42 AS answer');
    expect(r.rows[0].answer).toBe(42);
  });
});

describe('fuzz: random and mutated frames at a live proxy', () => {
  it('survives thousands of bad connections and a normal client still works', async () => {
    const valid = Buffer.concat([
      serialize.startup({ user: 'sluice_trust', database: db }),
      serialize.query('SELECT 1'),
      serialize.parse({ name: 's', text: 'SELECT $1::int' }),
      serialize.bind({ statement: 's', values: ['1'] }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const cases: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = rand(3);
      if (kind === 0) {
        cases.push(Buffer.from(Array.from({ length: 1 + rand(64) }, () => rand(256))));
      } else {
        const b = Buffer.from(valid);
        const flips = 1 + rand(4);
        // Mutate past the start-up packet half of the time, to reach the typed phase.
        const from = kind === 2 ? 38 : 0;
        for (let f = 0; f < flips; f++) b[from + rand(b.length - from)] = rand(256);
        cases.push(b.subarray(0, rand(2) ? b.length : rand(b.length)));
      }
    }
    const send = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        RawClient.connect(proxy.host, proxy.port).then(
          async (c) => {
            c.write(bytes);
            await c.waitClosed(150);
            c.end();
            resolve();
          },
          () => resolve(),
        );
      });
    for (let i = 0; i < cases.length; i += 100)
      await Promise.all(cases.slice(i, i + 100).map(send));
    const info = pgInfo();
    const fresh = new pg.Client({
      host: proxy.host,
      port: proxy.port,
      user: info.user,
      password: info.password,
      database: db,
    });
    await fresh.connect();
    expect((await fresh.query('SELECT 7 AS seven')).rows[0].seven).toBe(7);
    await fresh.end();
    expect((await bystander.query('SELECT 8 AS eight')).rows[0].eight).toBe(8);
  });
});
