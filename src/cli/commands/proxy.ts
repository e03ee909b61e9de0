// `sluice proxy`: the main job. With no upstream it starts an embedded PostgreSQL in the
// state folder and uses it for the control schema too, so `npm start` needs nothing else.
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { startProxy } from '../../proxy/server.js';
import { parseUpstreamUrl } from '../../proxy/upstream.js';
import { PolicyStore } from '../../policy/policy-store.js';
import { openApprovals } from '../../approval/open-approvals.js';
import { AdminServer } from '../../admin/admin-server.js';
import { CONTROL_URL_FILE, resolveAdminToken, writeAdminToken } from '../../admin/admin-token.js';
import { initClassifier } from '../../sql/classify.js';
import { SessionClassifier } from '../../sql/session-classifier.js';
import { createLogger } from '../../util/log.js';
import { parseListen } from '../listen-address.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../embedded-postgres.js';
import { printBanner, type GitHubBanner } from '../banner.js';
import { codeownersRefusal } from '../codeowners-required.js';
import { readGitHubEnv } from '../../github/github-env.js';
import { parseDuration } from '../../policy/duration.js';
import { ProxyMetrics } from '../../metrics/proxy-metrics.js';
import { proxyReadiness } from '../proxy-readiness.js';
import { waitForStop } from '../stop-signals.js';
import { catalogSettings, catalogStatus, openCatalog } from '../../catalog/open-catalog.js';

const HELP = `Usage: sluice proxy [options]

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

GitHub mode: set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET. Without
them the App's registration flow is served at /probot on the admin listener.
`;

