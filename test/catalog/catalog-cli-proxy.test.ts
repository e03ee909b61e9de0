// `sluice proxy` as a user runs it, with the catalog on by default: the upstream URL's
// database is loaded at start, a client's database on first use, a view that writes is
// held, and GET /api/status shows each snapshot; --no-catalog turns it off.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminClient, createTestDatabase, pgInfo, upstreamUrl } from '../helpers/pg.js';

const MAIN = path.resolve('src/cli/main.ts');
const TOKEN = 'catalog-cli-admin-token-0123456789';
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startSluice(extra: string[]): Promise<{ port: number; adminUrl: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--upstream',
      upstreamUrl('postgres'),
      '--state',
      mkdtempSync(path.join(tmpdir(), 'sluice-catalog-cli-')),
      ...extra,
    ],
    { env: { ...process.env, SLUICE_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  child.stderr!.resume();
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/Ctrl-C stops Sluice/.test(stdout)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`proxy exited (${code}):\n${stdout}`)));
  });
  return {
    port: Number(/listening on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]),
    adminUrl: /Approvals: (http:\/\/[^ ]+)/.exec(stdout)![1]!,
  };
}

async function status(adminUrl: string): Promise<{
  catalog: { enabled: boolean; databases?: Record<string, { state: string }> };
}> {
  const res = await fetch(`${adminUrl.replace(/\/$/, '')}/api/status`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await res.json()) as never;
}

describe('sluice proxy with the catalog', () => {
  it('on by default: the view that writes is held, and /api/status shows the snapshots', async () => {
    const db = await createTestDatabase('catcliproxy');
    const admin = await adminClient(db);
    await admin.query(`CREATE SEQUENCE s; CREATE VIEW bumps AS SELECT nextval('s') AS n;
      CREATE VIEW plain AS SELECT 1 AS n`);
    await admin.end();
    const { port, adminUrl } = await startSluice([]);
    const info = pgInfo();
    const c = new pg.Client({ ...info, host: '127.0.0.1', port, database: db });
    c.on('notice', () => {});
    c.on('error', () => {});
    await c.connect();
    expect((await c.query('SELECT * FROM plain')).rows).toEqual([{ n: 1 }]);
    const held = c.query('SELECT * FROM bumps').catch((err: Error) => err.message);
    await vi.waitFor(
      async () => {
        const res = await fetch(`${adminUrl.replace(/\/$/, '')}/api/requests?status=pending`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const body = JSON.stringify(await res.json());
        expect(body).toContain('SELECT * FROM bumps');
      },
      { timeout: 30_000, interval: 50 },
    );
    const st = await status(adminUrl);
    expect(st.catalog.enabled).toBe(true);
    expect(st.catalog.databases?.[db]?.state).toBe('ready');
    expect(st.catalog.databases?.postgres).toBeDefined(); // the URL's database, loaded at start
    await c.end();
    await held;
  });

  it('--no-catalog: static rules, and the status says the catalog is off', async () => {
    const { adminUrl } = await startSluice(['--no-catalog']);
    expect((await status(adminUrl)).catalog).toEqual({ enabled: false });
  });
});
