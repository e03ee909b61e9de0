// Where `sluice proxy` serves clients: in this process (the default), or in N workers
// sharing the port (`--workers N`, src/cli/workers/worker-pool.ts). The rest of the
// command (admin listener, GitHub, banner, signals) sees one shape either way.
import type { CheckResult } from '../../admin/readiness.js';
import { mergeMetrics } from '../../metrics/merge-metrics.js';
import type { ProxyMetrics } from '../../metrics/proxy-metrics.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../proxy/server.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

export interface ProxyListener {
  /** Starts serving; host and port are known afterwards. */
  start(): Promise<void>;
  readonly host: string;
  readonly port: number;
  /** The Prometheus text for /metrics: this process's, merged with every worker's. */
  metrics(): Promise<string>;
  /** For /readyz: with workers, whether every one of them is serving. */
  ready(): Promise<CheckResult>;
  /** For /api/status. */
  status(): Promise<Record<string, unknown>>;
  /** The catalog snapshots for /api/status "catalog": this process's, or each worker's. */
  catalogStatus(): Promise<unknown>;
  /** SIGHUP: the workers reload their policy too (this process reloads its own). */
  reload(): void;
  drain(graceMs: number): Promise<{ forced: number }>;
  close(): Promise<void>;
}

export function createListener(o: {
  workers: number;
  metrics: ProxyMetrics;
  /** This process's catalog status (workers = 1; each worker reports its own). */
  catalogStatus: () => unknown;
  /** In-process proxy (workers = 1). */
  proxy: () => ProxyOptions;
  /** Worker pool (workers > 1). */
  pool: () => Omit<WorkerPoolOptions, 'count'>;
}): ProxyListener {
  return o.workers === 1
    ? inProcess(o.metrics, o.proxy, o.catalogStatus)
    : pooled(o.workers, o.metrics, o.pool);
}

function inProcess(
  metrics: ProxyMetrics,
  options: () => ProxyOptions,
  catalogStatus: () => unknown,
): ProxyListener {
  let proxy: RunningProxy | undefined;
  const started = (): RunningProxy => {
    if (!proxy) throw new Error('the proxy is not started');
    return proxy;
  };
  return {
    async start() {
      proxy = await startProxy(options());
    },
    get host() {
      return started().host;
    },
    get port() {
      return started().port;
    },
    metrics: () => Promise.resolve(metrics.render()),
    ready: () => Promise.resolve({ ok: true }),
    status: () => Promise.resolve({ workers: 1, sessions: proxy?.sessions() ?? 0 }),
    catalogStatus: () => Promise.resolve(catalogStatus()),
    reload() {},
    drain: (graceMs) => started().drain(graceMs),
    close: () => proxy?.close() ?? Promise.resolve(),
  };
}

function pooled(
  count: number,
  metrics: ProxyMetrics,
  options: () => Omit<WorkerPoolOptions, 'count'>,
): ProxyListener {
  let pool: WorkerPool | undefined;
  const started = (): WorkerPool => {
    if (!pool) throw new Error('the workers are not started');
    return pool;
  };
  return {
    async start() {
      pool = await WorkerPool.start({ ...options(), count });
    },
    get host() {
      return started().host;
    },
    get port() {
      return started().port;
    },
    async metrics() {
      const { metrics: texts } = await started().collect();
      return mergeMetrics([metrics.render(), ...texts]);
    },
    ready() {
      const ready = pool?.readyCount() ?? 0;
      return Promise.resolve(
        ready === count
          ? { ok: true, detail: `${count} workers serving` }
          : { ok: false, error: `${ready} of ${count} workers serving` },
      );
    },
    async status() {
      if (!pool) return { workers: count, started: false };
      const { workers } = await pool.collect();
      return {
        workers: count,
        sessions: workers.reduce((n, w) => n + (w.sessions ?? 0), 0),
        processes: workers,
      };
    },
    async catalogStatus() {
      if (!pool) return { workers: [] };
      const { workers } = await pool.collect();
      return { workers: workers.map((w) => ({ index: w.index, catalog: w.catalog })) };
    },
    reload: () => pool?.reload(),
    drain: (graceMs) => started().drain(graceMs),
    close: () => pool?.close() ?? Promise.resolve(),
  };
}
