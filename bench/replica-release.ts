// `npx tsx bench/replica-release.ts`: release latency across replicas. Two replicas (two
// proxies, two brokers, two admin listeners, in this process) share one control database
// on an embedded PostgreSQL; a client on B holds an UPDATE; it is approved on B itself
// (local), on A through the broker, and on A through POST /api/requests/:id/approve.
// Prints p50/p99 from the approval call to the held client's result. Figures only.
//
// Env: APPROVALS (200).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/cli/embedded-postgres.js';
import { initClassifier } from '../src/sql/classify.js';
import { SessionClassifier } from '../src/sql/session-classifier.js';
import { PolicyStore } from '../src/policy/policy-store.js';
import { openApprovals, type Approvals } from '../src/approval/open-approvals.js';
import type { ApprovalRequest } from '../src/approval/types.js';
import { AdminServer } from '../src/admin/admin-server.js';
import { startProxy, type RunningProxy } from '../src/proxy/server.js';
import { silentLogger } from '../src/util/log.js';

const APPROVALS = Number(process.env.APPROVALS ?? 200);
const TOKEN = 'bench-admin-token-0123456789abcdef';
const log = (s: string) => process.stderr.write(s + '\n');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Replica {
  approvals: Approvals;
  adminUrl: string;
  proxy: RunningProxy;
}

async function main(): Promise<void> {
  const server = await startEmbeddedPostgres({
    ephemeral: true,
    maxConnections: 200,
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  const cleanups: (() => Promise<unknown>)[] = [() => server.stop()];
  try {
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.query('CREATE DATABASE sluice_control');
    await admin.end();
    const db = new pg.Client({ connectionString: server.url('bench') });
    await db.connect();
    await db.query(`CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)`);
    await db.query(`INSERT INTO items (id) SELECT generate_series(1, 100)`);
    await db.end();

    await initClassifier();
    const stateDir = await mkdtemp(path.join(tmpdir(), 'sluice-bench-'));
    const policy = await PolicyStore.open({
      dir: path.join(stateDir, 'no-policies'),
      defaultsIfMissing: true,
      repoRoot: stateDir,
    });
    const start = async (): Promise<Replica> => {
      const approvals = await openApprovals({
        stateDir,
        logger: silentLogger,
        controlUrl: server.url('sluice_control'),
      });
      cleanups.unshift(() => approvals.close());
      const adminServer = new AdminServer({ broker: approvals.broker, token: TOKEN, port: 0 });
      const { url } = await adminServer.listen();
      cleanups.unshift(() => adminServer.close());
      const proxy = await startProxy({
        listenHost: '127.0.0.1',
        listenPort: 0,
        upstream: `postgres://${server.host}:${server.port}/postgres`,
        policy,
        gate: approvals.broker,
        classifierFactory: () => new SessionClassifier(policy.classifierOptions()),
      });
      cleanups.unshift(() => proxy.close());
      return { approvals, adminUrl: url, proxy };
    };
    const a = await start();
    const b = await start();

    const created: ApprovalRequest[] = [];
    const waiting: ((r: ApprovalRequest) => void)[] = [];
    b.approvals.broker.subscribe((e) => {
      if (e.type !== 'created') return;
      const w = waiting.shift();
      if (w) w(e.request);
      else created.push(e.request);
    });
    const nextRequest = () => {
      const r = created.shift();
      return r ? Promise.resolve(r) : new Promise<ApprovalRequest>((res) => waiting.push(res));
    };
    const holder = new pg.Client({
      host: b.proxy.host,
      port: b.proxy.port,
      user: server.user,
      password: server.password,
      database: 'bench',
    });
    holder.on('notice', () => {});
    await holder.connect();
    cleanups.unshift(() => holder.end());

    const vote = { by: 'bench', reason: 'bench', source: 'local', anyOwner: true };
    const viaHttp = (r: Replica) => async (id: string) => {
      const res = await fetch(`${r.adminUrl}/api/requests/${id}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'bench', by: 'bench' }),
      });
      if (res.status !== 200) throw new Error(`approve ${id}: HTTP ${res.status}`);
    };
    const ways: [string, (id: string) => Promise<unknown>][] = [
      ['held on B, broker.approve on B (local)', (id) => b.approvals.broker.approve(id, vote)],
      ['held on B, broker.approve on A', (id) => a.approvals.broker.approve(id, vote)],
      ['held on B, POST /approve on B (local)', viaHttp(b)],
      ['held on B, POST /approve on A', viaHttp(a)],
    ];
    const rows: string[] = [];
    for (const [name, approve] of ways) {
      log(`${name}: ${APPROVALS} approvals…`);
      const release: number[] = [];
      for (let i = -10; i < APPROVALS; i++) {
        const result = holder.query('UPDATE items SET n = n + 1 WHERE id = $1', [
          (i % 100) + 1 + (i < 0 ? 100 : 0),
        ]);
        const req = await nextRequest();
        const t0 = performance.now();
        const call = approve(req.id);
        await result;
        const t1 = performance.now();
        await call;
        if (i >= 0) release.push(t1 - t0);
      }
      rows.push(
        `| ${name.padEnd(40)} | ${pct(release, 50).toFixed(2).padStart(7)} ms | ${pct(release, 99).toFixed(2).padStart(7)} ms |`,
      );
    }
    process.stdout.write(
      `| approval → the held client has its result | p50 | p99 |\n| --- | ---: | ---: |\n${rows.join('\n')}\n`,
    );
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
}

await main();
