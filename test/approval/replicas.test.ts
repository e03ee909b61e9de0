// Three replicas sharing one control database, in process (the CLI test runs them as
// `sluice proxy` processes): a vote on any replica releases the statement where it is
// held, exactly once whatever the races; a replica that stalls or dies past its lease
// releases nothing, and the others close its requests; a webhook delivery id is handled
// by one replica only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { openApprovals, type Approvals } from '../../src/approval/open-approvals.js';
import type { ReplicaBroker } from '../../src/approval/replica-broker.js';
import type { BrokerEvent, Verdict } from '../../src/approval/types.js';
import { silentLogger } from '../../src/util/log.js';
import { newRequest } from './fixtures.js';

let controlUrl: string;
let a: Approvals;
let b: Approvals;
let c: Approvals;
const events: BrokerEvent[] = [];
const children: ChildProcess[] = [];

const open = (leaseMs = 10_000) =>
  openApprovals({ controlUrl, stateDir: 'unused', logger: silentLogger, leaseMs });

beforeAll(async () => {
  controlUrl = upstreamUrl(await createTestDatabase('replicas'));
  [a, b, c] = await Promise.all([open(), open(), open()]);
  for (const r of [a, b, c]) r.broker.subscribe((e) => void events.push(e));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([a, b, c].map((r) => r.close()));
});

async function auditTypes(id: string): Promise<string[]> {
  return (await a.audit.list({ requestId: id })).map((r) => r.type);
}

/** Ends the lease of the replica holding request `id`, as time would. */
async function endLeaseOf(id: string): Promise<void> {
  const admin = new pg.Client({ connectionString: controlUrl });
  await admin.connect();
  try {
    await admin.query(
      `UPDATE sluice.replicas SET expires_at = clock_timestamp()
        WHERE id = (SELECT owner FROM sluice.requests WHERE id = $1)`,
      [id],
    );
  } finally {
    await admin.end();
  }
}

/** A replica in a child process; its stdout lines, in order. */
function childReplica(leaseMs: number): {
  child: ChildProcess;
  id: Promise<string>;
  verdict: Promise<Verdict | undefined>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/approval/replica-holder.ts', controlUrl, String(leaseMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  let verdict: Verdict | undefined;
  const id = new Promise<string>((resolve, reject) => {
    lines.on('line', (l) => {
      if (l.startsWith('id ')) resolve(l.slice(3));
      if (l.startsWith('verdict ')) verdict = JSON.parse(l.slice(8)) as Verdict;
    });
    child.on('exit', () => reject(new Error('the child replica exited before holding')));
  });
  const done = new Promise<Verdict | undefined>((resolve) =>
    child.on('exit', () => resolve(verdict)),
  );
  return { child, id, verdict: done };
}

