// `npm run bench:workers`: does `sluice proxy --workers N` buy throughput on this machine?
// pgbench select-only (simple and prepared), interleaved in one run against a direct
// connection, pgbouncer (session pooling, when the `pgbouncer` binary is installed),
// Sluice with one worker (the default) and Sluice with N workers. Prints TPS, the ratios
// to direct and to one worker, and each proxy's CPU per transaction (a Sluice primary's
// CPU includes its workers'). Sluice runs as deployed: every statement classified.
//
// On a 2-core machine pgbench, PostgreSQL and the proxy share the same two cores, so extra
// workers compete with the very processes they serve: read the figures with that in mind.
//
// Env: WORKERS (default: the number of cores), ROUNDS (3), DURATION seconds (8),
// WARMUP seconds (4), CLIENTS (16), SCALE (10).
import type { ChildProcess } from 'node:child_process';
import { chownSync, chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { RunningPostgres } from '../src/cli/embedded-postgres.js';
import { freePort } from '../src/util/free-port.js';
import { run } from './run-command.js';
import {
  runPgbench,
  startChild,
  startPgbenchDatabase,
  treeCpuSeconds,
  waitPort,
} from './bench-processes.js';

const WORKERS = Number(process.env.WORKERS ?? availableParallelism());
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 8);
const WARMUP = Number(process.env.WARMUP ?? 4);
const CLIENTS = Number(process.env.CLIENTS ?? 16);
const SCALE = Number(process.env.SCALE ?? 10);

async function hasPgbouncer(): Promise<boolean> {
  try {
    return (await run('pgbouncer', ['--version'])).code === 0;
  } catch {
    return false;
  }
}

/** pgbouncer in session mode in front of `db`; it refuses to run as root, hence `-u`. */
async function startPgbouncer(db: RunningPostgres, port: number): Promise<ChildProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-bench-pgbouncer-'));
  const asRoot = process.getuid?.() === 0;
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `postgres = host=${db.host} port=${db.port} dbname=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = session',
      'max_client_conn = 500',
      'default_pool_size = 100',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'userlist.txt'), `"${db.user}" "${db.password}"\n`);
  if (asRoot) {
    chmodSync(dir, 0o755);
    const ids = await run('id', ['-u', 'postgres']);
    const gid = await run('id', ['-g', 'postgres']);
    for (const f of ['', 'pgbouncer.ini', 'userlist.txt'])
      chownSync(path.join(dir, f), Number(ids.stdout), Number(gid.stdout));
  }
  return startChild(
    'pgbouncer',
    [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')],
    {},
  );
}

function startSluice(db: RunningPostgres, port: number, workers: number, control: string) {
  return startChild(
    process.execPath,
    [
      'dist/src/cli/main.js',
      'proxy',
      '--listen',
      `127.0.0.1:${port}`,
      '--upstream',
      `postgres://${db.host}:${db.port}/postgres`,
      '--control-url',
      control,
      '--admin',
      '127.0.0.1:0',
      '--state',
      `${db.dataDir}-state-${workers}`,
      '--workers',
      String(workers),
    ],
    { SLUICE_ADMIN_TOKEN: 'bench-admin-token-0123456789' },
  );
}

async function main(): Promise<void> {
  const { db: db, env: pgEnv } = await startPgbenchDatabase(SCALE, 300);
  const children: ChildProcess[] = [];
  try {
    const admin = new pg.Client({ connectionString: db.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE sluice_control');
    await admin.end();
    const control = db.url('sluice_control');

    const targets: Record<string, { port: number; process?: ChildProcess }> = {
      direct: { port: db.port },
    };
    if (await hasPgbouncer()) {
      const port = await freePort();
      const p = await startPgbouncer(db, port);
      children.push(p);
      targets.pgbouncer = { port, process: p };
    } else {
      process.stderr.write('pgbouncer is not installed: comparing Sluice with direct only\n');
    }
    for (const n of [1, WORKERS]) {
      const port = await freePort();
      const p = startSluice(db, port, n, control);
      children.push(p);
      targets[`sluice×${n}`] = { port, process: p };
    }
    for (const { port } of Object.values(targets)) await waitPort(port);

    const workloads = {
      'select-simple': ['-S', '-M', 'simple'],
      'select-prepared': ['-S', '-M', 'prepared'],
    };
    const pgbench = (flags: string[], seconds: number, port: number) =>
      runPgbench(flags, { seconds, port, clients: CLIENTS, env: pgEnv });
    const list = Object.entries(targets);
    if (WARMUP > 0) {
      process.stderr.write(`warming up each proxy for ${WARMUP}s per workload…\n`);
      for (const flags of Object.values(workloads))
        for (const [t, { port }] of list) if (t !== 'direct') await pgbench(flags, WARMUP, port);
    }
    const tps: Record<string, Record<string, number[]>> = {};
    const cpu: Record<string, Record<string, { seconds: number; tx: number }>> = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [w, flags] of Object.entries(workloads)) {
        const shift = (round - 1) % list.length;
        for (const [t, { port, process: proxy }] of [
          ...list.slice(shift),
          ...list.slice(0, shift),
        ]) {
          const before = treeCpuSeconds(proxy?.pid);
          const r = await pgbench(flags, DURATION, port);
          const after = treeCpuSeconds(proxy?.pid);
          const m = /tps = ([\d.]+)/.exec(r.stdout);
          const n = /transactions actually processed: (\d+)/.exec(r.stdout);
          if (r.code !== 0 || !m || !n) throw new Error(`pgbench ${w} ${t} failed: ${r.stderr}`);
          ((tps[w] ??= {})[t] ??= []).push(Number(m[1]));
          if (before !== undefined && after !== undefined) {
            const acc = ((cpu[w] ??= {})[t] ??= { seconds: 0, tx: 0 });
            acc.seconds += after - before;
            acc.tx += Number(n[1]);
          }
          process.stderr.write(
            `round ${round} ${w.padEnd(16)} ${t.padEnd(10)} ${Number(m[1]).toFixed(0)} tps\n`,
          );
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `\npgbench -S, ${CLIENTS} clients, ${DURATION}s × ${ROUNDS} rounds, interleaved, on ${availableParallelism()} cores (scale ${SCALE})\n`,
    );
    console.log('workload          target        mean tps   ×direct   ×sluice×1   proxy CPU µs/tx');
    for (const [w, byTarget] of Object.entries(tps)) {
      const direct = mean(byTarget.direct!);
      const one = mean(byTarget['sluice×1']!);
      for (const [t, xs] of Object.entries(byTarget)) {
        const m = mean(xs);
        const c = cpu[w]?.[t];
        const perTx = c && c.tx > 0 ? ((c.seconds / c.tx) * 1e6).toFixed(1) : '';
        console.log(
          `${w.padEnd(17)} ${t.padEnd(11)} ${m.toFixed(0).padStart(10)} ${(m / direct).toFixed(2).padStart(9)} ${(m / one).toFixed(2).padStart(11)} ${perTx.padStart(17)}`,
        );
      }
    }
  } finally {
    // The proxies end their replica leases in the control database: stop them first.
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGINT');
          }),
      ),
    );
    await db.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
