// `npx tsx bench/approval.ts`: what approvals cost.
//  1. Release latency: from the approval call (broker.approve in-process, and POST
//     /api/requests/:id/approve on the admin listener) to the held client receiving its
//     result, p50/p99 over APPROVALS statements each.
//  2. Pass-through TPS (pgbench -S) with HELD statements held on other connections,
//     against none held, alternating over ROUNDS rounds in the same run.
// Real PostgreSQL (embedded), the real proxy, classifier, policy (built-in defaults),
// broker and admin API, in this process; pgbench is a child process. Prints figures only.
//
// Env: APPROVALS (200), HELD (500), ROUNDS (2), DURATION seconds (10), CLIENTS (8), SCALE (10),
//      STORE (control: the control database, as `npm start` uses | file: JSONL files).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/cli/embedded-postgres.js';
import { initClassifier } from '../src/sql/classify.js';
import { SessionClassifier } from '../src/sql/session-classifier.js';
import { PolicyStore } from '../src/policy/policy-store.js';
import { openApprovals } from '../src/approval/open-approvals.js';
import type { ApprovalRequest } from '../src/approval/types.js';
import { AdminServer } from '../src/admin/admin-server.js';
import { startProxy } from '../src/proxy/server.js';
import { silentLogger } from '../src/util/log.js';
import { run } from './run-command.js';

