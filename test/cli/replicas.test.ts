// Three `sluice proxy` processes in front of one database, sharing one control database:
// a statement held on B is released by an approval sent to A's admin API; approvals sent
// to A and C at once run it once; a replica killed with SIGKILL has its request closed by
// the others ("session ended"), and approving it afterwards runs nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminClient, createTestDatabase, pgInfo, upstreamUrl } from '../helpers/pg.js';

const MAIN = path.resolve('src/cli/main.ts');
const TOKEN = 'replica-test-admin-token-0123456789';

interface Replica {
  name: string;
  child: ChildProcess;
  port: number;
  admin: string;
}

let db: string;
let control: string;
const replicas: Replica[] = [];

async function startReplica(name: string): Promise<Replica> {
  const info = pgInfo();
  const state = mkdtempSync(path.join(tmpdir(), `sluice-replica-${name}-`));
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
      '--control-url',
      control,
      '--state',
      state,
    ],
    {
      env: { ...process.env, SLUICE_ADMIN_TOKEN: TOKEN, SLUICE_REPLICA_LEASE_MS: '6000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/Ctrl-C stops Sluice/.test(stdout)) resolve();
      else if (child.exitCode !== null) reject(new Error(`${name} exited:\n${stdout}\n${stderr}`));
      else setTimeout(check, 100);
    };
    check();
  });
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
  const admin = /Approvals: (http:\/\/\S+)/.exec(stdout)?.[1];
  if (!port || !admin) throw new Error(`${name}: no addresses in\n${stdout}`);
  return { name, child, port, admin };
}

async function api(
  r: Replica,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${r.admin}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function clientOn(r: Replica): Promise<pg.Client> {
  const info = pgInfo();
  const c = new pg.Client({
    host: '127.0.0.1',
    port: r.port,
    user: info.user,
    password: info.password,
    database: db,
  });
  c.on('notice', () => {});
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Waits (on any replica's API) for the pending request holding `sql`; returns its id. */
async function pendingId(r: Replica, sql: string): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(
      async () => {
        const { json } = await api(r, 'GET', '/api/requests?status=pending');
        const list = json.requests as { id: string; sql: string }[];
        id = list.find((x) => x.sql === sql)?.id;
        return id;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBeDefined();
  return id!;
}

async function count(marker: number): Promise<number> {
  const admin = await adminClient(db);
  try {
    const r = await admin.query('SELECT count(*)::int AS n FROM side_effect WHERE n = $1', [
      marker,
    ]);
    return r.rows[0].n as number;
  } finally {
    await admin.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('replicas_up');
  control = upstreamUrl(await createTestDatabase('replicas_ctl'));
  const admin = await adminClient(db);
  await admin.query('CREATE TABLE side_effect (n int)');
  await admin.end();
  replicas.push(...(await Promise.all(['a', 'b', 'c'].map(startReplica))));
});

afterAll(() => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
});

describe('three sluice proxy replicas, one control database', () => {
  it('an approval sent to A releases the statement held on B', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const c = await clientOn(b);
    try {
      const sql = 'INSERT INTO side_effect VALUES (1)';
      const held = c.query(sql);
      const id = await pendingId(a, sql);
      expect(await count(1)).toBe(0);
      const res = await api(a, 'POST', `/api/requests/${id}/approve`, { by: 'ops', reason: 'ok' });
      expect(res.status).toBe(200);
      expect(res.json.released).toBe(true);
      expect((await held).rowCount).toBe(1);
      expect(await count(1)).toBe(1);
      await expect
        .poll(
          async () =>
            ((await api(a, 'GET', `/api/requests/${id}`)).json.request as { status: string })
              .status,
        )
        .toBe('executed');
    } finally {
      await c.end();
    }
  });

  it('approvals sent to A and C at the same moment run the statement once', async () => {
    const [a, b, cRep] = replicas as [Replica, Replica, Replica];
    for (let marker = 10; marker < 13; marker++) {
      const client = await clientOn(b);
      try {
        const sql = `INSERT INTO side_effect VALUES (${marker})`;
        const held = client.query(sql);
        const id = await pendingId(cRep, sql);
        const [ra, rc] = await Promise.all([
          api(a, 'POST', `/api/requests/${id}/approve`, { by: 'ops-a' }),
          api(cRep, 'POST', `/api/requests/${id}/approve`, { by: 'ops-c' }),
        ]);
        expect([ra.status, rc.status].sort()).toEqual([200, 409]);
        expect((await held).rowCount).toBe(1);
        expect(await count(marker)).toBe(1);
      } finally {
        await client.end();
      }
    }
  });

  it('a replica killed while holding: its client is cut off, the others end its request, approving it runs nothing', async () => {
    const [a, b, cRep] = replicas as [Replica, Replica, Replica];
    const client = await clientOn(b);
    const sql = 'INSERT INTO side_effect VALUES (99)';
    const held = client.query(sql).then(
      () => 'ran',
      (err: Error) => err.message,
    );
    const id = await pendingId(a, sql);
    b.child.kill('SIGKILL');
    expect(await held).not.toBe('ran');
    await expect
      .poll(
        async () =>
          (await api(cRep, 'GET', `/api/requests/${id}`)).json.request as Record<string, unknown>,
        { timeout: 30_000, interval: 200 },
      )
      .toMatchObject({ status: 'cancelled', resolution: { reason: 'session ended' } });
    const late = await api(a, 'POST', `/api/requests/${id}/approve`, { by: 'ops' });
    expect(late.status).toBe(409);
    expect(await count(99)).toBe(0);
    await client.end().catch(() => undefined);
  });
});
