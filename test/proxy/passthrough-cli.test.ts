// psql and pgbench, real client programs, through the pass-through proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, pgInfo } from '../helpers/pg.js';
import { sendCancel, startTestProxy } from '../helpers/proxy.js';
import { run } from '../helpers/run.js';
import type { RunningProxy } from '../../src/proxy/server.js';

let proxy: RunningProxy;
let db: string;

beforeAll(async () => {
  db = await createTestDatabase('cli');
  proxy = await startTestProxy();
});
afterAll(async () => {
  await proxy.close();
});

function env(): Record<string, string> {
  const info = pgInfo();
  return {
    PGHOST: proxy.host,
    PGPORT: String(proxy.port),
    PGUSER: info.user,
    PGPASSWORD: info.password,
    PGDATABASE: db,
    PGSSLMODE: 'disable',
  };
}

describe('psql through the proxy', () => {
  it('runs a multi-statement string', async () => {
    const r = await run(
      'psql',
      [
        '-X',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        'CREATE TABLE m (a int); INSERT INTO m VALUES (1),(2); SELECT sum(a) FROM m;',
      ],
      { env: env() },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('3');
  });

  it('copies 100k rows in and out with \\copy, data intact', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-copy-'));
    const input = path.join(dir, 'in.tsv');
    const output = path.join(dir, 'out.tsv');
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`${i}\trow-${i}-${'x'.repeat(i % 37)}`);
    writeFileSync(input, lines.join('\n') + '\n');
    const script = [
      'CREATE TABLE big (id int primary key, v text);',
      `\\copy big FROM '${input}'`,
      `\\copy (SELECT * FROM big ORDER BY id) TO '${output}'`,
      'SELECT count(*), sum(id) FROM big;',
    ].join('\n');
    const r = await run('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], {
      env: env(),
      input: script,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('COPY 100000');
    expect(r.stdout).toContain(`100000|${(99_999 * 100_000) / 2}`);
    expect(readFileSync(output, 'utf8')).toBe(readFileSync(input, 'utf8'));
  });

  it('describes a query with \\gdesc', async () => {
    const r = await run('psql', ['-X', '-A', '-v', 'ON_ERROR_STOP=1'], {
      env: env(),
      input: "SELECT 1::int AS one, 'x'::text AS two \\gdesc\n",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('one|integer');
    expect(r.stdout).toContain('two|text');
  });
});

describe('pgbench through the proxy', () => {
  beforeAll(async () => {
    const info = pgInfo();
    const r = await run(
      'pgbench',
      ['-i', '-q', '-s', '1', '-h', info.host, '-p', String(info.port), db],
      { env: { PGUSER: info.user, PGPASSWORD: info.password } },
    );
    expect(r.code, r.stderr).toBe(0);
  });

  for (const mode of [['-S'], ['-S', '-M', 'prepared']]) {
    it(`runs ${mode.join(' ')} for 2,000 transactions with zero failures`, async () => {
      const r = await run('pgbench', [...mode, '-n', '-c', '4', '-j', '2', '-t', '500', db], {
        env: env(),
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/number of transactions actually processed: 2000\/2000/);
      expect(r.stdout).toMatch(/number of failed transactions: 0 /);
    });
  }
});

describe('cancel through the proxy', () => {
  it('cancels SELECT pg_sleep(30) with 57014 within a second', async () => {
    const pgmod = await import('pg');
    const info = pgInfo();
    const c = new pgmod.default.Client({
      host: proxy.host,
      port: proxy.port,
      user: info.user,
      password: info.password,
      database: db,
    });
    await c.connect();
    try {
      const started = Date.now();
      const q = c.query('SELECT pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 300));
      // A CancelRequest on a new connection, with the key from BackendKeyData.
      const keys = c as unknown as { processID: number; secretKey: number };
      await sendCancel(proxy.host, proxy.port, keys.processID, keys.secretKey);
      await expect(q).rejects.toMatchObject({ code: '57014' });
      expect(Date.now() - started).toBeLessThan(1300);
      const ok = await c.query('SELECT 1 AS one');
      expect(ok.rows[0].one).toBe(1);
    } finally {
      await c.end();
    }
  });
});
