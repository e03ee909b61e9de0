// `sluice proxy --workers 2`: two processes share the listen port. Connections are spread
// over both, /metrics and /api/status speak for all of them, an approval on the admin
// listener releases a statement whichever worker holds it, a CancelRequest reaches the
// worker that owns the session (relayed when it lands on the other one), a killed worker
// is restarted, and SIGTERM drains everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminClient, createTestDatabase, pgInfo, upstreamUrl } from '../helpers/pg.js';
import { sendCancel } from '../helpers/proxy.js';
import { parseExposition, valueOf } from '../metrics/parse-exposition.js';

const MAIN = path.resolve('src/cli/main.ts');
const TOKEN = 'workers-test-admin-token-0123456789';

let db: string;
let control: string;
let child: ChildProcess;
let port: number;
let adminUrl: string;
let stderr = '';

function startSluice(extra: string[], env: Record<string, string> = {}) {
  const info = pgInfo();
  const state = mkdtempSync(path.join(tmpdir(), 'sluice-workers-'));
  const proc = spawn(
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
    {
      env: { ...process.env, SLUICE_ADMIN_TOKEN: TOKEN, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => ({ out, err }), exited };
}

async function api(method: 'GET' | 'POST', route: string, body?: unknown) {
  const res = await fetch(`${adminUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

interface WorkerInfo {
  index: number;
  pid: number;
  state: string;
  restarts: number;
  sessions?: number;
}

async function workers(): Promise<WorkerInfo[]> {
  const status = (await api('GET', '/api/status')).json();
  return (status.proxy as { processes: WorkerInfo[] }).processes;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const { text } = await api('GET', '/metrics');
  return valueOf(parseExposition(text), name, name, labels);
}

async function connect(): Promise<pg.Client> {
  const info = pgInfo();
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: info.user,
    password: info.password,
    database: db,
  });
  c.on('notice', () => {});
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** The backend key pg gave this client (what a CancelRequest must carry). */
function keyOf(c: pg.Client): { pid: number; secret: number } {
  const k = c as unknown as { processID: number; secretKey: number };
  return { pid: k.processID, secret: k.secretKey };
}

async function pendingId(sql: string): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(
      async () => {
        const list = (await api('GET', '/api/requests?status=pending')).json().requests as {
          id: string;
          sql: string;
        }[];
        id = list.find((x) => x.sql === sql)?.id;
        return id;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBeDefined();
  return id!;
}

beforeAll(async () => {
  db = await createTestDatabase('workers_up');
  control = upstreamUrl(await createTestDatabase('workers_ctl'));
  const admin = await adminClient(db);
  await admin.query('CREATE TABLE side_effect (n int)');
  await admin.end();
  const s = startSluice(['--workers', '2', '--control-url', control], {
    SLUICE_REPLICA_LEASE_MS: '4000',
  });
  child = s.proc;
  await new Promise<void>((resolve) => {
    const check = () => {
      if (/Ctrl-C stops Sluice/.test(s.output().out) || s.proc.exitCode !== null) resolve();
      else setTimeout(check, 100);
    };
    check();
  });
  const { out, err } = s.output();
  stderr = err;
  port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  adminUrl = /Approvals: (http:\/\/\S+)/.exec(out)?.[1] ?? '';
  if (!port || !adminUrl) throw new Error(`no addresses in:\n${out}\n${err}`);
}, 90_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe('sluice proxy --workers 2', () => {
  it('spreads connections over both workers and reports them as one in /metrics and /api/status', async () => {
    const clients = await Promise.all([1, 2, 3, 4, 5, 6].map(() => connect()));
    try {
      // node:cluster hands connections out in turn: both workers serve some.
      const list = await workers();
      expect(list).toHaveLength(2);
      expect(list.every((w) => w.state === 'ready' && (w.sessions ?? 0) > 0)).toBe(true);
      expect(list.reduce((n, w) => n + (w.sessions ?? 0), 0)).toBe(6);
      // Each worker keeps its own catalog snapshots, and says how they are.
      const catalog = (await api('GET', '/api/status')).json().catalog as {
        workers: { index: number; catalog: unknown }[];
      };
      expect(catalog.workers.map((w) => w.index)).toEqual([0, 1]);
      expect(catalog.workers.every((w) => w.catalog !== undefined)).toBe(true);
      expect(await metric('sluice_connections')).toBe(6);
      const ready = await fetch(`${adminUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.text()).toContain('2 workers serving');
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('an approval on the admin listener releases the statement whichever worker holds it', async () => {
    for (const marker of [1, 2]) {
      const c = await connect();
      try {
        const sql = `INSERT INTO side_effect VALUES (${marker})`;
        const held = c.query(sql);
        const id = await pendingId(sql);
        const res = await api('POST', `/api/requests/${id}/approve`, { by: 'ops', reason: 'ok' });
        expect(res.status).toBe(200);
        expect((await held).rowCount).toBe(1);
      } finally {
        await c.end();
      }
    }
    const admin = await adminClient(db);
    const r = await admin.query('SELECT count(*)::int AS n FROM side_effect WHERE n IN (1, 2)');
    await admin.end();
    expect(r.rows[0].n).toBe(2);
  });

  it('a CancelRequest reaches the session on either worker, wherever it lands', async () => {
    const c = await connect();
    try {
      const { pid, secret } = keyOf(c);
      const relayedBefore = await metric('sluice_cancel_requests_relayed_total');
      let relayed = 0;
      let local = 0;
      // Each cancel is a new connection, handed to the workers in turn: within a few tries
      // one lands on the session's worker and one on the other. Every one must cancel.
      for (let attempt = 0; attempt < 12 && (relayed === 0 || local === 0); attempt++) {
        const sleeping = c.query('SELECT pg_sleep(60)').then(
          () => 'finished',
          (err: { code?: string }) => err.code,
        );
        await expect
          .poll(async () => {
            const a = await adminClient(db);
            const r = await a.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%' AND state = 'active'",
              [pid],
            );
            await a.end();
            return r.rows[0].n;
          })
          .toBe(1);
        const before = await metric('sluice_cancel_requests_relayed_total');
        await sendCancel('127.0.0.1', port, pid, secret);
        expect(await sleeping).toBe('57014');
        if ((await metric('sluice_cancel_requests_relayed_total')) > before) relayed++;
        else local++;
      }
      expect(relayed).toBeGreaterThan(0);
      expect(local).toBeGreaterThan(0);
      expect(await metric('sluice_cancel_requests_relayed_total')).toBeGreaterThan(relayedBefore);
      expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('a CancelRequest for a held statement cancels the hold from either worker; an unknown key is dropped', async () => {
    let relayedHold = false;
    for (let attempt = 0; attempt < 8 && !relayedHold; attempt++) {
      const c = await connect();
      try {
        const sql = `INSERT INTO side_effect VALUES (${100 + attempt})`;
        const held = c.query(sql).then(
          () => 'ran',
          (err: { code?: string; detail?: string }) => `${err.code} ${err.detail}`,
        );
        await pendingId(sql);
        const before = await metric('sluice_cancel_requests_relayed_total');
        const { pid, secret } = keyOf(c);
        await sendCancel('127.0.0.1', port, pid, secret);
        expect(await held).toMatch(/^57014 Sluice request \S+ was cancelled/);
        relayedHold = (await metric('sluice_cancel_requests_relayed_total')) > before;
      } finally {
        await c.end();
      }
    }
    expect(relayedHold).toBe(true);
    const admin = await adminClient(db);
    const r = await admin.query('SELECT count(*)::int AS n FROM side_effect WHERE n >= 100');
    await admin.end();
    expect(r.rows[0].n).toBe(0);
    // A key nobody holds: relayed, looked up by the sibling, dropped; everything still works.
    await sendCancel('127.0.0.1', port, 123456, 654321);
    const c = await connect();
    expect((await c.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    await c.end();
  });

  it('a worker killed with SIGKILL: its client is cut off, its request is closed, and it is restarted', async () => {
    const c = await connect();
    const sql = 'INSERT INTO side_effect VALUES (999)';
    const held = c.query(sql).then(
      () => 'ran',
      () => 'cut off',
    );
    const id = await pendingId(sql);
    const victim = (await workers()).find((w) => (w.sessions ?? 0) > 0)!;
    process.kill(victim.pid, 'SIGKILL');
    expect(await held).toBe('cut off');
    await expect
      .poll(
        async () => {
          const w = (await workers())[victim.index]!;
          return w.state === 'ready' && w.restarts === 1 && w.pid !== victim.pid;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
    // Its lease runs out and a live replica (the primary or the other worker) ends it.
    await expect
      .poll(
        async () =>
          ((await api('GET', `/api/requests/${id}`)).json().request as { status: string }).status,
        { timeout: 30_000, interval: 200 },
      )
      .toBe('cancelled');
    const approve = await api('POST', `/api/requests/${id}/approve`, { by: 'ops' });
    expect(approve.status).toBe(409);
    const after = await connect();
    expect(
      (await after.query('SELECT count(*)::int AS n FROM side_effect WHERE n = 999')).rows[0].n,
    ).toBe(0);
    await after.end();
  });

  it('SIGHUP reloads the policy in the primary and in every worker; a worker ignores signals meant for the group', async () => {
    const reloads = () => metric('sluice_policy_reloads_total', { result: 'ok' });
    const before = await reloads();
    child.kill('SIGHUP');
    await expect.poll(reloads, { timeout: 30_000, interval: 100 }).toBe(before + 3);
    // What a terminal's Ctrl-C does to the group: the worker stays, the primary decides.
    const [w] = await workers();
    process.kill(w!.pid, 'SIGINT');
    process.kill(w!.pid, 'SIGTERM');
    const c = await connect();
    const c2 = await connect();
    expect((await c.query('SELECT 3 AS n')).rows[0].n).toBe(3);
    expect((await c2.query('SELECT 4 AS n')).rows[0].n).toBe(4);
    await Promise.all([c.end(), c2.end()]);
    const after = (await workers())[w!.index]!;
    expect(after).toMatchObject({ pid: w!.pid, state: 'ready', restarts: w!.restarts });
  });

  it('SIGTERM drains every worker and the primary exits 0', async () => {
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const pids = (await workers()).map((w) => w.pid);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(stderr).not.toMatch(/error/i);
  });
});

describe('sluice proxy --workers whose primary is killed', () => {
  it('the workers close their sessions and exit', async () => {
    const s = startSluice(['--workers', '2', '--control-url', control]);
    await new Promise<void>((resolve) => {
      const check = () => {
        if (/Ctrl-C stops Sluice/.test(s.output().out) || s.proc.exitCode !== null) resolve();
        else setTimeout(check, 100);
      };
      check();
    });
    const admin = /Approvals: (http:\/\/\S+)/.exec(s.output().out)?.[1];
    const res = await fetch(`${admin}/api/status`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const status = (await res.json()) as { proxy: { processes: WorkerInfo[] } };
    const pids = status.proxy.processes.map((w) => w.pid);
    expect(pids).toHaveLength(2);
    s.proc.kill('SIGKILL');
    const alive = () =>
      pids.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      }).length;
    await expect.poll(alive, { timeout: 30_000, interval: 100 }).toBe(0);
  });
});

describe('sluice proxy --workers without a control database', () => {
  it('refuses to start and says why', async () => {
    const s = startSluice(['--workers', '2']);
    expect(await s.exited).toBe(1);
    expect(s.output().err).toMatch(/--workers needs a control database \(--control-url\)/);
  });
});
