// One worker of `sluice proxy --workers N`: a replica without an admin listener. It loads
// the policy, joins the control database as a replica (its own lease, so a crashed worker's
// requests are closed by the others like any dead replica's), and serves clients on the
// listen port it shares with its siblings through node:cluster. It takes its orders from
// the primary over IPC: signals are the primary's business, even though Ctrl-C in a
// terminal reaches the whole process group.
import { startProxy, type RunningProxy } from '../../proxy/server.js';
import { parseUpstreamUrl } from '../../proxy/upstream.js';
import type { PolicyStore } from '../../policy/policy-store.js';
import { openApprovals } from '../../approval/open-approvals.js';
import { initClassifier } from '../../sql/classify.js';
import { createLogger, type Logger } from '../../util/log.js';
import { ProxyMetrics } from '../../metrics/proxy-metrics.js';
import { countApprovals, gatedSessions, openPolicy } from '../gated-sessions.js';
import { catalogSettings, catalogStatus, openCatalog } from '../../catalog/open-catalog.js';
import type { CatalogRegistry } from '../../catalog/catalog-registry.js';
import { FromWorker, ToWorker, WORKER_CONFIG_ENV, WorkerConfig } from './worker-messages.js';

function send(m: FromWorker): void {
  if (process.connected) process.send!(m);
}

export async function runWorker(): Promise<number> {
  let logger: Logger = createLogger();
  let config: WorkerConfig;
  try {
    config = WorkerConfig.parse(JSON.parse(process.env[WORKER_CONFIG_ENV] ?? ''));
  } catch (err) {
    send({ type: 'failed', message: `bad worker configuration: ${(err as Error).message}` });
    return 1;
  }
  logger = logger.child({ worker: config.index });
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => {});
  // Orders that arrive while starting (the primary stops before every worker is ready)
  // are kept and obeyed once there is something to stop.
  const early: ToWorker[] = [];
  let gone = false;
  const onEarly = (raw: unknown) => {
    const parsed = ToWorker.safeParse(raw);
    if (parsed.success) early.push(parsed.data);
  };
  const onEarlyGone = () => (gone = true);
  process.on('message', onEarly);
  process.on('disconnect', onEarlyGone);

  const cleanups: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => logger.error({ err }, 'worker shutdown step failed'));
  };
  let proxy: RunningProxy;
  let policy: PolicyStore;
  let catalog: CatalogRegistry | undefined;
  const metrics = new ProxyMetrics();
  try {
    await initClassifier();
    policy = await openPolicy(config, logger, metrics);
    cleanups.push(async () => policy.close());
    if (config.policiesDir) policy.watch();
    const approvals = await openApprovals({
      controlUrl: config.controlUrl,
      stateDir: config.stateDir,
      logger,
      ...(config.leaseMs !== undefined ? { leaseMs: config.leaseMs } : {}),
    });
    cleanups.push(() => approvals.close());
    countApprovals(approvals.broker, metrics);
    const snapshots = openCatalog(
      config.upstreamUrl,
      catalogSettings(config.noCatalog, process.env),
      logger,
    );
    catalog = snapshots;
    if (snapshots) cleanups.push(async () => snapshots.close());
    proxy = await startProxy({
      listenHost: config.listenHost,
      listenPort: config.listenPort,
      upstream: parseUpstreamUrl(config.upstreamUrl),
      ...(config.tls ? { tls: config.tls } : {}),
      ...(config.maxMessageLength ? { maxMessageLength: config.maxMessageLength } : {}),
      ...gatedSessions({ policy, broker: approvals.broker, catalog: snapshots, logger, metrics }),
      cancelElsewhere: (processId, secret, raw) => {
        metrics.cancelsRelayed.value++;
        send({
          type: 'cancel',
          processId,
          secret: secret.toString('hex'),
          raw: raw.toString('base64'),
        });
      },
    });
    cleanups.push(() => proxy.close());
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    await shutdown();
    return 1;
  }
  process.off('message', onEarly);
  process.off('disconnect', onEarlyGone);
  send({ type: 'ready', host: proxy.host, port: proxy.port });

  await new Promise<void>((resolve) => {
    let ending = false;
    const end = (work: Promise<unknown>) => {
      if (ending) return;
      ending = true;
      void work.finally(resolve);
    };
    const obey = (m: ToWorker) => {
      switch (m.type) {
        case 'cancel':
          proxy.cancel(m.processId, Buffer.from(m.secret, 'hex'), Buffer.from(m.raw, 'base64'));
          return;
        case 'report':
          send({
            type: 'report',
            id: m.id,
            metrics: metrics.render(),
            sessions: proxy.sessions(),
            catalog: catalogStatus(catalog),
          });
          return;
        case 'reload':
          void policy.reload();
          return;
        case 'drain':
          metrics.draining.value = 1;
          end(proxy.drain(m.graceMs).then((r) => send({ type: 'drained', forced: r.forced })));
          return;
        case 'stop':
          end(proxy.close());
          return;
      }
    };
    // The primary is gone (killed, crashed): nobody routes or approves for us any more.
    process.on('disconnect', () => end(proxy.close()));
    process.on('message', (raw: unknown) => {
      const parsed = ToWorker.safeParse(raw);
      if (parsed.success) obey(parsed.data);
      else logger.error({ raw }, 'unexpected message from the primary');
    });
    for (const m of early) obey(m);
    if (gone || !process.connected) end(proxy.close());
  });
  await shutdown();
  return 0;
}
