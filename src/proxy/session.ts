// One client connection and its server connection. The session owns the sockets and
// does all of the I/O; protocol decisions come from the framer, the scanner, the
// start-up guard and the gatekeeper, which only return what to send.
import type net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { FrontendFramer, type Frame, type StartupPacket } from '../protocol/frontend-framer.js';
import { BackendScanner } from '../protocol/backend-scanner.js';
import { errorResponse, SSL_ACCEPT, SSL_REFUSE } from '../protocol/builders.js';
import { FrontendCode } from '../protocol/codes.js';
import { ProtocolError, SqlState } from '../protocol/protocol-error.js';
import type { ApprovalGate, TxStatus } from '../approval/types.js';
import type { PolicyProvider, SessionIdentity } from '../policy/types.js';
import type { Logger } from '../util/log.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import type { CancelRegistry } from './cancel-registry.js';
import { Gatekeeper, type Output } from './gatekeeper.js';
import { ServerObserver } from './server-observer.js';
import { checkStartup, PARSER_SETTINGS } from './startup-guard.js';
import type { StatementClassifier } from './statement-classifier.js';
import type { CatalogFor } from './catalog-check.js';
import { connectUpstream, type UpstreamConfig } from './upstream.js';
import { RewriteBook } from './refusal.js';
import { forwardCancel } from './forward-cancel.js';
import { offChunks, onChunks } from './slab-reader.js';

