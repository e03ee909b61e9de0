// /healthz, /readyz and /metrics on the admin listener, in front of a real proxy and the
// suite's PostgreSQL: who may call them, and what they say after real traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { AdminServer } from '../../src/admin/admin-server.js';
import { openApprovals, type Approvals } from '../../src/approval/open-approvals.js';
import type { ApprovalRequest } from '../../src/approval/types.js';
import { proxyReadiness } from '../../src/cli/proxy-readiness.js';
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.js';
import { PolicyStore } from '../../src/policy/policy-store.js';
import { parseUpstreamUrl } from '../../src/proxy/upstream.js';
import type { RunningProxy } from '../../src/proxy/server.js';
import { initClassifier } from '../../src/sql/classify.js';
import { SessionClassifier } from '../../src/sql/session-classifier.js';
import { silentLogger } from '../../src/util/log.js';
import { createTestDatabase, pgInfo } from '../helpers/pg.js';
import { startTestProxy, viaProxy } from '../helpers/proxy.js';
import { parseExposition, valueOf } from '../metrics/parse-exposition.js';

const TOKEN = 'ops-test-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
let db: string;
let root: string;
let policy: PolicyStore;
let approvals: Approvals;
let proxy: RunningProxy;
let admin: AdminServer;
let metrics: ProxyMetrics;
const created: ((r: ApprovalRequest) => void)[] = [];
const upstream = () => parseUpstreamUrl(`postgres://${pgInfo().host}:${pgInfo().port}/postgres`);

beforeAll(async () => {
  db = await createTestDatabase('ops');
  await initClassifier();
  root = mkdtempSync(path.join(tmpdir(), 'sluice-ops-'));
  metrics = new ProxyMetrics();
  policy = await PolicyStore.open({
    dir: path.join(root, 'policies'),
    defaultsIfMissing: true,
    repoRoot: root,
    onReload: (ok) => metrics.policyReloaded(ok),
  });
  approvals = await openApprovals({ stateDir: root, logger: silentLogger });
  approvals.broker.subscribe((e) => {
    if (e.type === 'resolved') metrics.approvalResolved(e.request);
    if (e.type === 'created') created.shift()?.(e.request);
  });
  proxy = await startTestProxy({
    policy,
    gate: approvals.broker,
    classifierFactory: () => new SessionClassifier(policy.classifierOptions()),
    metrics,
  });
  admin = new AdminServer({
    broker: approvals.broker,
    token: TOKEN,
    port: 0,
    readiness: proxyReadiness({ upstream: upstream(), policy, controlUrl: undefined }),
    metrics: () => metrics.render(),
  });
  await admin.listen();
});

afterAll(async () => {
  await proxy?.close();
  await admin?.close();
  await approvals?.close();
  policy?.close();
});

async function scrape() {
  const r = await fetch(`${admin.address()!.url}/metrics`, { headers: AUTH });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await r.text());
}

const statements = (m: Awaited<ReturnType<typeof scrape>>, verdict: string, decision: string) =>
  valueOf(m, 'sluice_statements_total', 'sluice_statements_total', { verdict, decision });
const approvalsOf = (m: Awaited<ReturnType<typeof scrape>>, outcome: string) =>
  valueOf(m, 'sluice_approvals_total', 'sluice_approvals_total', { channel: 'local', outcome });
const one = (m: Awaited<ReturnType<typeof scrape>>, name: string) => valueOf(m, name, name);

function nextRequest(): Promise<ApprovalRequest> {
  return new Promise((resolve) => created.push(resolve));
}