describe('replicas sharing a control database', () => {
  it('a vote on A releases the statement held on B; outcome and audit chain are shared', async () => {
    const h = await b.broker.hold(newRequest());
    const res = await a.broker.approve(h.request.id, { by: 'bob', source: 'local', reason: 'ok' });
    expect(res).toMatchObject({ ok: true, released: true });
    expect(await h.verdict).toEqual({ kind: 'approved', by: ['bob'], reason: 'ok' });
    await h.reportOutcome({ ok: true, commandTag: 'DELETE 1', rows: 1, durationMs: 3 });
    expect(await c.broker.get(h.request.id)).toMatchObject({
      status: 'executed',
      outcome: { rows: 1 },
    });
    expect(await auditTypes(h.request.id)).toEqual([
      'request.created',
      'request.vote',
      'request.approved',
      'request.executed',
    ]);
    // A announced the decision, B the outcome: each event once across replicas.
    const mine = events.filter((e) => e.request.id === h.request.id).map((e) => e.type);
    expect(mine.sort()).toEqual(['created', 'finished', 'resolved', 'vote']);
    expect((await c.audit.verify()).ok).toBe(true);
  });

  it('two approvals at once on A and C, and one on the holder itself: released once', async () => {
    for (let round = 0; round < 5; round++) {
      const h = await b.broker.hold(newRequest());
      const results = await Promise.all([
        a.broker.approve(h.request.id, { by: 'bob', source: 'local' }),
        c.broker.approve(h.request.id, { by: 'carol', source: 'local' }),
        b.broker.approve(h.request.id, { by: 'dave', source: 'local' }),
      ]);
      expect(results.filter((r) => r.ok && r.released)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([
        'not_pending',
        'not_pending',
      ]);
      expect((await h.verdict).kind).toBe('approved');
      await h.reportOutcome({ ok: true, durationMs: 1 });
      const types = await auditTypes(h.request.id);
      expect(types.filter((t) => t === 'request.approved')).toHaveLength(1);
      expect(types.filter((t) => t === 'request.executed')).toHaveLength(1);
    }
  });

  it('votes from several replicas add up to a tier of two; a denial on C refuses on B', async () => {
    const h = await b.broker.hold(newRequest({ tier: { approvals: 2 } }));
    expect(await a.broker.approve(h.request.id, { by: 'bob', source: 'local' })).toMatchObject({
      released: false,
    });
    expect(await c.broker.approve(h.request.id, { by: 'carol', source: 'local' })).toMatchObject({
      released: true,
    });
    expect(await h.verdict).toMatchObject({ kind: 'approved', by: ['bob', 'carol'] });
    await h.reportOutcome({ ok: true, durationMs: 1 });

    const d = await b.broker.hold(newRequest());
    expect(await c.broker.deny(d.request.id, 'carol', 'not today')).toMatchObject({ ok: true });
    expect(await d.verdict).toEqual({ kind: 'denied', by: 'carol', reason: 'not today' });
    expect(await a.broker.approve(d.request.id, { by: 'bob', source: 'local' })).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
  });

  it('a client leaving B cancels its request everywhere; a late approval on A releases nothing', async () => {
    const h = await b.broker.hold(newRequest());
    await h.cancel('client disconnected');
    expect(await h.verdict).toMatchObject({ kind: 'cancelled' });
    expect(await a.broker.approve(h.request.id, { by: 'bob', source: 'local' })).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect(await a.broker.get(h.request.id)).toMatchObject({ status: 'cancelled' });
  });

  it('a replica killed while holding: the others close its request ("session ended"), approving it fails', async () => {
    const holder = childReplica(60_000);
    const id = await holder.id;
    holder.child.kill('SIGKILL');
    // Its lease runs out (a lease left to expire by itself: test/cli/replicas.test.ts).
    await endLeaseOf(id);
    await expect
      .poll(async () => (await a.broker.get(id))?.status, { timeout: 30_000, interval: 100 })
      .toBe('cancelled');
    expect(await c.broker.get(id)).toMatchObject({ resolution: { reason: 'session ended' } });
    expect(events.some((e) => e.type === 'resolved' && e.request.id === id)).toBe(true);
    expect(await c.broker.approve(id, { by: 'bob', source: 'local' })).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect(await auditTypes(id)).toEqual(['request.created', 'request.cancelled']);
  });

  it('a replica stalled past its lease between approval and release releases nothing when it resumes', async () => {
    // A long lease, ended by hand below: the approval surely finds the holder alive.
    const holder = childReplica(60_000);
    const id = await holder.id;
    holder.child.kill('SIGSTOP');
    // Approved while the holder cannot react: it has not claimed it...
    expect(await a.broker.approve(id, { by: 'bob', source: 'local' })).toMatchObject({
      ok: true,
      released: true,
    });
    // ...when its lease runs out (as if it stayed stopped that long).
    await endLeaseOf(id);
    await expect
      .poll(async () => (await c.broker.get(id))?.status, { timeout: 30_000, interval: 100 })
      .toBe('cancelled');
    holder.child.kill('SIGCONT');
    const verdict = await holder.verdict;
    expect(verdict).toMatchObject({ kind: 'cancelled' });
    expect(await a.broker.get(id)).toMatchObject({
      status: 'cancelled',
      resolution: { reason: 'session ended' },
    });
    expect(await auditTypes(id)).toEqual([
      'request.created',
      'request.vote',
      'request.approved',
      'request.cancelled',
    ]);
    expect((await a.audit.verify()).ok).toBe(true);
  });

  it('a replica whose lease ran out cannot hold or release, and votes for its requests fail', async () => {
    const h = await b.broker.hold(newRequest());
    const admin = new pg.Client({ connectionString: controlUrl });
    await admin.connect();
    const replica = (b.broker as ReplicaBroker).replicaId;
    try {
      await admin.query(
        `UPDATE sluice.replicas SET expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`,
        [replica],
      );
      // Refused whether this vote or a replica's periodic clean-up closes it first.
      expect(await a.broker.approve(h.request.id, { by: 'bob', source: 'local' })).toMatchObject({
        ok: false,
        code: 'not_pending',
      });
      expect(await a.broker.get(h.request.id)).toMatchObject({
        status: 'cancelled',
        resolution: { reason: 'session ended' },
      });
      expect(await h.verdict).toMatchObject({ kind: 'cancelled' });
      // B notices at its next heartbeat and takes a new lease under a new id.
      await expect
        .poll(() => (b.broker as ReplicaBroker).replicaId, { timeout: 30_000 })
        .not.toBe(replica);
      const again = await b.broker.hold(newRequest());
      await a.broker.approve(again.request.id, { by: 'bob', source: 'local' });
      expect((await again.verdict).kind).toBe('approved');
      await again.reportOutcome({ ok: true, durationMs: 1 });
    } finally {
      await admin.end();
    }
  });

  it('a replica without a current lease refuses to hold (fail closed)', async () => {
    // A long lease: no heartbeat comes to renew or replace it during this test.
    const d = await open(60_000);
    const admin = new pg.Client({ connectionString: controlUrl });
    await admin.connect();
    try {
      await admin.query(`UPDATE sluice.replicas SET expires_at = clock_timestamp() WHERE id = $1`, [
        (d.broker as ReplicaBroker).replicaId,
      ]);
      await expect(d.broker.hold(newRequest())).rejects.toThrow(/no lease/);
      expect(d.broker.pendingCount()).toBe(0);
    } finally {
      await admin.end();
      await d.close();
    }
  });

  it('a webhook delivery id is first on exactly one replica, and old ids are pruned', async () => {
    const id = `delivery-${Date.now()}`;
    const firsts = await Promise.all([
      a.deliveryGuard!.firstTime(id),
      b.deliveryGuard!.firstTime(id),
      c.deliveryGuard!.firstTime(id),
    ]);
    expect(firsts.filter(Boolean)).toHaveLength(1);
    expect(await a.deliveryGuard!.firstTime(id)).toBe(false);
    const admin = new pg.Client({ connectionString: controlUrl });
    await admin.connect();
    try {
      await admin.query(
        `UPDATE sluice.webhook_deliveries SET seen_at = now() - interval '8 days' WHERE id = $1`,
        [id],
      );
      expect(await b.deliveryGuard!.prune()).toBeGreaterThanOrEqual(1);
      const left = await admin.query('SELECT 1 FROM sluice.webhook_deliveries WHERE id = $1', [id]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
