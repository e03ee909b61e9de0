// `sluice proxy`'s options: flags first, then the environment, then defaults. Read and
// checked once here, so the command itself only deals with valid settings.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { parseDuration } from '../policy/duration.js';
import { parseListen } from './listen-address.js';

export const PROXY_HELP = `Usage: sluice proxy [options]

  --listen HOST:PORT      where clients connect (env SLUICE_LISTEN, default 127.0.0.1:6432)
  --upstream URL          postgres://host:port/db?sslmode=… (env SLUICE_UPSTREAM);
                          omitted: start an embedded PostgreSQL under the state folder
  --policies DIR          policy files (env SLUICE_POLICIES); omitted: built-in defaults
  --codeowners FILE       CODEOWNERS for table ownership (default: .github/CODEOWNERS,
                          CODEOWNERS, docs/CODEOWNERS under the parent of --policies,
                          or under the working directory without --policies)
  --tls-cert FILE, --tls-key FILE
                          terminate TLS for clients (env SLUICE_TLS_CERT / SLUICE_TLS_KEY)
  --admin HOST:PORT       admin/approvals HTTP listener (env SLUICE_ADMIN_LISTEN, default 127.0.0.1:6480)
  --control-url URL       control database for requests and the audit log (env SLUICE_CONTROL_URL);
                          replicas sharing one coordinate through it (README "Running several replicas")
  --state DIR             state folder (env SLUICE_STATE_DIR, default .sluice)
  --max-message-size N    largest client message in bytes (default 1073741823)
  --drain-grace DURATION  on SIGTERM, how long held statements may still get a verdict
                          before sessions are closed (env SLUICE_DRAIN_GRACE, default 30s)
  --metrics-public        serve /metrics without the admin token (env SLUICE_METRICS_PUBLIC=1)
  --no-catalog            judge statements without the upstream catalog (env SLUICE_CATALOG=off)
  --workers N             N processes share the listen port, one per core (env SLUICE_WORKERS,
                          default 1); they coordinate through the control database as replicas

GitHub mode: set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET. Without
them the App's registration flow is served at /probot on the admin listener.
`;

export interface ProxySettings {
  listen: { host: string; port: number };
  admin: { host: string; port: number };
  stateDir: string;
  tls?: { certFile: string; keyFile: string };
  graceMs: number;
  metricsPublic: boolean;
  workers: number;
  /** --no-catalog: static rules only (env SLUICE_CATALOG=off is read by src/catalog). */
  noCatalog: boolean;
  upstreamUrl?: string;
  controlUrl?: string;
  policiesDir?: string;
  codeowners?: string;
  maxMessageLength?: number;
  /** Replica lease (env SLUICE_REPLICA_LEASE_MS, for tests and tuning). */
  leaseMs?: number;
}

export type SettingsResult =
  | { ok: true; settings: ProxySettings }
  /** --help (exit 0, stdout) or a usage error (exit 2, stderr). */
  | { ok: false; code: 0 | 2; text: string };

function usageError(message: string): SettingsResult {
  return { ok: false, code: 2, text: `sluice proxy: ${message}\n` };
}

export function readProxySettings(argv: string[], env: NodeJS.ProcessEnv): SettingsResult {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        upstream: { type: 'string' },
        policies: { type: 'string' },
        codeowners: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        admin: { type: 'string' },
        'control-url': { type: 'string' },
        state: { type: 'string' },
        'max-message-size': { type: 'string' },
        'drain-grace': { type: 'string' },
        'metrics-public': { type: 'boolean' },
        workers: { type: 'string' },
        'no-catalog': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    return { ok: false, code: 2, text: `sluice proxy: ${(err as Error).message}\n\n${PROXY_HELP}` };
  }
  if (args.help) return { ok: false, code: 0, text: PROXY_HELP };
  let listen, admin;
  try {
    listen = parseListen(args.listen ?? env.SLUICE_LISTEN ?? '127.0.0.1:6432');
    admin = parseListen(args.admin ?? env.SLUICE_ADMIN_LISTEN ?? '127.0.0.1:6480');
  } catch (err) {
    return usageError((err as Error).message);
  }
  const tlsCert = args['tls-cert'] ?? env.SLUICE_TLS_CERT;
  const tlsKey = args['tls-key'] ?? env.SLUICE_TLS_KEY;
  if (Boolean(tlsCert) !== Boolean(tlsKey))
    return usageError('--tls-cert and --tls-key go together');
  const grace = parseDuration(args['drain-grace'] ?? env.SLUICE_DRAIN_GRACE ?? '30s');
  if (!grace.ok) return usageError(`--drain-grace: ${grace.message}`);
  const workers = Number(args.workers ?? env.SLUICE_WORKERS ?? '1');
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    return usageError('--workers must be a whole number from 1 to 256');
  const maxMessage = args['max-message-size'];
  const maxMessageLength = maxMessage === undefined ? undefined : Number(maxMessage);
  if (
    maxMessageLength !== undefined &&
    !(Number.isInteger(maxMessageLength) && maxMessageLength > 0)
  )
    return usageError('--max-message-size must be a positive whole number of bytes');
  const lease = env.SLUICE_REPLICA_LEASE_MS;
  const leaseMs = lease ? Number(lease) : undefined;
  if (leaseMs !== undefined && !(Number.isInteger(leaseMs) && leaseMs >= 100))
    return usageError(
      'SLUICE_REPLICA_LEASE_MS must be a whole number of milliseconds, at least 100',
    );
  const upstreamUrl = args.upstream ?? env.SLUICE_UPSTREAM;
  const controlUrl = args['control-url'] ?? env.SLUICE_CONTROL_URL;
  const policiesDir = args.policies ?? env.SLUICE_POLICIES;
  return {
    ok: true,
    settings: {
      listen,
      admin,
      stateDir: path.resolve(args.state ?? env.SLUICE_STATE_DIR ?? '.sluice'),
      ...(tlsCert && tlsKey ? { tls: { certFile: tlsCert, keyFile: tlsKey } } : {}),
      graceMs: grace.ms,
      metricsPublic: args['metrics-public'] === true || env.SLUICE_METRICS_PUBLIC === '1',
      workers,
      noCatalog: args['no-catalog'] === true,
      ...(upstreamUrl ? { upstreamUrl } : {}),
      ...(controlUrl ? { controlUrl } : {}),
      ...(policiesDir ? { policiesDir } : {}),
      ...(args.codeowners ? { codeowners: args.codeowners } : {}),
      ...(maxMessageLength !== undefined ? { maxMessageLength } : {}),
      ...(leaseMs !== undefined ? { leaseMs } : {}),
    },
  };
}