describe('health, readiness and metrics endpoints', () => {
  it('/healthz and /readyz need no token; /metrics does', async () => {
    const url = admin.address()!.url;
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      ready: boolean;
      failing: string[];
      checks: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(body.ready).toBe(true);
    expect(body.failing).toEqual([]);
    expect(Object.keys(body.checks).sort()).toEqual(['policy', 'upstream']);
    expect(body.checks.policy!.detail).toMatch(/^defaults loaded /);

    const anonymous = await fetch(`${url}/metrics`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await fetch(`${url}/metrics`, { method: 'POST', headers: AUTH })).toMatchObject({
      status: 405,
    });
  });

  it('with metricsPublic, /metrics is served without the token', async () => {
    const open = new AdminServer({
      broker: approvals.broker,
      token: TOKEN,
      port: 0,
      metrics: () => metrics.render(),
      metricsPublic: true,
    });
    const addr = await open.listen();
    try {
      const r = await fetch(`${addr.url}/metrics`);
      expect(r.status).toBe(200);
      expect(parseExposition(await r.text()).has('sluice_statements_total')).toBe(true);
      // /api/ still needs it.
      expect((await fetch(`${addr.url}/api/status`)).status).toBe(401);
    } finally {
      await open.close();
    }
  });

  it('/readyz answers 503 naming the unreachable upstream or control database, and while draining', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const readiness = proxyReadiness({
      upstream: parseUpstreamUrl(`postgres://127.0.0.1:${port}/postgres`),
      policy,
      controlUrl: `postgres://nobody:x@127.0.0.1:${port}/control`,
    });
    const down = new AdminServer({ broker: approvals.broker, token: TOKEN, port: 0, readiness });
    const addr = await down.listen();
    try {
      const r = await fetch(`${addr.url}/readyz`);
      expect(r.status).toBe(503);
      const body = (await r.json()) as {
        ready: boolean;
        failing: string[];
        checks: Record<string, { ok: boolean; error?: string }>;
      };
      expect(body.ready).toBe(false);
      expect(body.failing.sort()).toEqual(['control', 'upstream']);
      expect(body.checks.upstream!.error).toMatch(/ECONNREFUSED/);
      expect(body.checks.control!.error).toMatch(/^control database: /);
      expect(body.checks.policy).toMatchObject({ ok: true });

      readiness.startDraining();
      const draining = await fetch(`${addr.url}/readyz`);
      expect(draining.status).toBe(503);
      expect(await draining.json()).toMatchObject({ ready: false, failing: ['draining'] });
    } finally {
      await down.close();
    }
  });

  it('/metrics counts connections, statements by class and decision, holds, approvals, cache use and reloads', async () => {
    const before = await scrape();
    const c = new pg.Client(viaProxy(proxy, db));
    c.on('notice', () => {});
    await c.connect();
    try {
      await expect.poll(async () => one(await scrape(), 'sluice_connections')).toBe(1);
      await c.query('SELECT 1 AS n');
      await c.query('SELECT 1 AS n');
      await c.query('SELECT 12345 AS only_here');
      await expect(c.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
      await expect(c.query('ALTER SYSTEM SET work_mem = 1')).rejects.toMatchObject({
        code: '42501',
      });

      const approvedReq = nextRequest();
      const approved = c.query('CREATE TABLE ops_approved (id int)');
      const r1 = await approvedReq;
      const holding = await scrape();
      expect(one(holding, 'sluice_held_statements')).toBe(1);
      const vote = await approvals.broker.approve(r1.id, {
        by: 'ops',
        source: 'local',
        anyOwner: true,
      });
      expect(vote.ok).toBe(true);
      await approved;

      const deniedReq = nextRequest();
      const denied = expect(c.query('CREATE TABLE ops_denied (id int)')).rejects.toMatchObject({
        code: '42501',
      });
      const r2 = await deniedReq;
      await approvals.broker.deny(r2.id, 'ops', 'not today');
      await denied;

      const m = await scrape();
      expect(statements(m, 'read', 'allow') - statements(before, 'read', 'allow')).toBe(3);
      expect(statements(m, 'invalid', 'deny') - statements(before, 'invalid', 'deny')).toBe(1);
      expect(statements(m, 'forbidden', 'deny') - statements(before, 'forbidden', 'deny')).toBe(1);
      expect(statements(m, 'write', 'review') - statements(before, 'write', 'review')).toBe(2);
      expect(one(m, 'sluice_held_statements')).toBe(0);
      expect(
        valueOf(m, 'sluice_hold_duration_seconds', 'sluice_hold_duration_seconds_count') -
          valueOf(before, 'sluice_hold_duration_seconds', 'sluice_hold_duration_seconds_count'),
      ).toBe(2);
      expect(approvalsOf(m, 'approved') - approvalsOf(before, 'approved')).toBe(1);
      expect(approvalsOf(m, 'denied') - approvalsOf(before, 'denied')).toBe(1);
      // The repeated SELECT and at least the first new text: one hit, one parse at least.
      const hits = 'sluice_classifier_cache_hits_total';
      const misses = 'sluice_classifier_cache_misses_total';
      expect(one(m, hits) - one(before, hits)).toBeGreaterThanOrEqual(1);
      expect(one(m, misses) - one(before, misses)).toBeGreaterThanOrEqual(1);
      expect(one(m, 'sluice_connections_total') - one(before, 'sluice_connections_total')).toBe(1);
    } finally {
      await c.end();
    }
    await expect.poll(async () => one(await scrape(), 'sluice_connections')).toBe(0);
  });

  it('counts policy reloads by result', async () => {
    const before = await scrape();
    expect((await policy.reload()).ok).toBe(true);
    const dir = path.join(root, 'policies');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'broken.yaml'), 'rules: [unclosed\n');
    expect((await policy.reload()).ok).toBe(false);
    const m = await scrape();
    const reloads = (p: typeof m, result: string) =>
      valueOf(p, 'sluice_policy_reloads_total', 'sluice_policy_reloads_total', { result });
    expect(reloads(m, 'ok') - reloads(before, 'ok')).toBe(1);
    expect(reloads(m, 'failed') - reloads(before, 'failed')).toBe(1);
  });
});
