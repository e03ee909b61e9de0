// The listener: one Session per client connection, a shared cancel registry, and a
// clean shutdown. A failure in one session never reaches another.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../protocol/codes.js';
import type { ApprovalGate } from '../approval/types.js';
import type { PolicyProvider } from '../policy/types.js';
import { silentLogger, type Logger } from '../util/log.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { CancelRegistry } from './cancel-registry.js';
import { Session } from './session.js';
import type { StatementClassifier } from './statement-classifier.js';
import { parseUpstreamUrl, type UpstreamConfig } from './upstream.js';
import { adoptAccepted } from './slab-reader.js';

export interface ProxyOptions {
  listenHost: string;
  /** 0 picks a free port. */
  listenPort: number;
  upstream: string | UpstreamConfig;
  /** PEM files; when set, SSLRequest is accepted and TLS is terminated here. */
  tls?: { certFile: string; keyFile: string } | { cert: string; key: string };
  /** Largest client message accepted (default: PostgreSQL's own 1 GB limit). */
  maxMessageLength?: number;
  /** Without a policy Sluice is a pure, validating pass-through. */
  policy?: PolicyProvider;
  gate?: ApprovalGate;
  classifierFactory?: () => StatementClassifier;
  requesterFor?: (pgUser: string) => string | undefined;
  /** Catalog-aware verdicts per database (src/catalog/catalog-registry.ts). */
  catalogFor?: import('./catalog-check.js').CatalogFor;
  maxQueuedBytes?: number;
  logger?: Logger;
  /** Connections, statements and holds are counted here (see src/metrics). */
  metrics?: ProxyMetrics;
  /**
   * A CancelRequest whose key no session here holds. With `--workers` the session may
   * live in a sibling process (src/cli/worker-pool.ts relays it); alone, it is dropped.
   */
  cancelElsewhere?: (processId: number, secret: Buffer, raw: Buffer) => void;
}

export interface RunningProxy {
  host: string;
  port: number;
  sessions(): number;
  /** A CancelRequest relayed from a sibling worker: true if a session here took it. */
  cancel(processId: number, secret: Buffer, raw: Buffer): boolean;
  /**
   * Graceful stop: refuses new connections at once, closes each session at its next idle
   * moment outside a transaction, and after `graceMs` closes whatever is left (a held
   * statement is then cancelled). Resolves when every session is gone.
   */
  drain(graceMs: number): Promise<{ forced: number }>;
  /** Immediate stop: every session is closed now. */
  close(): Promise<void>;
}

function secureContext(opt: ProxyOptions['tls']): tls.SecureContext | undefined {
  if (!opt) return undefined;
  const pem =
    'certFile' in opt
      ? { cert: readFileSync(opt.certFile), key: readFileSync(opt.keyFile) }
      : { cert: opt.cert, key: opt.key };
  return tls.createSecureContext(pem);
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const logger = opts.logger ?? silentLogger;
  const upstream =
    typeof opts.upstream === 'string' ? parseUpstreamUrl(opts.upstream) : opts.upstream;
  if (opts.policy && !opts.classifierFactory) {
    throw new Error('a policy needs a classifier: pass classifierFactory');
  }
  const registry = new CancelRegistry(opts.cancelElsewhere);
  const sessions = new Set<Session>();
  const tlsContext = secureContext(opts.tls);
  const metrics = opts.metrics;
  let emptied: (() => void) | undefined;

  // Paused on accept, so that the connection can move to a socket that reads with `onread`.
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    let socket = accepted;
    try {
      socket = adoptAccepted(accepted);
      const session = new Session(socket, {
        upstream,
        tlsContext,
        maxMessageLength: opts.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH,
        registry,
        policy: opts.policy,
        gate: opts.gate,
        classifierFactory: opts.classifierFactory,
        requesterFor: opts.requesterFor,
        catalogFor: opts.catalogFor,
        maxQueuedBytes: opts.maxQueuedBytes ?? 16 * 1024 * 1024,
        logger,
        ...(metrics ? { metrics } : {}),
        onClose: (s) => {
          if (sessions.delete(s) && metrics) metrics.connections.value--;
          if (sessions.size === 0) emptied?.();
        },
      });
      sessions.add(session);
      if (metrics) {
        metrics.connections.value++;
        metrics.connectionsAccepted.value++;
      }
    } catch (err) {
      logger.error({ err }, 'could not start a session');
      socket.destroy();
    }
  });
  server.on('error', (err) => logger.error({ err }, 'listener error'));
  server.maxConnections = 100_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort, opts.listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  const closed = new Promise<void>((resolve) => server.once('close', resolve));
  return {
    host: addr.address,
    port: addr.port,
    sessions: () => sessions.size,
    cancel(processId, secret, raw) {
      const session = registry.lookup(processId, secret);
      session?.cancelRequested(raw);
      return session !== undefined;
    },
    async drain(graceMs) {
      if (server.listening) server.close();
      const empty = new Promise<void>((resolve) => {
        emptied = resolve;
        if (sessions.size === 0) resolve();
      });
      for (const s of [...sessions]) s.drain();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        empty.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      const forced = timedOut ? sessions.size : 0;
      for (const s of [...sessions])
        s.terminate('Sluice is shutting down (drain grace period over)');
      await closed;
      return { forced };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.close();
      }),
  };
}