export const SessionState = {
  startup: 'startup',
  connecting: 'connecting',
  auth: 'auth',
  ready: 'ready',
  closed: 'closed',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

export interface SessionOptions {
  upstream: UpstreamConfig;
  tlsContext?: tls.SecureContext;
  maxMessageLength: number;
  registry: CancelRegistry;
  /** Without a policy the session is a pure pass-through (still framed and validated). */
  policy?: PolicyProvider;
  gate?: ApprovalGate;
  classifierFactory?: () => StatementClassifier;
  requesterFor?: (pgUser: string) => string | undefined;
  /** The catalog of the session's database (src/catalog); without it, static verdicts. */
  catalogFor?: CatalogFor;
  /** Client bytes queued behind a held statement before Sluice stops reading. */
  maxQueuedBytes: number;
  logger: Logger;
  metrics?: ProxyMetrics;
  onClose(session: Session): void;
}

type PauseReason = 'upstream-full' | 'connecting' | 'queue-full';

export class Session {
  readonly id = randomBytes(6).toString('hex');
  state: SessionState = SessionState.startup;
  txStatus: TxStatus = 'I';
  identity: SessionIdentity = { user: '', database: '', applicationName: '', clientAddress: '' };
  backendKey: { processId: number; secret: Buffer } | undefined;

  private client: net.Socket;
  private upstream: net.Socket | undefined;
  private readonly framer: FrontendFramer;
  private readonly scanner: BackendScanner;
  private readonly observer: ServerObserver;
  private gatekeeper: Gatekeeper | undefined;
  private classifier: StatementClassifier | undefined;
  private readonly clientPauses = new Set<PauseReason>();
  private unregisterCancel: (() => void) | undefined;
  private clientTls = false;
  private readonly log: Logger;

  constructor(
    socket: net.Socket,
    private readonly opts: SessionOptions,
  ) {
    this.client = socket;
    this.identity.clientAddress = socket.remoteAddress ?? '';
    this.log = opts.logger.child({ session: this.id });
    this.framer = new FrontendFramer(opts.maxMessageLength);
    const rewrites = new RewriteBook();
    this.observer = new ServerObserver(rewrites, {
      readyForQuery: (s) => {
        this.txStatus = s;
        this.gatekeeper?.readyForQuery();
        // After this chunk reaches the client: the ReadyForQuery must not be cut off.
        if (this.draining) setImmediate(() => this.closeIfIdle());
      },
      backendKey: (pid, secret) => {
        this.backendKey = { processId: pid, secret };
        this.unregisterCancel = opts.registry.register(pid, secret, this);
      },
      parameterStatus: (name, value) => {
        if (name === 'application_name') this.identity.applicationName = value;
        this.classifier?.parameterStatus(name, value);
      },
      authenticationOk: () => this.onAuthenticated(rewrites),
      commandComplete: (tag) => this.gatekeeper?.commandComplete(tag),
      error: (code, message) => this.gatekeeper?.serverError(code, message),
      failed: () => this.gatekeeper?.serverFailed(),
    });
    this.scanner = new BackendScanner(this.observer);
    socket.setNoDelay(true);
    this.attachClient(socket);
  }

  private attachClient(socket: net.Socket): void {
    onChunks(socket, this.guarded(this.onClientData));
    socket.on('error', (err) => this.log.debug({ err }, 'client socket error'));
    socket.on('close', () => this.close());
  }

  /** guard() for a chunk handler, made once: no closure per chunk on the hot path. */
  private guarded(handle: (chunk: Buffer) => void): (chunk: Buffer) => void {
    const bound = handle.bind(this);
    return (chunk) => {
      try {
        bound(chunk);
      } catch (err) {
        this.fail(err);
      }
    };
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  private onClientData(chunk: Buffer): void {
    switch (this.state) {
      case SessionState.startup:
        return this.onStartupBytes(chunk);
      case SessionState.connecting:
        // Paused while connecting; bytes that were already in flight wait for the server.
        this.early.push(chunk);
        return;
      case SessionState.auth:
      case SessionState.ready:
        return this.onMessageBytes(chunk);
      case SessionState.closed:
        return;
    }
  }

  private early: Buffer[] = [];
  private readonly out: Output = { server: [], client: [] };

  private onStartupBytes(chunk: Buffer): void {
    const { packets, rest } = this.framer.pushStartup(chunk);
    for (const packet of packets) {
      if (this.handleStartupPacket(packet, rest)) return;
    }
    if (rest.length > 0) this.early.push(rest);
  }

  /** Returns true when the packet ended this round of start-up processing. */
  private handleStartupPacket(packet: StartupPacket, rest: Buffer): boolean {
    switch (packet.type) {
      case 'SSLRequest':
      case 'GSSENCRequest': {
        // Bytes sent before the handshake could be injected by a man in the middle.
        if (rest.length > 0 || this.framer.buffered > 0) {
          throw new ProtocolError(
            SqlState.ProtocolViolation,
            `received unencrypted data after ${packet.type === 'SSLRequest' ? 'SSL' : 'GSSAPI encryption'} request`,
          );
        }
        if (packet.type === 'SSLRequest' && this.opts.tlsContext && !this.clientTls) {
          this.client.write(SSL_ACCEPT);
          this.startClientTls();
          return true;
        }
        this.client.write(SSL_REFUSE);
        return false;
      }
      case 'CancelRequest':
        this.state = SessionState.closed;
        this.opts.registry.cancel(packet.processId, packet.secretKey, packet.raw);
        this.client.end();
        return true;
      case 'StartupMessage':
        this.startSession(packet.raw, packet.params, rest);
        return true;
    }
  }

  private startClientTls(): void {
    const raw = this.client;
    offChunks(raw);
    raw.removeAllListeners('close');
    raw.on('error', () => {});
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: this.opts.tlsContext! });
    secure.on('error', (err) => {
      this.log.debug({ err }, 'client TLS error');
      this.close();
    });
    this.client = secure as unknown as net.Socket;
    this.clientTls = true;
    this.observer.stripChannelBinding = true;
    this.attachClient(this.client);
  }

  private startSession(raw: Buffer, params: Map<string, string>, rest: Buffer): void {
    const facts = checkStartup(params);
    this.identity.user = facts.user;
    this.identity.database = facts.database;
    this.identity.applicationName = facts.applicationName;
    if (this.opts.policy && this.opts.classifierFactory) {
      this.classifier = this.opts.classifierFactory();
      this.classifier.setOptions(this.opts.policy.classifierOptions());
      for (const name of PARSER_SETTINGS) {
        const v = facts.settings.get(name);
        if (v !== undefined) this.classifier.parameterStatus(name, v);
      }
    }
    this.state = SessionState.connecting;
    this.pauseClient('connecting');
    if (rest.length > 0) this.early.push(rest);
    connectUpstream(this.opts.upstream).then(
      (upstream) => this.guard(() => this.onUpstreamConnected(upstream, raw)),
      (err: unknown) => {
        this.log.warn({ err }, 'could not connect to upstream');
        this.fatal(SqlState.CannotConnectNow, 'Sluice could not connect to the upstream server');
      },
    );
  }

  private onUpstreamConnected(upstream: net.Socket, startup: Buffer): void {
    if (this.state === SessionState.closed) {
      upstream.destroy();
      return;
    }
    this.upstream = upstream;
    onChunks(upstream, this.guarded(this.onServerData));
    upstream.on('error', (err) => this.log.debug({ err }, 'upstream socket error'));
    upstream.on('close', () => this.close());
    upstream.on('drain', () => this.resumeClient('upstream-full'));
    this.client.on('drain', () => upstream.resume());
    this.state = SessionState.auth;
    this.writeUpstream([startup]);
    upstream.resume();
    const early = this.early;
    this.early = [];
    this.resumeClient('connecting');
    for (const chunk of early) this.onMessageBytes(chunk);
  }

  private onAuthenticated(rewrites: RewriteBook): void {
    this.state = SessionState.ready;
    if (this.opts.policy && this.classifier) {
      // After authentication: the database exists and the client may use it.
      const catalog = this.opts.catalogFor?.(
        this.identity.database,
        this.opts.policy.classifierOptions(),
      );
      this.gatekeeper = new Gatekeeper(
        {
          classifier: this.classifier,
          policy: this.opts.policy,
          gate: this.opts.gate,
          identity: this.identity,
          requestIdentity: () => {
            const requester = this.opts.requesterFor?.(this.identity.user);
            return { ...this.identity, sessionId: this.id, ...(requester ? { requester } : {}) };
          },
          txStatus: () => this.txStatus,
          send: (out) => this.guard(() => this.send(out)),
          trackOutcome: (on) => {
            this.observer.trackingOutcome = on;
          },
          logger: this.log,
          ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}),
          ...(catalog ? { catalog } : {}),
        },
        rewrites,
      );
    }
  }

  private onMessageBytes(chunk: Buffer): void {
    const tiled = this.framer.buffered === 0;
    const frames = this.framer.push(chunk);
    if (this.state === SessionState.auth) {
      for (const f of frames) {
        if (f.code !== FrontendCode.Password && f.code !== FrontendCode.Terminate) {
          throw new ProtocolError(
            SqlState.ProtocolViolation,
            'expected an authentication response, got another message before authentication completed',
          );
        }
      }
      return this.forwardFrames(chunk, frames, tiled);
    }
    if (!this.gatekeeper) return this.forwardFrames(chunk, frames, tiled);
    // One Output per session for this synchronous path: send() consumes it before
    // returning, and the gatekeeper only pushes into it (its verdicts make their own).
    // Fresh arrays: emptying one (`length = 0`) is a call into V8's runtime.
    const out = this.out;
    out.server = [];
    if (out.client.length > 0) out.client = [];
    this.gatekeeper.process(frames, out);
    // The common case: everything passed as received, so the chunk goes as it came.
    if (tiled && this.framer.buffered === 0 && sameFrames(out.server, frames)) {
      out.server = [chunk];
    }
    this.send(out);
    if (this.gatekeeper.queuedByteCount > this.opts.maxQueuedBytes) this.pauseClient('queue-full');
  }

  private forwardFrames(chunk: Buffer, frames: Frame[], tiled: boolean): void {
    if (frames.length === 0) return;
    if (tiled && this.framer.buffered === 0) this.writeUpstream([chunk]);
    else this.writeUpstream(frames.map((f) => f.raw));
  }

  private send(out: Output): void {
    if (out.server.length > 0) this.writeUpstream(out.server);
    for (let i = 0; i < out.client.length; i++) {
      const b = out.client[i]!;
      if (this.scanner.atBoundary) this.writeClient([b]);
      else this.scanner.inject(b);
    }
    if (this.clientPauses.size > 0 && this.gatekeeper && !this.gatekeeper.holding) {
      this.resumeClient('queue-full');
    }
  }

  private onServerData(chunk: Buffer): void {
    const out = this.scanner.push(chunk);
    if (out.length > 0) this.writeClient(out);
  }

  private writeUpstream(bufs: Buffer[]): void {
    const up = this.upstream;
    if (!up || up.destroyed) return;
    let ok = true;
    if (bufs.length === 1) ok = up.write(bufs[0]!);
    else {
      up.cork();
      for (const b of bufs) ok = up.write(b) && ok;
      up.uncork();
    }
    if (!ok) this.pauseClient('upstream-full');
  }

  private writeClient(bufs: Buffer[]): void {
    const c = this.client;
    if (c.destroyed) return;
    let ok = true;
    if (bufs.length === 1) ok = c.write(bufs[0]!);
    else {
      c.cork();
      for (const b of bufs) ok = c.write(b) && ok;
      c.uncork();
    }
    // A slow reader: stop reading from the server until the client drains.
    if (!ok) this.upstream?.pause();
  }

  private pauseClient(reason: PauseReason): void {
    this.clientPauses.add(reason);
    this.client.pause();
  }

  private resumeClient(reason: PauseReason): void {
    if (!this.clientPauses.delete(reason)) return;
    if (this.clientPauses.size === 0 && this.state !== SessionState.closed) this.client.resume();
  }

  /** CancelRequest for this session's backend key. */
  cancelRequested(raw: Buffer): void {
    if (this.gatekeeper?.cancelHeld()) return;
    forwardCancel(this.opts.upstream, raw).catch((err: unknown) =>
      this.log.warn({ err }, 'could not forward cancel request'),
    );
  }

  private fail(err: unknown): void {
    if (err instanceof ProtocolError) {
      this.log.warn(
        { sqlstate: err.sqlstate, msg: err.message, client: this.identity.clientAddress },
        'protocol error from client',
      );
      this.fatal(err.sqlstate, err.message);
      return;
    }
    this.log.error({ err }, 'internal error in session');
    this.fatal(SqlState.InternalError, 'Sluice internal error; the connection was closed');
  }

  /** Sends a FATAL ErrorResponse when it cannot land mid-message, then closes. */
  private fatal(code: string, message: string): void {
    if (this.state === SessionState.closed) return;
    if (this.scanner.atBoundary && !this.client.destroyed) {
      this.client.end(errorResponse({ severity: 'FATAL', code, message }));
    }
    this.close();
  }

  private draining = false;

  /**
   * The proxy is shutting down: close this session at its next idle moment outside a
   * transaction (now, if it is idle already). Sessions still starting up are turned away.
   */
  drain(): void {
    this.draining = true;
    if (this.state !== SessionState.ready) {
      this.fatal(SqlState.CannotConnectNow, 'Sluice is shutting down');
      return;
    }
    this.closeIfIdle();
  }

  private closeIfIdle(): void {
    if (this.state !== SessionState.ready || this.txStatus !== 'I') return;
    if (this.gatekeeper && !this.gatekeeper.idle) return;
    if (this.framer.buffered > 0) return;
    this.terminate('Sluice is shutting down; reconnect to another replica');
  }

  /** Ends the session with PostgreSQL's admin_shutdown FATAL; a held statement is cancelled. */
  terminate(message: string): void {
    this.disposeReason = 'Sluice shut down before a verdict';
    this.fatal(SqlState.AdminShutdown, `terminating connection: ${message}`);
  }

  private disposed = false;
  private disposeReason: string | undefined;

  close(): void {
    this.state = SessionState.closed;
    if (this.disposed) return;
    this.disposed = true;
    this.gatekeeper?.dispose(this.disposeReason);
    this.unregisterCancel?.();
    this.upstream?.destroy();
    this.upstream = undefined;
    // Let a final ErrorResponse flush, but never keep a dead client around.
    const client = this.client;
    if (!client.writableEnded) client.end();
    client.once('finish', () => client.destroy());
    setTimeout(() => client.destroy(), 1000).unref();
    this.opts.onClose(this);
  }
}

function sameFrames(bufs: Buffer[], frames: Frame[]): boolean {
  if (bufs.length !== frames.length) return false;
  for (let i = 0; i < bufs.length; i++) if (bufs[i] !== frames[i]!.raw) return false;
  return true;
}