export async function run(argv: string[]): Promise<number> {
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
        'no-catalog': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`sluice proxy: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const env = process.env;
  const logger = createLogger();
  const listen = parseListen(args.listen ?? env.SLUICE_LISTEN ?? '127.0.0.1:6432');
  const admin = parseListen(args.admin ?? env.SLUICE_ADMIN_LISTEN ?? '127.0.0.1:6480');
  const stateDir = path.resolve(args.state ?? env.SLUICE_STATE_DIR ?? '.sluice');
  const tlsCert = args['tls-cert'] ?? env.SLUICE_TLS_CERT;
  const tlsKey = args['tls-key'] ?? env.SLUICE_TLS_KEY;
  if (Boolean(tlsCert) !== Boolean(tlsKey)) {
    process.stderr.write('sluice proxy: --tls-cert and --tls-key go together\n');
    return 2;
  }
  const grace = parseDuration(args['drain-grace'] ?? env.SLUICE_DRAIN_GRACE ?? '30s');
  if (!grace.ok) {
    process.stderr.write(`sluice proxy: --drain-grace: ${grace.message}\n`);
    return 2;
  }
  const metricsPublic = args['metrics-public'] === true || env.SLUICE_METRICS_PUBLIC === '1';
  const metrics = new ProxyMetrics();
  await mkdir(stateDir, { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    let upstreamUrl = args.upstream ?? env.SLUICE_UPSTREAM;
    let controlUrl = args['control-url'] ?? env.SLUICE_CONTROL_URL;
    let embedded: RunningPostgres | undefined;
    if (!upstreamUrl) {
      process.stderr.write('No upstream configured: starting an embedded PostgreSQL…\n');
      embedded = await startEmbeddedPostgres({
        dataDir: path.join(stateDir, 'pgdata'),
        maxConnections: 600,
      });
      cleanups.push(() => embedded!.stop());
      for (const note of embedded.notes) process.stderr.write(note + '\n');
      upstreamUrl = embedded.url('postgres');
      if (!controlUrl) {
        controlUrl = await ensureDatabase(embedded, 'sluice_control');
        // So `sluice audit` finds the embedded control database without flags.
        await writeFile(path.join(stateDir, CONTROL_URL_FILE), controlUrl + '\n', { mode: 0o600 });
      }
    }
    const upstream = parseUpstreamUrl(upstreamUrl);

    await initClassifier();
    const policiesDir = args.policies ?? env.SLUICE_POLICIES;
    const policyDir = path.resolve(policiesDir ?? path.join(stateDir, 'no-policies'));
    // CODEOWNERS beside the policies directory (its parent: the approvals checkout), or in
    // the working directory with the built-in defaults; --codeowners overrides both.
    const repoRoot = policiesDir ? path.dirname(policyDir) : process.cwd();
    const policy = await PolicyStore.open({
      dir: policyDir,
      defaultsIfMissing: !policiesDir,
      ...(args.codeowners ? { codeownersFile: args.codeowners } : {}),
      repoRoot,
      logger,
      onReload: (ok) => metrics.policyReloaded(ok),
    });
    cleanups.push(async () => policy.close());
    if (readGitHubEnv(env).mode === 'app') {
      const refusal = codeownersRefusal({
        policy: policy.current().policy,
        codeowners: policy.codeowners(),
        repoRoot,
        ...(args.codeowners ? { file: args.codeowners } : {}),
      });
      if (refusal) throw new Error(refusal);
    }
    if (policiesDir) policy.watch();

    const leaseMs = env.SLUICE_REPLICA_LEASE_MS ? Number(env.SLUICE_REPLICA_LEASE_MS) : undefined;
    if (leaseMs !== undefined && !(Number.isInteger(leaseMs) && leaseMs >= 100))
      throw new Error(
        'SLUICE_REPLICA_LEASE_MS must be a whole number of milliseconds, at least 100',
      );
    const approvals = await openApprovals({
      ...(controlUrl ? { controlUrl } : {}),
      stateDir,
      logger,
      ...(leaseMs !== undefined ? { leaseMs } : {}),
    });
    cleanups.push(() => approvals.close());
    for (const w of approvals.warnings) process.stderr.write(`warning: ${w}\n`);
    approvals.broker.subscribe((e) => {
      if (e.type === 'resolved') metrics.approvalResolved(e.request);
    });
    const readiness = proxyReadiness({ upstream, policy, controlUrl });

    const { token } = resolveAdminToken(env);
    if (token.length < 16) throw new Error('SLUICE_ADMIN_TOKEN must be at least 16 characters');
    const tokenFile = await writeAdminToken(stateDir, token);
    const adminServer = new AdminServer({
      broker: approvals.broker,
      token,
      host: admin.host,
      port: admin.port,
      logger,
      readiness,
      metrics: () => metrics.render(),
      metricsPublic,
    });
    adminServer.addStatus('policy', () => policy.status());
    const catalog = openCatalog(upstreamUrl, catalogSettings(args['no-catalog'], env), logger);
    if (catalog) cleanups.push(async () => catalog.close());
    adminServer.addStatus('catalog', () => catalogStatus(catalog));
    const adminAddr = await adminServer.listen();
    cleanups.push(() => adminServer.close());

    let githubBanner: GitHubBanner | undefined;
    // With App credentials: GitHub mode. Without: the App's registration flow is served
    // at /probot on the admin listener, and approvals stay local until it is done.
    {
      const { startGitHub } = await import('../../github/start-github.js');
      const gh = await startGitHub({
        broker: approvals.broker,
        policy,
        audit: approvals.audit,
        admin: adminServer,
        logger,
        env,
        estimateUrl: upstream.url,
        onApiError: (status) => metrics.githubError(status),
        ...(approvals.deliveryGuard ? { deliveryGuard: approvals.deliveryGuard } : {}),
      });
      cleanups.push(() => gh.close());
      githubBanner =
        gh.mode === 'setup'
          ? { mode: 'setup', url: `${adminAddr.url}${gh.path}` }
          : {
              mode: 'app',
              appId: gh.appId,
              repo: gh.repo(),
              webhookUrl: `${adminAddr.url}${gh.webhookPath}`,
              codeowners: policy.codeowners()?.path ?? null,
            };
    }

    await approvals.broker.recover();
    await approvals.audit.append({
      type: 'proxy.started',
      actor: 'sluice',
      data: {
        listen: `${listen.host}:${listen.port}`,
        upstream: `${upstream.host}:${upstream.port}`,
      },
    });
    cleanups.push(async () => {
      await approvals.audit.append({ type: 'proxy.stopped', actor: 'sluice', data: {} });
    });

    const proxy = await startProxy({
      listenHost: listen.host,
      listenPort: listen.port,
      upstream,
      ...(tlsCert && tlsKey ? { tls: { certFile: tlsCert, keyFile: tlsKey } } : {}),
      ...(args['max-message-size'] ? { maxMessageLength: Number(args['max-message-size']) } : {}),
      policy,
      gate: approvals.broker,
      classifierFactory: () => new SessionClassifier(policy.classifierOptions()),
      requesterFor: (user) => policy.githubLoginFor(user),
      ...(catalog ? { catalogFor: (db, o) => catalog.forDatabase(db, o) } : {}),
      logger,
      metrics,
    });
    cleanups.push(() => proxy.close());

    process.on('SIGHUP', () => {
      void policy.reload().then((r) => {
        void approvals.audit.append({
          type: r.ok ? 'policy.reloaded' : 'policy.reload_failed',
          actor: 'sluice',
          data: r.ok ? {} : { errors: r.errors },
        });
      });
    });
    printBanner({
      proxy,
      adminUrl: adminAddr.url,
      tokenFile,
      embedded,
      policySource: policy.status().source,
      stateDir,
      ...(githubBanner ? { github: githubBanner } : {}),
    });

    await waitForStop({
      proxy,
      graceMs: grace.ms,
      onDrainStart: () => {
        readiness.startDraining();
        metrics.draining.value = 1;
      },
      logger,
      say: (line) => process.stderr.write(`\n${line}\n`),
    });
    process.stderr.write('\nShutting down…\n');
    await shutdown();
    return 0;
  } catch (err) {
    process.stderr.write(`sluice proxy: ${err instanceof Error ? err.message : String(err)}\n`);
    await shutdown();
    return 1;
  }
}

async function ensureDatabase(pgServer: RunningPostgres, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: pgServer.url('postgres') });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return pgServer.url(name);
}
