// The admin listener (default 127.0.0.1:6480): the local approval channel's HTTP API,
// health and status, and a place for other handlers (Probot's webhook middleware) to mount.
// Everything under /api/ needs `Authorization: Bearer <admin token>`; /healthz and /readyz
// do not (load balancers call them); /metrics does unless `metricsPublic`; mounted
// handlers do their own authentication (GitHub webhooks are signed).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import type { Logger } from '../util/log.js';
import { silentLogger } from '../util/log.js';
import type { ApprovalBroker } from '../approval/types.js';
import { tokensEqual } from './admin-token.js';
import { HttpError, methodNotAllowed, sendError, sendJson } from './http-json.js';
import { handleRequestsApi } from './requests-api.js';
import type { Readiness } from './readiness.js';
import { CONTENT_TYPE as METRICS_CONTENT_TYPE } from '../metrics/prometheus-text.js';

export const DEFAULT_ADMIN_HOST = '127.0.0.1';
export const DEFAULT_ADMIN_PORT = 6480;
const CHALLENGE = { 'www-authenticate': 'Bearer realm="sluice"' };

export type MountedHandler = (req: IncomingMessage, res: ServerResponse) => unknown;
export type StatusProvider = () => unknown;

export interface AdminServerOptions {
  broker: ApprovalBroker;
  /** Bearer token for /api/ (see resolveAdminToken). */
  token: string;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  logger?: Logger;
  /** Recorded as the approver when a request body has no `by` (default: the OS user). */
  defaultApprover?: string;
  /**
   * Local votes stand for any CODEOWNERS owner / `allOf` group (default true): the token
   * holder is the operator. Set false to make owner tiers reachable only through GitHub.
   */
  localVotesAreOwners?: boolean;
  /** Answers GET /readyz; without it /readyz is 200 while the listener runs. */
  readiness?: Readiness;
  /** Renders GET /metrics (Prometheus text); without it /metrics is 404. */
  metrics?: () => string | Promise<string>;
  /** Serve /metrics without the bearer token (a scraper on a private network). */
  metricsPublic?: boolean;
}

export interface AdminAddress {
  host: string;
  port: number;
  url: string;
}

export class AdminServer {
  private readonly server: http.Server;
  private readonly mounts: { prefix: string; handler: MountedHandler }[] = [];
  private readonly statuses = new Map<string, StatusProvider>();
  private readonly log: Logger;
  private readonly startedAt = Date.now();

  constructor(private readonly opts: AdminServerOptions) {
    if (opts.token.length < 16) throw new Error('the admin token must be at least 16 characters');
    this.log = opts.logger ?? silentLogger;
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
    // Long-polling clients must not keep the proxy from shutting down.
    this.server.keepAliveTimeout = 5_000;
  }

  /**
   * Mounts `handler` for every path equal to `prefix` or below it. The handler sees the
   * original URL (Probot's middleware matches full paths itself) and must authenticate.
   */
  use(prefix: string, handler: MountedHandler): this {
    const clean = '/' + prefix.replace(/^\/+|\/+$/g, '');
    if (['/', '/api', '/healthz', '/readyz', '/metrics'].includes(clean))
      throw new Error(`cannot mount on ${clean}`);
    this.mounts.push({ prefix: clean, handler });
    // Longest prefix wins.
    this.mounts.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  /** Adds a section to GET /api/status (e.g. 'policy', 'github'). */
  addStatus(name: string, provider: StatusProvider): this {
    this.statuses.set(name, provider);
    return this;
  }

  async listen(): Promise<AdminAddress> {
    const host = this.opts.host ?? DEFAULT_ADMIN_HOST;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? DEFAULT_ADMIN_PORT, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.address()!;
  }

  address(): AdminAddress | undefined {
    const a = this.server.address() as AddressInfo | null;
    if (!a) return undefined;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return { host: a.address, port: a.port, url: `http://${host}:${a.port}` };
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      const mounted = this.mounts.find(
        (m) => url.pathname === m.prefix || url.pathname.startsWith(m.prefix + '/'),
      );
      if (mounted) {
        await mounted.handler(req, res);
        if (!res.headersSent && !res.writableEnded)
          throw new HttpError(404, 'not_found', `nothing at ${url.pathname}`);
        return;
      }
      if (url.pathname === '/healthz') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
        sendJson(res, 200, { ok: true });
        return;
      }
      if (url.pathname === '/readyz') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
        const report = this.opts.readiness
          ? await this.opts.readiness.report()
          : { ready: true, failing: [], checks: {} };
        sendJson(res, report.ready ? 200 : 503, report);
        return;
      }
      if (url.pathname === '/metrics' && this.opts.metrics) {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
        if (!this.opts.metricsPublic) this.authenticate(req);
        const text = await this.opts.metrics();
        res.writeHead(200, {
          'content-type': METRICS_CONTENT_TYPE,
          'content-length': Buffer.byteLength(text),
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) {
        throw new HttpError(404, 'not_found', `nothing at ${url.pathname}`);
      }
      this.authenticate(req);
      if (url.pathname === '/api/status') {
        if (req.method !== 'GET') throw methodNotAllowed('GET');
        sendJson(res, 200, await this.status());
        return;
      }
      const handled = await handleRequestsApi(req, res, url, {
        broker: this.opts.broker,
        defaultApprover: this.opts.defaultApprover ?? userInfo().username,
        localVotesAreOwners: this.opts.localVotesAreOwners ?? true,
        log: this.log,
      });
      if (!handled)
        throw new HttpError(404, 'not_found', `no API route ${req.method ?? ''} ${url.pathname}`);
    } catch (err) {
      this.fail(res, err);
    }
  }

  private authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) {
      throw new HttpError(
        401,
        'unauthorized',
        'missing bearer token: send Authorization: Bearer <admin token>',
        undefined,
        CHALLENGE,
      );
    }
    if (!tokensEqual(m[1]!, this.opts.token)) {
      this.log.warn({ remote: req.socket.remoteAddress }, 'admin API: wrong bearer token');
      throw new HttpError(401, 'unauthorized', 'wrong admin token', undefined, CHALLENGE);
    }
  }

  private async status(): Promise<Record<string, unknown>> {
    const pending = await this.opts.broker.list({ status: 'pending' });
    const out: Record<string, unknown> = {
      ok: true,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      pendingRequests: pending.length,
    };
    for (const [name, provider] of this.statuses) {
      try {
        out[name] = await provider();
      } catch (err) {
        // One failing provider must not hide the others.
        out[name] = { error: (err as Error).message };
        out.ok = false;
      }
    }
    return out;
  }

  private fail(res: ServerResponse, err: unknown): void {
    const httpErr =
      err instanceof HttpError
        ? err
        : new HttpError(500, 'internal', 'internal error (see the Sluice log)');
    if (!(err instanceof HttpError)) this.log.error({ err }, 'admin API request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, httpErr);
  }
}
