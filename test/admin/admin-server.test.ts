// The admin listener over real HTTP, in front of a real broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminServer } from '../../src/admin/admin-server.js';
import { Broker } from '../../src/approval/broker.js';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { newRequest } from '../approval/fixtures.js';

const TOKEN = 'test-token-0123456789abcdef';
let broker: Broker;
let audit: MemoryAuditLog;
let server: AdminServer;
let base: string;

beforeAll(async () => {
  audit = new MemoryAuditLog();
  broker = new Broker({ store: new MemoryRequestStore(), audit });
  server = new AdminServer({ broker, token: TOKEN, port: 0, defaultApprover: 'ops-default' });
  server.addStatus('policy', () => ({ files: 2, lastReload: 'ok' }));
  server.use('/api/github/webhooks', (req, res) => {
    res.writeHead(202, { 'content-type': 'text/plain' });
    res.end(`mounted saw ${req.method} ${req.url}`);
  });
  server.use('/probot', async () => false); // handles nothing: falls through to 404
  base = (await server.listen()).url;
});
afterAll(async () => {
  await server.close();
  await broker.close();
});

async function call(
  method: string,
  path: string,
  opts: { body?: string; token?: string | null; type?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes are asserted below
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

describe('admin API', () => {
  it('/healthz needs no token', async () => {
    expect(await call('GET', '/healthz', { token: null })).toMatchObject({
      status: 200,
      json: { ok: true },
    });
  });

  it('refuses a missing or wrong token with 401 on every /api route', async () => {
    for (const path of [
      '/api/requests',
      '/api/status',
      '/api/requests/r_x/approve',
      '/api/nothing',
    ]) {
      const missing = await call(path.endsWith('approve') ? 'POST' : 'GET', path, { token: null });
      expect(missing.status).toBe(401);
      expect(missing.json.error.code).toBe('unauthorized');
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await call('GET', path, { token: TOKEN + 'x' });
      expect(wrong.status).toBe(401);
      expect(wrong.json.error.message).toBe('wrong admin token');
    }
    const basic = await fetch(base + '/api/requests', {
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
  });

  it('lists pending requests and shows one, with what it still needs', async () => {
    const h = await broker.hold(newRequest());
    const list = await call('GET', '/api/requests?status=pending');
    expect(list.status).toBe(200);
    const mine = list.json.requests.find((r: { id: string }) => r.id === h.request.id);
    expect(mine).toMatchObject({
      status: 'pending',
      sql: 'DELETE FROM orders WHERE id = 42',
      missing: ['1 more approval (0 of 1)'],
    });
    const one = await call('GET', `/api/requests/${h.request.id}`);
    expect(one.json.request.bindingHash).toBe(h.request.bindingHash);
    expect((await call('GET', '/api/requests/r_nothere00')).status).toBe(404);
    await h.cancel('test done');
  });

  it('approve releases once and records who and why; the second approval gets 409', async () => {
    const h = await broker.hold(newRequest());
    const first = await call('POST', `/api/requests/${h.request.id}/approve`, {
      body: JSON.stringify({ reason: 'INC-42', by: 'bob' }),
    });
    expect(first).toMatchObject({
      status: 200,
      json: { released: true, request: { status: 'approved' } },
    });
    expect(await h.verdict).toEqual({ kind: 'approved', by: ['bob'], reason: 'INC-42' });
    expect(first.json.request.approvals[0]).toMatchObject({
      by: 'bob',
      reason: 'INC-42',
      source: 'local',
      anyOwner: true,
    });
    const second = await call('POST', `/api/requests/${h.request.id}/approve`, {
      body: JSON.stringify({ by: 'carol' }),
    });
    expect(second).toMatchObject({ status: 409, json: { error: { code: 'not_pending' } } });
    expect(
      audit.records.filter((r) => r.requestId === h.request.id && r.type === 'request.approved'),
    ).toHaveLength(1);
  });

  it('local votes satisfy owner tiers (the token holder stands for the owners)', async () => {
    const h = await broker.hold(
      newRequest({ tier: { owners: { codeowners: true, allOf: [{ anyOf: ['@acme/sec'] }] } } }),
    );
    const r = await call('POST', `/api/requests/${h.request.id}/approve`, { body: '{}' });
    expect(r.json).toMatchObject({
      released: true,
      request: { approvals: [{ by: 'ops-default' }] },
    });
  });

  it('approve: self-approval 403, wrong binding hash 409, unknown id 404', async () => {
    const h = await broker.hold(newRequest());
    const self = await call('POST', `/api/requests/${h.request.id}/approve`, {
      body: JSON.stringify({ by: 'alice' }),
    });
    expect(self).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } });
    expect(self.json.error.message).toMatch(/self-approval/);
    const hash = await call('POST', `/api/requests/${h.request.id}/approve`, {
      body: JSON.stringify({ by: 'bob', bindingHash: 'a'.repeat(64) }),
    });
    expect(hash).toMatchObject({ status: 409, json: { error: { code: 'hash_mismatch' } } });
    expect((await call('POST', '/api/requests/r_nothere00/approve', { body: '{}' })).status).toBe(
      404,
    );
    await h.cancel('test done');
  });

  it('deny needs a reason and resolves the verdict as denied', async () => {
    const h = await broker.hold(newRequest());
    const noReason = await call('POST', `/api/requests/${h.request.id}/deny`, {
      body: JSON.stringify({ by: 'carol' }),
    });
    expect(noReason).toMatchObject({ status: 400, json: { error: { code: 'invalid_body' } } });
    expect(noReason.json.error.message).toMatch(/reason/);
    const ok = await call('POST', `/api/requests/${h.request.id}/deny`, {
      body: JSON.stringify({ by: 'carol', reason: 'not today' }),
    });
    expect(ok).toMatchObject({ status: 200, json: { request: { status: 'denied' } } });
    expect(await h.verdict).toEqual({ kind: 'denied', by: 'carol', reason: 'not today' });
  });

  it('validates bodies and queries with clear errors', async () => {
    const h = await broker.hold(newRequest());
    const path = `/api/requests/${h.request.id}/approve`;
    expect((await call('POST', path, { body: '{"reason":' })).json.error).toMatchObject({
      code: 'bad_json',
    });
    const extra = await call('POST', path, { body: JSON.stringify({ approve: true }) });
    expect(extra).toMatchObject({ status: 400, json: { error: { code: 'invalid_body' } } });
    expect(extra.json.error.issues.length).toBeGreaterThan(0);
    const forged = await call('POST', path, {
      body: JSON.stringify({ by: 'bob\nINFO approved by admin' }),
    });
    expect(forged.json.error.message).toMatch(/by: must not contain control characters/);
    expect(
      (await call('POST', path, { body: JSON.stringify({ bindingHash: 'xyz' }) })).status,
    ).toBe(400);
    expect(
      (await call('POST', path, { body: 'reason=x', type: 'application/x-www-form-urlencoded' }))
        .status,
    ).toBe(415);
    expect((await call('POST', path, { body: 'x'.repeat(70_000) })).status).toBe(413);
    const q = await call('GET', '/api/requests?status=maybe');
    expect(q).toMatchObject({ status: 400, json: { error: { code: 'invalid_query' } } });
    expect((await call('GET', '/api/requests?limit=0')).status).toBe(400);
    const wrongMethod = await call('GET', path);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(await peekPending(h.request.id)).toBe('pending');
    await h.cancel('test done');
  });

  it('status: health, pending count and pluggable providers', async () => {
    const r = await call('GET', '/api/status');
    expect(r).toMatchObject({ status: 200, json: { ok: true, policy: { files: 2 } } });
    expect(typeof r.json.pendingRequests).toBe('number');
  });

  it('mounted handlers get their prefix (unauthenticated, original URL); others 404', async () => {
    const r = await call('POST', '/api/github/webhooks', { token: null, body: '{}' });
    expect(r).toMatchObject({ status: 202, json: 'mounted saw POST /api/github/webhooks' });
    expect((await call('GET', '/probot/x', { token: null })).status).toBe(404);
    expect((await call('GET', '/elsewhere', { token: null })).status).toBe(404);
    expect(() => server.use('/api', () => undefined)).toThrow();
  });
});

async function peekPending(id: string): Promise<string | undefined> {
  return (await broker.get(id))?.status;
}

it('refuses a short token', () => {
  expect(
    () =>
      new AdminServer({
        broker: new Broker({ store: new MemoryRequestStore(), audit: new MemoryAuditLog() }),
        token: 'short',
      }),
  ).toThrow(/at least 16/);
});
