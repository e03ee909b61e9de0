// Processes for the pgbench benchmarks: start one, wait for its port, and read how much
// CPU it (and its children: `sluice proxy --workers N`) has used, from /proc on Linux.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/cli/embedded-postgres.js';
import { run } from './run-command.js';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far; undefined off Linux. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

export function startChild(cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code) => {
    if (code && code !== 0) process.stderr.write(`${cmd} ${args.join(' ')} exited with ${code}\n`);
  });
  return child;
}

/** The parent PID in /proc/<pid>/stat (field 4), or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** CPU seconds of a process and its direct children (the workers of a cluster primary). */
export function treeCpuSeconds(pid: number | undefined): number | undefined {
  const own = cpuSeconds(pid);
  if (pid === undefined || own === undefined) return own;
  let total = own;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || parentOf(Number(entry)) !== pid) continue;
    total += cpuSeconds(Number(entry)) ?? 0;
  }
  return total;
}

/** A throwaway PostgreSQL tuned for throughput, initialised with pgbench's tables. */
export async function startPgbenchDatabase(
  scale: number,
  maxConnections: number,
): Promise<{ db: RunningPostgres; env: Record<string, string> }> {
  const db = await startEmbeddedPostgres({
    ephemeral: true,
    maxConnections,
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      autovacuum: 'off',
      shared_buffers: '256MB',
    },
  });
  const env = {
    PGUSER: db.user,
    PGPASSWORD: db.password,
    PGDATABASE: 'postgres',
    PGSSLMODE: 'disable',
  };
  process.stderr.write(`initialising pgbench scale ${scale}…\n`);
  const init = await run(
    'pgbench',
    ['-i', '-q', '-s', String(scale), '-h', db.host, '-p', String(db.port)],
    env,
  );
  if (init.code !== 0) {
    await db.stop();
    throw new Error(init.stderr);
  }
  return { db, env };
}

/** One pgbench run against 127.0.0.1:port (`-n`, two threads). */
export function runPgbench(
  flags: string[],
  o: { seconds: number; port: number; clients: number; env: Record<string, string> },
) {
  return run(
    'pgbench',
    [
      '-n',
      ...flags,
      '-c',
      String(o.clients),
      '-j',
      '2',
      '-T',
      String(o.seconds),
      '-h',
      '127.0.0.1',
      '-p',
      String(o.port),
    ],
    o.env,
  );
}
