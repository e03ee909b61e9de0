// Starts a real Sluice proxy in front of the suite's real PostgreSQL.
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/server.js';
import { pgInfo } from './pg.js';

export async function startTestProxy(extra: Partial<ProxyOptions> = {}): Promise<RunningProxy> {
  const info = pgInfo();
  return startProxy({
    listenHost: '127.0.0.1',
    listenPort: 0,
    upstream: `postgres://${info.host}:${info.port}/postgres`,
    ...extra,
  });
}

/** Connection settings for node-postgres / postgres.js through the proxy. */
export function viaProxy(proxy: RunningProxy, database: string, user?: string, password?: string) {
  const info = pgInfo();
  return {
    host: proxy.host,
    port: proxy.port,
    user: user ?? info.user,
    password: password ?? info.password,
    database,
  };
}

/** Sends a CancelRequest on a fresh connection, exactly as libpq does. */
export async function sendCancel(
  host: string,
  port: number,
  processId: number,
  secretKey: number,
): Promise<void> {
  const net = await import('node:net');
  const { serialize } = await import('pg-protocol');
  await new Promise<void>((resolve, reject) => {
    const s = net.connect({ host, port }, () => s.end(serialize.cancel(processId, secretKey)));
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}
