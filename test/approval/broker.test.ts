import { describe, expect, it } from 'vitest';
import { Broker, HoldRefusedError } from '../../src/approval/broker.js';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import { REQUEST_ID_PATTERN } from '../../src/approval/request-id.js';
import type { BrokerEvent, Verdict } from '../../src/approval/types.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { newRequest } from './fixtures.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

function setup() {
  const store = new MemoryRequestStore();
  const audit = new MemoryAuditLog();
  const broker = new Broker({ store, audit });
  const events: BrokerEvent[] = [];
  broker.subscribe((e) => void events.push(e));
  return { store, audit, broker, events };
}

/** The verdict if it has settled by now, else 'pending'. */
async function peek(p: Promise<Verdict>): Promise<Verdict | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

const vote = (by: string, extra: object = {}) => ({ by, source: 'local', ...extra });

describe('Broker', () => {
  it('holds a request: persisted, audited, announced, with a short URL-safe id', async () => {
    const { store, audit, broker, events } = setup();
    const h = await broker.hold(newRequest({ tier: { timeoutMs: 90_000 } }));
    expect(h.request.id).toMatch(REQUEST_ID_PATTERN);
    expect(Date.parse(h.request.expiresAt) - Date.parse(h.request.createdAt)).toBe(90_000);
    expect((await store.get(h.request.id))?.status).toBe('pending');
    expect(audit.records.map((r) => r.type)).toEqual(['request.created']);
    expect(audit.records[0]?.data.sql).toBe('DELETE FROM orders WHERE id = 42');
    expect(events.map((e) => e.type)).toEqual(['created']);
    expect(await peek(h.verdict)).toBe('pending');
    await broker.close();
  });

  it('an approval releases exactly that request, once; a second approval releases nothing', async () => {
    const { store, audit, broker, events } = setup();
    const a = await broker.hold(newRequest());
    const b = await broker.hold(newRequest({ sql: 'DELETE FROM orders WHERE id = 43' }));
    const first = await broker.approve(a.request.id, vote('bob', { reason: 'ticket 7' }));
    expect(first).toMatchObject({ ok: true, released: true });
    expect(await a.verdict).toEqual({ kind: 'approved', by: ['bob'], reason: 'ticket 7' });
    expect(await peek(b.verdict)).toBe('pending');

    const again = await broker.approve(a.request.id, vote('carol'));
    expect(again).toMatchObject({ ok: false, code: 'not_pending' });
    const same = await broker.approve(a.request.id, vote('bob'));
    expect(same).toMatchObject({ ok: false, code: 'not_pending' });
    expect((await store.get(a.request.id))?.approvals.map((v) => v.by)).toEqual(['bob']);
    expect(audit.records.filter((r) => r.type === 'request.approved')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'resolved')).toHaveLength(1);

    await a.reportOutcome({ ok: true, commandTag: 'DELETE 1', rows: 1, durationMs: 3 });
    const done = await store.get(a.request.id);
    expect(done).toMatchObject({
      status: 'executed',
      outcome: { commandTag: 'DELETE 1', rows: 1 },
    });
    expect(audit.records.at(-1)).toMatchObject({
      type: 'request.executed',
      requestId: a.request.id,
    });
    expect(events.at(-1)).toMatchObject({ type: 'finished' });
    // After execution too: nothing to release.
    expect(await broker.approve(a.request.id, vote('dave'))).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect((await audit.verify()).ok).toBe(true);
    await broker.close();
  });

  it('an approval for another hash releases nothing (and is audited)', async () => {
    const { audit, broker } = setup();
    const h = await broker.hold(newRequest());
    const r = await broker.approve(h.request.id, vote('bob', { bindingHash: 'f'.repeat(64) }));
    expect(r).toMatchObject({ ok: false, code: 'hash_mismatch' });
    expect(await peek(h.verdict)).toBe('pending');
    expect(audit.records.at(-1)).toMatchObject({
      type: 'request.vote_rejected',
      data: { code: 'hash_mismatch' },
    });
    const ok = await broker.approve(
      h.request.id,
      vote('bob', { bindingHash: h.request.bindingHash }),
    );
    expect(ok).toMatchObject({ ok: true, released: true });
    // The hash is not kept in the vote.
    expect(ok.ok && ok.request.approvals[0]).not.toHaveProperty('bindingHash');
    await broker.close();
  });

  it('refuses self-approval by the mapped requester and by the PostgreSQL user', async () => {
    const { broker } = setup();
    const h = await broker.hold(newRequest());
    expect(await broker.approve(h.request.id, vote('@Alice'))).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await broker.approve(h.request.id, vote('app_writer'))).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await broker.approve(h.request.id, vote('  '))).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await peek(h.verdict)).toBe('pending');

    const allowed = await broker.hold(newRequest({ tier: { allowSelfApproval: true } }));
    expect(await broker.approve(allowed.request.id, vote('alice'))).toMatchObject({
      ok: true,
      released: true,
    });
    await broker.close();
  });

  it('ignores duplicate votes and releases when the count and groups are met', async () => {
    const { audit, broker, events } = setup();
    const h = await broker.hold(
      newRequest({
        tier: { approvals: 2, owners: { codeowners: true, allOf: [{ anyOf: ['@acme/sec'] }] } },
      }),
    );
    const id = h.request.id;
    expect(await broker.approve(id, vote('bob', { teams: ['@acme/dba'] }))).toMatchObject({
      released: false,
    });
    expect(await broker.approve(id, vote('BOB', { teams: ['@acme/dba'] }))).toMatchObject({
      released: false,
    });
    expect((await broker.get(id))?.approvals).toHaveLength(1);
    // Second person, but not in @acme/sec: count met, group not.
    expect(await broker.approve(id, vote('zed'))).toMatchObject({ released: false });
    expect(await peek(h.verdict)).toBe('pending');
    expect(audit.records.at(-1)?.data.missing).toEqual(['an approval from one of @acme/sec']);
    expect(await broker.approve(id, vote('sam', { teams: ['@acme/sec'] }))).toMatchObject({
      released: true,
    });
    expect(await h.verdict).toMatchObject({ kind: 'approved', by: ['bob', 'zed', 'sam'] });
    expect(events.filter((e) => e.type === 'vote')).toHaveLength(3);
    await broker.close();
  });

  it('revoke withdraws a vote before release, not after', async () => {
    const { audit, broker } = setup();
    const h = await broker.hold(newRequest({ tier: { approvals: 2 } }));
    const id = h.request.id;
    await broker.approve(id, vote('bob'));
    expect(await broker.revoke(id, 'bob', 'new push')).toMatchObject({ ok: true, released: false });
    expect((await broker.get(id))?.approvals).toEqual([]);
    expect(audit.records.at(-1)).toMatchObject({ type: 'request.vote_revoked', actor: 'bob' });
    await broker.approve(id, vote('carol'));
    expect(await broker.approve(id, vote('bob'))).toMatchObject({ released: true });
    expect(await broker.revoke(id, 'bob', 'too late')).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect(await h.verdict).toMatchObject({ kind: 'approved' });
    await broker.close();
  });

  it('deny resolves denied with who and why; later approvals release nothing', async () => {
    const { store, audit, broker } = setup();
    const h = await broker.hold(newRequest());
    expect(await broker.deny(h.request.id, 'carol', 'no ticket')).toMatchObject({
      ok: true,
      released: false,
    });
    expect(await h.verdict).toEqual({ kind: 'denied', by: 'carol', reason: 'no ticket' });
    expect(await broker.approve(h.request.id, vote('bob'))).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect(await broker.deny(h.request.id, 'x', 'y')).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect(await store.get(h.request.id)).toMatchObject({
      status: 'denied',
      resolution: { by: 'carol', reason: 'no ticket' },
    });
    expect(audit.records.at(-1)).toMatchObject({
      type: 'request.denied',
      actor: 'carol',
      data: { reason: 'no ticket' },
    });
    expect(await broker.approve('r_nosuchthing', vote('bob'))).toMatchObject({
      ok: false,
      code: 'not_found',
    });
  });

  it('expires on its timer, and an approval after expiry releases nothing', async () => {
    const { store, audit, broker } = setup();
    const h = await broker.hold(newRequest({ tier: { timeoutMs: 40 } }));
    expect(await h.verdict).toEqual({ kind: 'expired' });
    expect(await broker.approve(h.request.id, vote('bob'))).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect((await store.get(h.request.id))?.status).toBe('expired');
    expect(audit.records.map((r) => r.type)).toEqual(['request.created', 'request.expired']);
  });

  it('a vote that races the expiry (deadline passed, timer not yet run) loses', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const broker = new Broker({
      store: new MemoryRequestStore(),
      audit: new MemoryAuditLog(),
      now: () => now,
    });
    const h = await broker.hold(newRequest({ tier: { timeoutMs: 60_000 } }));
    now = new Date(now.getTime() + 60_000);
    expect(await broker.approve(h.request.id, vote('bob'))).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect(await h.verdict).toEqual({ kind: 'expired' });
  });

  it('cancel (client gone) resolves cancelled; cancel after approval changes nothing', async () => {
    const { store, broker } = setup();
    const h = await broker.hold(newRequest());
    await h.cancel('client disconnected');
    expect(await h.verdict).toEqual({ kind: 'cancelled', reason: 'client disconnected' });
    expect(await broker.approve(h.request.id, vote('bob'))).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect((await store.get(h.request.id))?.status).toBe('cancelled');

    const h2 = await broker.hold(newRequest());
    await broker.approve(h2.request.id, vote('bob'));
    await h2.cancel('too late');
    expect(await h2.verdict).toMatchObject({ kind: 'approved' });
    expect((await store.get(h2.request.id))?.status).toBe('approved');
    await broker.close();
  });

  it('concurrent approvals of the same request release it once', async () => {
    const { audit, broker } = setup();
    const h = await broker.hold(newRequest());
    const results = await Promise.all(
      ['bob', 'carol', 'dave', 'erin'].map((b) => broker.approve(h.request.id, vote(b))),
    );
    expect(results.filter((r) => r.ok && r.released)).toHaveLength(1);
    expect(audit.records.filter((r) => r.type === 'request.approved')).toHaveLength(1);
    await broker.close();
  });

  it('fails closed: hold throws when the store or the audit log cannot record it', async () => {
    const store = new MemoryRequestStore();
    store.insert = () => Promise.reject(new Error('disk full'));
    await expect(
      new Broker({ store, audit: new MemoryAuditLog() }).hold(newRequest()),
    ).rejects.toThrow('disk full');

    const store2 = new MemoryRequestStore();
    const audit2 = new MemoryAuditLog();
    audit2.append = () => Promise.reject(new Error('audit down'));
    await expect(new Broker({ store: store2, audit: audit2 }).hold(newRequest())).rejects.toThrow(
      'audit down',
    );
    // What was stored is not left pending for someone to approve.
    expect(await store2.list({ status: 'pending' })).toEqual([]);

    const broker = new Broker({ store: new MemoryRequestStore(), audit: new MemoryAuditLog() });
    await expect(
      broker.hold(newRequest({ tier: { requireJustification: true } })),
    ).rejects.toBeInstanceOf(HoldRefusedError);
    const ok = await broker.hold(
      newRequest({ tier: { requireJustification: true }, justification: 'INC-1' }),
    );
    expect(ok.request.justification).toBe('INC-1');
    await broker.close();
  });

  it('does not release when the approval cannot be audited; a retry can', async () => {
    const store = new MemoryRequestStore();
    const audit = new MemoryAuditLog();
    const broker = new Broker({ store, audit });
    const h = await broker.hold(newRequest());
    const realAppend = audit.append.bind(audit);
    audit.append = async (e) =>
      e.type === 'request.approved' ? Promise.reject(new Error('audit down')) : realAppend(e);
    await expect(broker.approve(h.request.id, vote('bob'))).rejects.toThrow('audit down');
    expect(await peek(h.verdict)).toBe('pending');
    expect((await broker.get(h.request.id))?.status).toBe('pending');
    audit.append = realAppend;
    expect(await broker.approve(h.request.id, vote('bob'))).toMatchObject({ released: true });
    await broker.close();
  });

  it('holds 500 requests at once, each resolving on its own', async () => {
    const { store, audit, broker } = setup();
    const handles = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        broker.hold(newRequest({ sql: `DELETE FROM t WHERE id = ${i}` })),
      ),
    );
    expect(new Set(handles.map((h) => h.request.id)).size).toBe(500);
    expect(broker.pendingCount()).toBe(500);
    expect(await store.list({ status: 'pending' })).toHaveLength(500);
    await broker.approve(handles[250]!.request.id, vote('bob'));
    expect(await handles[250]!.verdict).toMatchObject({ kind: 'approved' });
    expect(await peek(handles[249]!.verdict)).toBe('pending');
    await broker.close(); // cancels the rest
    const verdicts = await Promise.all(handles.map((h) => h.verdict));
    expect(verdicts.filter((v) => v.kind === 'cancelled')).toHaveLength(499);
    expect((await audit.verify()).ok).toBe(true);
    await expect(broker.hold(newRequest())).rejects.toBeInstanceOf(HoldRefusedError);
  });

  it('expiry timers do not keep the process alive', async () => {
    const { stdout } = await execFileP(
      process.execPath,
      ['--import', 'tsx', 'test/approval/idle-holder.ts'],
      { timeout: 30_000 },
    );
    expect(stdout).toBe('holding 50\n');
  });

  it('recover(): pending requests of a dead process are cancelled, approved ones get an unknown outcome', async () => {
    const store = new MemoryRequestStore();
    const audit = new MemoryAuditLog();
    const old = new Broker({ store, audit });
    const pending = await old.hold(newRequest());
    const approved = await old.hold(newRequest());
    await old.approve(approved.request.id, vote('bob'));
    // The old process dies: no close(), no outcome.
    const fresh = new Broker({ store, audit });
    const events: BrokerEvent[] = [];
    fresh.subscribe((e) => void events.push(e));
    const result = await fresh.recover();
    expect(result).toEqual({
      cancelled: [pending.request.id],
      unknownOutcome: [approved.request.id],
    });
    expect(await store.get(pending.request.id)).toMatchObject({
      status: 'cancelled',
      resolution: { reason: 'session ended' },
    });
    expect(await store.get(approved.request.id)).toMatchObject({
      status: 'failed',
      outcome: { error: { code: 'unknown' } },
    });
    expect(events.map((e) => [e.type, e.request.id])).toEqual([
      ['resolved', pending.request.id],
      ['finished', approved.request.id],
    ]);
    expect(await fresh.approve(pending.request.id, vote('bob'))).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
    expect((await audit.verify()).ok).toBe(true);
  });

  it('a throwing subscriber does not break the broker', async () => {
    const { broker } = setup();
    broker.subscribe(() => {
      throw new Error('boom');
    });
    broker.subscribe(async () => Promise.reject(new Error('async boom')));
    const h = await broker.hold(newRequest());
    expect(await broker.approve(h.request.id, vote('bob'))).toMatchObject({ released: true });
    await broker.close();
  });

  it('setExternal keeps channel bookkeeping on the request', async () => {
    const { store, broker } = setup();
    const h = await broker.hold(newRequest());
    await broker.setExternal(h.request.id, { pr: 12 });
    await broker.setExternal(h.request.id, { url: 'https://github.com/o/r/pull/12' });
    expect((await store.get(h.request.id))?.external).toEqual({
      pr: 12,
      url: 'https://github.com/o/r/pull/12',
    });
    await expect(broker.setExternal('r_missing', { pr: 1 })).rejects.toThrow('no request');
    await broker.close();
  });
});
