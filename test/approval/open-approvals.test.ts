// The factory end to end on both stores, including a restart with requests left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, pgInfo, upstreamUrl } from '../helpers/pg.js';
import { openApprovals, type Approvals } from '../../src/approval/open-approvals.js';
import type { BrokerEvent } from '../../src/approval/types.js';
import { silentLogger } from '../../src/util/log.js';
import { newRequest } from './fixtures.js';
import { REQUEST_ID_PATTERN } from '../../src/approval/request-id.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileP = promisify(execFile);

let dir: string;
let controlUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-open-'));
  controlUrl = upstreamUrl(await createTestDatabase('control'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a separate process that holds a request and exits without cleaning up. */
async function crashAfterHolding(mode: string): Promise<string> {
  const args = [
    '--import',
    'tsx',
    'test/approval/crash-holder.ts',
    path.join(dir, mode === 'file' ? 'state' : 'unused'),
  ];
  if (mode === 'postgres') args.push(controlUrl, '60000');
  const { stdout } = await execFileP(process.execPath, args, { cwd: process.cwd() });
  const id = stdout.trim();
  expect(id).toMatch(REQUEST_ID_PATTERN);
  return id;
}

const modes: [string, () => Promise<Approvals>][] = [
  [
    'postgres',
    () => openApprovals({ controlUrl, stateDir: path.join(dir, 'unused'), logger: silentLogger }),
  ],
  ['file', () => openApprovals({ stateDir: path.join(dir, 'state'), logger: silentLogger })],
];

describe.each(modes)('openApprovals (%s)', (mode, open) => {
  it('holds, approves, records the outcome, and keeps the audit chain', async () => {
    const a = await open();
    expect(a.audit.kind).toBe(mode);
    expect(a.store.kind).toBe(mode);
    if (mode === 'file') expect(a.warnings.join('\n')).toMatch(/no control database.*audit\.jsonl/);
    else {
      expect(a.warnings).toEqual([]);
      expect(a.audit.location).not.toContain(pgInfo().password);
    }
    const h = await a.broker.hold(newRequest());
    expect(await a.broker.approve(h.request.id, { by: 'bob', source: 'local' })).toMatchObject({
      released: true,
    });
    await h.reportOutcome({
      ok: false,
      durationMs: 2,
      error: { code: '23503', message: 'fk violation' },
    });
    expect(await a.broker.get(h.request.id)).toMatchObject({
      status: 'failed',
      outcome: { error: { code: '23503' } },
    });
    const types = (await a.audit.list({ requestId: h.request.id })).map((r) => r.type);
    expect(types).toEqual([
      'request.created',
      'request.vote',
      'request.approved',
      'request.failed',
    ]);
    expect((await a.audit.verify()).ok).toBe(true);
    await a.close();
  });

  it('after a restart, requests left pending are cancelled ("session ended") and channels hear it', async () => {
    const id = await crashAfterHolding(mode);
    const second = await open();
    const events: BrokerEvent[] = [];
    second.broker.subscribe((e) => void events.push(e));
    // With a control database, once the dead process's lease has run out (ended here by
    // hand: a lease short enough to wait for could run out before the child even holds).
    if (mode === 'postgres') {
      const admin = new pg.Client({ connectionString: controlUrl });
      await admin.connect();
      await admin.query(
        `UPDATE sluice.replicas SET expires_at = clock_timestamp()
          WHERE id = (SELECT owner FROM sluice.requests WHERE id = $1)`,
        [id],
      );
      await admin.end();
    }
    const cancelled: string[] = [];
    await expect
      .poll(
        async () => {
          cancelled.push(...(await second.broker.recover()).cancelled);
          return events.some((e) => e.type === 'resolved' && e.request.id === id);
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(true);
    if (mode === 'file') expect(cancelled).toContain(id);
    expect(await second.broker.get(id)).toMatchObject({
      status: 'cancelled',
      resolution: { reason: 'session ended' },
    });
    expect(await second.broker.approve(id, { by: 'bob', source: 'local' })).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect((await second.audit.verify()).ok).toBe(true);
    await second.close();
  });
});

it('openApprovals fails (no silent fallback) when the control database is unreachable', async () => {
  await expect(
    openApprovals({
      controlUrl: 'postgres://nobody:x@127.0.0.1:1/none',
      stateDir: dir,
      logger: silentLogger,
    }),
  ).rejects.toThrow(/control database postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/);
});