const APPROVALS = Number(process.env.APPROVALS ?? 200);
const HELD = Number(process.env.HELD ?? 500);
const DURATION = Number(process.env.DURATION ?? 10);
const CLIENTS = Number(process.env.CLIENTS ?? 8);
const SCALE = Number(process.env.SCALE ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const STORE = process.env.STORE === 'file' ? 'file' : 'control';
const TOKEN = 'bench-admin-token-0123456789abcdef';

const log = (s: string) => process.stderr.write(s + '\n');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Requests as the broker creates them, in order. */
function requestFeed(
  subscribe: (fn: (r: ApprovalRequest) => void) => void,
): () => Promise<ApprovalRequest> {
  const ready: ApprovalRequest[] = [];
  const waiting: ((r: ApprovalRequest) => void)[] = [];
  subscribe((r) => {
    const w = waiting.shift();
    if (w) w(r);
    else ready.push(r);
  });
  return () => {
    const r = ready.shift();
    return r ? Promise.resolve(r) : new Promise((resolve) => waiting.push(resolve));
  };
}

async function main(): Promise<void> {
  const server = await startEmbeddedPostgres({
    ephemeral: true,
    maxConnections: Math.max(700, HELD + CLIENTS + 50),
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      autovacuum: 'off',
      shared_buffers: '256MB',
    },
  });
  const cleanups: (() => Promise<unknown>)[] = [() => server.stop()];
  try {
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    if (STORE === 'control') await admin.query('CREATE DATABASE sluice_control');
    await admin.end();
    const pgEnv = {
      PGUSER: server.user,
      PGPASSWORD: server.password,
      PGDATABASE: 'bench',
      PGSSLMODE: 'disable',
    };
    log(`pgbench -i scale ${SCALE}…`);
    const init = await run(
      'pgbench',
      ['-i', '-q', '-s', String(SCALE), '-h', server.host, '-p', String(server.port)],
      pgEnv,
    );
    if (init.code !== 0) throw new Error(init.stderr);
    const db = new pg.Client({ connectionString: server.url('bench') });
    await db.connect();
    await db.query(`CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)`);
    await db.query(`INSERT INTO items (id) SELECT generate_series(1, ${HELD + 10})`);
    await db.end();

    await initClassifier();
    const stateDir = await mkdtemp(path.join(tmpdir(), 'sluice-bench-'));
    const policy = await PolicyStore.open({
      dir: path.join(stateDir, 'no-policies'),
      defaultsIfMissing: true,
      repoRoot: stateDir,
    });
    const approvals = await openApprovals({
      stateDir,
      logger: silentLogger,
      ...(STORE === 'control' ? { controlUrl: server.url('sluice_control') } : {}),
    });
    cleanups.unshift(() => approvals.close());
    const adminServer = new AdminServer({ broker: approvals.broker, token: TOKEN, port: 0 });
    const adminAddr = await adminServer.listen();
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
    const nextRequest = requestFeed((fn) =>
      approvals.broker.subscribe((e) => (e.type === 'created' ? fn(e.request) : undefined)),
    );
    const connect = async () => {
      const c = new pg.Client({
        host: proxy.host,
        port: proxy.port,
        user: server.user,
        password: server.password,
        database: 'bench',
      });
      c.on('notice', () => {});
      await c.connect();
      return c;
    };

    // 1. Release latency.
    const viaBroker = (id: string) =>
      approvals.broker.approve(id, {
        by: 'bench',
        reason: 'bench',
        source: 'local',
        anyOwner: true,
      });
    const viaHttp = async (id: string) => {
      const res = await fetch(`${adminAddr.url}/api/requests/${id}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'bench', by: 'bench' }),
      });
      if (res.status !== 200)
        throw new Error(`approve ${id}: HTTP ${res.status} ${await res.text()}`);
    };
    const latency: Record<string, { release: number[]; call: number[] }> = {};
    const holder = await connect();
    for (const [name, approve] of [
      ['broker.approve', viaBroker],
      ['POST /approve', viaHttp],
    ] as const) {
      log(`release latency via ${name}: ${APPROVALS} approvals…`);
      const figures: { release: number[]; call: number[] } = { release: [], call: [] };
      latency[name] = figures;
      for (let i = -10; i < APPROVALS; i++) {
        const result = holder.query('UPDATE items SET n = n + 1 WHERE id = $1', [
          (Math.abs(i) % HELD) + 1,
        ]);
        const req = await nextRequest();
        const t0 = performance.now();
        let callDone = 0;
        const call = approve(req.id).then(() => (callDone = performance.now()));
        await result;
        const t1 = performance.now();
        await call;
        if (i < 0) continue; // warm-up
        figures.release.push(t1 - t0);
        figures.call.push(callDone - t0);
      }
    }
    await holder.end();

    // 2. Pass-through TPS, none held against HELD held.
    const pgbench = async (): Promise<number> => {
      const r = await run(
        'pgbench',
        [
          '-n',
          '-S',
          '-c',
          String(CLIENTS),
          '-j',
          '2',
          '-T',
          String(DURATION),
          '-h',
          proxy.host,
          '-p',
          String(proxy.port),
        ],
        pgEnv,
      );
      const m = /tps = ([\d.]+)/.exec(r.stdout);
      if (r.code !== 0 || !m) throw new Error(`pgbench failed: ${r.stderr}`);
      return Number(m[1]);
    };
    const mem = () => process.memoryUsage().rss / 1024 / 1024;
    // The same HELD connections are open in both arms, idle or each holding a statement,
    // so the comparison isolates the cost of holding; arms alternate to spread drift.
    log(`connecting ${HELD} holder connections…`);
    const holders: pg.Client[] = [];
    for (let i = 0; i < HELD; i += 50)
      holders.push(...(await Promise.all(Array.from({ length: Math.min(50, HELD - i) }, connect))));
    const arms: Record<'none' | 'held', { tps: number[]; rss: number[] }> = {
      none: { tps: [], rss: [] },
      held: { tps: [], rss: [] },
    };
    let pendingDuringHeld = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}: pgbench -S, none held…`);
      arms.none.tps.push(await pgbench());
      arms.none.rss.push(mem());

      const held = holders.map((c, i) =>
        c.query('DELETE FROM items WHERE id = $1', [i + 1]).catch(() => undefined),
      );
      const heldRequests: ApprovalRequest[] = [];
      for (let i = 0; i < HELD; i++) heldRequests.push(await nextRequest());
      pendingDuringHeld = (await approvals.broker.list({ status: 'pending' })).length;
      log(`round ${round}: pgbench -S, ${pendingDuringHeld} held…`);
      arms.held.tps.push(await pgbench());
      arms.held.rss.push(mem());
      await Promise.all(
        heldRequests.map((r) => approvals.broker.deny(r.id, 'bench', 'round over')),
      );
      await Promise.all(held);
    }
    await Promise.all(holders.map((c) => c.end()));

    // Report.
    console.log(
      `\nSluice approval bench (store: ${STORE === 'control' ? 'control database' : 'JSONL files'}; in-process proxy and admin API)\n`,
    );
    console.log(
      `1. From the approval call to the held client's result (${APPROVALS} approvals each, after 10 warm-up)`,
    );
    console.log('   approval path        release p50   release p99   (call returns p50)');
    for (const [name, f] of Object.entries(latency)) {
      console.log(
        `   ${name.padEnd(18)} ${pct(f.release, 50).toFixed(2).padStart(10)} ms ${pct(f.release, 99).toFixed(2).padStart(10)} ms ${pct(f.call, 50).toFixed(2).padStart(12)} ms`,
      );
    }
    console.log(
      `\n2. Pass-through pgbench -S -n -c ${CLIENTS} -j 2 -T ${DURATION} (scale ${SCALE}) through the proxy`,
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const base = mean(arms.none.tps);
    console.log(
      `   ${ROUNDS} round(s), arms alternating; ${HELD} proxy connections open in both arms`,
    );
    console.log(
      '   arm                   mean tps   × none held   per round                  proxy rss',
    );
    for (const [name, label] of [
      ['none', 'none held'],
      ['held', `${HELD} held`],
    ] as const) {
      const a = arms[name];
      console.log(
        `   ${label.padEnd(20)} ${mean(a.tps).toFixed(0).padStart(9)} ${(mean(a.tps) / base).toFixed(2).padStart(13)}   ${a.tps
          .map((t) => t.toFixed(0))
          .join(', ')
          .padEnd(26)} ${mean(a.rss).toFixed(0).padStart(5)} MB`,
      );
    }
    console.log(
      `   (${pendingDuringHeld} requests pending during the last held run; rss includes the in-process holders)`,
    );
  } finally {
    for (const c of cleanups) await c().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
