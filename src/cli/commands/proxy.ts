// `sluice proxy`: the main job. With no upstream it starts an embedded PostgreSQL in the
// state folder and uses it for the control schema too, so `npm start` needs nothing else.
import cluster from 'node:cluster';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { parseUpstreamUrl } from '../../proxy/upstream.js';
import { openApprovals } from '../../approval/open-approvals.js';
import { AdminServer } from '../../admin/admin-server.js';
import { CONTROL_URL_FILE, resolveAdminToken, writeAdminToken } from '../../admin/admin-token.js';
import { initClassifier } from '../../sql/classify.js';
import { createLogger } from '../../util/log.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../embedded-postgres.js';
import { printBanner, type GitHubBanner } from '../banner.js';
import { codeownersRefusal } from '../codeowners-required.js';
import { readGitHubEnv } from '../../github/github-env.js';
import { ProxyMetrics } from '../../metrics/proxy-metrics.js';
import { proxyReadiness } from '../proxy-readiness.js';
import { waitForStop } from '../stop-signals.js';
import { readProxySettings } from '../proxy-settings.js';
import { countApprovals, gatedSessions, openPolicy } from '../gated-sessions.js';
import { runWorker } from '../workers/run-worker.js';
import { createListener } from '../workers/proxy-listener.js';
import { catalogSettings, catalogStatus, openCatalog } from '../../catalog/open-catalog.js';

export async function run(argv: string[]): Promise<number> {
  // A worker of `--workers N` runs this same command line (node:cluster forks it).
  if (cluster.isWorker) {
    const code = await runWorker();
    if (process.connected) process.disconnect();
    return code;
  }
  const read = readProxySettings(argv, process.env);
  if (!read.ok) {
    (read.code === 0 ? process.stdout : process.stderr).write(read.text);
    return read.code;
  }
  const settings = read.settings;
  const { listen, admin, stateDir, tls, workers, leaseMs, policiesDir, maxMessageLength } =
    settings;
  const codeowners = settings.codeowners;
  const env = process.env;
  const logger = createLogger();
  const metrics = new ProxyMetrics();
  await mkdir(stateDir, { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    let upstreamUrl = settings.upstreamUrl;
    let controlUrl = settings.controlUrl;
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
    if (workers > 1 && !controlUrl)
      throw new Error(
        '--workers needs a control database (--control-url): the workers coordinate through it as replicas do',
      );

    await initClassifier();
    const policyDir = path.resolve(policiesDir ?? path.join(stateDir, 'no-policies'));
    // CODEOWNERS beside the policies directory (its parent: the approvals checkout), or in
    // the working directory with the built-in defaults; --codeowners overrides both.
    const repoRoot = policiesDir ? path.dirname(policyDir) : process.cwd();
    const policy = await openPolicy(
      {
        policyDir,
        ...(policiesDir ? { policiesDir } : {}),
        ...(codeowners ? { codeowners } : {}),
        repoRoot,
      },
      logger,
      metrics,
    );
    cleanups.push(async () => policy.close());
    if (readGitHubEnv(env).mode === 'app') {
      const refusal = codeownersRefusal({
        policy: policy.current().policy,
        codeowners: policy.codeowners(),
        repoRoot,
        ...(codeowners ? { file: codeowners } : {}),
      });
      if (refusal) throw new Error(refusal);
    }
    if (policiesDir) policy.watch();

    const approvals = await openApprovals({
      ...(controlUrl ? { controlUrl } : {}),
      stateDir,
      logger,
      ...(leaseMs !== undefined ? { leaseMs } : {}),
    });
    cleanups.push(() => approvals.close());
    for (const w of approvals.warnings) process.stderr.write(`warning: ${w}\n`);
    countApprovals(approvals.broker, metrics);
    // Each process that serves sessions keeps its own snapshots: this one, or each worker.
    const catalogConfig = catalogSettings(settings.noCatalog, env);
    const catalog = workers === 1 ? openCatalog(upstream.url, catalogConfig, logger) : undefined;
    if (catalog) cleanups.push(async () => catalog.close());
    const listener = createListener({
      workers,
      metrics,
      catalogStatus: () => catalogStatus(catalog),
      proxy: () => ({
        listenHost: listen.host,
        listenPort: listen.port,
        upstream,
        ...(tls ? { tls } : {}),
        ...(maxMessageLength ? { maxMessageLength } : {}),
        ...gatedSessions({ policy, broker: approvals.broker, catalog, logger, metrics }),
      }),
      pool: () => ({
        config: {
          listenHost: listen.host,
          listenPort: listen.port,
          upstreamUrl: upstream.url,
          controlUrl: controlUrl!,
          stateDir,
          ...(policiesDir ? { policiesDir } : {}),
          policyDir,
          repoRoot,
          ...(codeowners ? { codeowners } : {}),
          ...(tls ? { tls } : {}),
          ...(maxMessageLength ? { maxMessageLength } : {}),
          ...(leaseMs !== undefined ? { leaseMs } : {}),
          ...(settings.noCatalog ? { noCatalog: true } : {}),
        },
        logger,
        say: (line) => process.stderr.write(`${line}\n`),
      }),
    });
    const readiness = proxyReadiness({ upstream, policy, controlUrl });
    if (workers > 1) readiness.add('workers', () => listener.ready());

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
      metrics: () => listener.metrics(),
      metricsPublic: settings.metricsPublic,
    });
    adminServer.addStatus('policy', () => policy.status());
    adminServer.addStatus('proxy', () => listener.status());
    adminServer.addStatus('catalog', () => listener.catalogStatus());
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
        workers,
      },
    });
    cleanups.push(async () => {
      await approvals.audit.append({ type: 'proxy.stopped', actor: 'sluice', data: {} });
    });

    await listener.start();
    cleanups.push(() => listener.close());

    process.on('SIGHUP', () => {
      listener.reload();
      void policy.reload().then((r) => {
        void approvals.audit.append({
          type: r.ok ? 'policy.reloaded' : 'policy.reload_failed',
          actor: 'sluice',
          data: r.ok ? {} : { errors: r.errors },
        });
      });
    });
    printBanner({
      proxy: listener,
      adminUrl: adminAddr.url,
      tokenFile,
      embedded,
      policySource: policy.status().source,
      stateDir,
      ...(githubBanner ? { github: githubBanner } : {}),
    });

    await waitForStop({
      proxy: listener,
      graceMs: settings.graceMs,
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
