// `sluice proxy` stopped with SIGTERM, as an orchestrator stops a replica: /readyz turns
// 503 'draining', new connections are refused, idle sessions are closed, a held
// statement still gets its verdict within the grace period (or is cancelled after it),
// and the process exits 0.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminClient, createTestDatabase, pgInfo, upstreamUrl } from '../helpers/pg.js';

const MAIN = path.resolve('src/cli/main.ts');
const TOKEN = 'drain-test-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Running {
  child: ChildProcess;
  port: number;
  adminUrl: string;
  stderr(): string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startSluice(extra: string[]): Promise<Running> {
  const info = pgInfo();
  const state = mkdtempSync(path.join(tmpdir(), 'sluice-drain-'));
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
      `postgres://${info.host}:${info.port}/postgres`,
      '--state',
      state,
      ...extra,
    ],
    { env: { ...process.env, SLUICE_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/Ctrl-C stops Sluice/.test(stdout)) resolve();
    });
    void exited.then(() => reject(new Error(`proxy did not start:\n${stdout}\n${stderr}`)));
  });
  return {
    child,
    port: Number(/listening on 127\.0\.0\.1:(\d+)/.exec(stdout)![1]),
    adminUrl: /Approvals: (http:\/\/[^ \n]+)/.exec(stdout)![1]!,
    stderr: () => stderr,
    exited,
  };
}

function client(port: number, database: string): pg.Client {
  const info = pgInfo();
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: info.user,
    password: info.password,
    database,
  });
  c.on('notice', () => {});
  c.on('error', () => {});
  return c;
}

/** The first 'error' event a client gets (the FATAL; "terminated" follows it). */
function firstError(c: pg.Client): Promise<Error & { code?: string }> {
  return new Promise((resolve) => c.on('error', resolve));
}

async function pendingId(adminUrl: string): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(
      async () => {
        const r = await fetch(`${adminUrl}/api/requests?status=pending`, { headers: AUTH });
        id = ((await r.json()) as { requests: { id: string }[] }).requests[0]?.id;
        return id;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBeDefined();
  return id!;
}

async function tableExists(db: string, name: string): Promise<boolean> {
  const admin = await adminClient(db);
  try {
    const r = await admin.query('SELECT to_regclass($1) AS t', [name]);
    return r.rows[0].t !== null;
  } finally {
    await admin.end();
  }
}

describe('sluice proxy on SIGTERM', () => {
  it('drains: readyz 503, new connections refused, idle sessions closed, open transactions finish, a held write approved within the grace period runs, exit 0', async () => {
    const db = await createTestDatabase('drain');
    const control = await createTestDatabase('drainctl');
    const s = await startSluice(['--drain-grace', '10m', '--control-url', upstreamUrl(control)]);

    const ready = await fetch(`${s.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    const readyBody = (await ready.json()) as { ready: boolean; checks: Record<string, unknown> };
    expect(readyBody.ready).toBe(true);
    expect(Object.keys(readyBody.checks).sort()).toEqual(['control', 'policy', 'upstream']);

    const idle = client(s.port, db);
    await idle.connect();
    expect((await idle.query('SELECT 1 AS n')).rows[0].n).toBe(1);
    const idleClosed = firstError(idle);

    const inTx = client(s.port, db);
    await inTx.connect();
    await inTx.query('BEGIN');
    await inTx.query('SELECT 1');
    const inTxClosed = firstError(inTx);

    const holder = client(s.port, db);
    await holder.connect();
    const pending = holder.query('CREATE TABLE drained_ok (id int)');
    const id = await pendingId(s.adminUrl);

    s.child.kill('SIGTERM');
    await expect
      .poll(async () => (await fetch(`${s.adminUrl}/readyz`)).status, { timeout: 20_000 })
      .toBe(503);
    const draining = (await (await fetch(`${s.adminUrl}/readyz`)).json()) as {
      ready: boolean;
      failing: string[];
    };
    expect(draining).toMatchObject({ ready: false, failing: ['draining'] });

    // The listener is closed before /readyz says so: a new client is refused.
    const late = client(s.port, db);
    await expect(late.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    // The idle session was closed with PostgreSQL's admin_shutdown code.
    expect((await idleClosed).code).toBe('57P01');
    // One inside a transaction may finish it, and is closed after its COMMIT.
    expect((await inTx.query('SELECT 2 AS n')).rows[0].n).toBe(2);
    expect((await inTx.query('COMMIT')).command).toBe('COMMIT');
    expect((await inTxClosed).code).toBe('57P01');

    const metrics = await (await fetch(`${s.adminUrl}/metrics`, { headers: AUTH })).text();
    expect(metrics).toMatch(/^sluice_draining 1$/m);
    expect(metrics).toMatch(/^sluice_held_statements 1$/m);

    // Approvals still work during the drain; the held client gets its result.
    const approve = await fetch(`${s.adminUrl}/api/requests/${id}/approve`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'drain test' }),
    });
    expect(approve.status).toBe(200);
    expect((await pending).command).toBe('CREATE');
    expect(await tableExists(db, 'drained_ok')).toBe(true);

    // Its session, now idle, is closed too, and the process ends cleanly.
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toMatch(/SIGTERM: draining/);
    expect(s.stderr()).not.toMatch(/grace period over/);
  });

  it('after the grace period a still-held statement is cancelled: the client gets an error, nothing runs, exit 0', async () => {
    const db = await createTestDatabase('drain');
    const s = await startSluice(['--drain-grace', '1s']);
    const holder = client(s.port, db);
    await holder.connect();
    const pending = holder.query('CREATE TABLE drained_late (id int)');
    const outcome = pending.then(
      () => undefined,
      (err: Error & { code?: string }) => err,
    );
    await pendingId(s.adminUrl);

    s.child.kill('SIGTERM');
    const err = await outcome;
    expect(err?.code).toBe('57P01');
    expect(err?.message).toMatch(/drain grace period over/);
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toMatch(/Drain grace period over: closed 1 session/);
    expect(await tableExists(db, 'drained_late')).toBe(false);
  });
});
