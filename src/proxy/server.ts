// The listener: one Session per client connection, a shared cancel registry, and a
// clean shutdown. A failure in one session never reaches another.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../protocol/codes.js';
import type { ApprovalGate } from '../approval/types.js';
import type { PolicyProvider } from '../policy/types.js';
import { silentLogger, type Logger } from '../util/log.js';
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
  maxQueuedBytes?: number;
  logger?: Logger;
}

export interface RunningProxy {
  host: string;
  port: number;
  sessions(): number;
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
  const registry = new CancelRegistry();
  const sessions = new Set<Session>();
  const tlsContext = secureContext(opts.tls);

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
        maxQueuedBytes: opts.maxQueuedBytes ?? 16 * 1024 * 1024,
        logger,
        onClose: (s) => sessions.delete(s),
      });
      sessions.add(session);
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
  return {
    host: addr.address,
    port: addr.port,
    sessions: () => sessions.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.close();
      }),
  };
}
