// `sluice proxy` as a user runs it: a real process in front of the suite's PostgreSQL,
// a held write approved with `sluice approve`, the audit chain verified, and Ctrl-C.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminClient, createTestDatabase, pgInfo } from '../helpers/pg.js';
import { run } from '../helpers/run.js';

const MAIN = path.resolve('src/cli/main.ts');
const TOKEN = 'cli-test-admin-token-0123456789';
let child: ChildProcess;
let stdout = '';
let db: string;
const state = mkdtempSync(path.join(tmpdir(), 'sluice-cli-'));

function sluice(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { SLUICE_ADMIN_TOKEN: TOKEN },
  });
}

beforeAll(async () => {
  db = await createTestDatabase('cli');
  const info = pgInfo();
  child = spawn(
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
      `postgres://${info.host}:${info.port}/postgres`,
      '--state',
      state,
    ],
    { env: { ...process.env, SLUICE_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.resume();
  const deadline = Date.now() + 30_000;
  while (!/Ctrl-C stops Sluice/.test(stdout)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`proxy did not start:\n${stdout}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('sluice proxy', () => {
  it('prints how to connect, holds a write, releases it on `sluice approve`, and stops on SIGINT', async () => {
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
    const adminUrl = /Approvals: (http:\/\/[^ ]+)/.exec(stdout)?.[1];
    expect(port).toBeGreaterThan(0);
    expect(adminUrl).toBeDefined();
    const info = pgInfo();
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: info.user,
      password: info.password,
      database: db,
    });
    c.on('notice', () => {});
    await c.connect();
    expect((await c.query('SELECT 41 + 1 AS n')).rows[0].n).toBe(42);
    const pending = c.query('CREATE TABLE made_by_cli (id int)');

    let id: string | undefined;
    await expect
      .poll(
        async () => {
          const r = await sluice(['requests', '--json', '--url', adminUrl!]);
          const list = JSON.parse(r.stdout) as { id: string }[] | { requests: { id: string }[] };
          id = (Array.isArray(list) ? list : list.requests)[0]?.id;
          return id;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBeDefined();
    const admin = await adminClient(db);
    try {
      const before = await admin.query("SELECT to_regclass('made_by_cli') AS t");
      expect(before.rows[0].t).toBeNull();
      const approve = await sluice(['approve', id!, '--reason', 'cli test', '--url', adminUrl!]);
      expect(approve.code, approve.stderr).toBe(0);
      expect((await pending).command).toBe('CREATE');
      const after = await admin.query("SELECT to_regclass('made_by_cli') AS t");
      expect(after.rows[0].t).toBe('made_by_cli');
    } finally {
      await admin.end();
      await c.end();
    }

    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const verify = await sluice(['audit', 'verify', '--state-dir', state]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/audit log OK/);
  });
});
