// Opening the server leg: TCP, then (per sslmode) the SSLRequest dance and TLS.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { StartupCode } from '../protocol/codes.js';
import { offChunks, onChunks, slabSocket } from './slab-reader.js';

export const SslMode = {
  disable: 'disable',
  prefer: 'prefer',
  require: 'require',
  verifyCa: 'verify-ca',
  verifyFull: 'verify-full',
} as const;
export type SslMode = (typeof SslMode)[keyof typeof SslMode];

export interface UpstreamConfig {
  host: string;
  port: number;
  sslmode: SslMode;
  /** PEM CA bundle for verify-ca / verify-full. */
  ca?: string;
  /** Credentials and database from the URL: used only for Sluice's own side connections. */
  user?: string;
  password?: string;
  database?: string;
  /** The URL as given, for side connections through `pg`. */
  url: string;
}

export function parseUpstreamUrl(url: string): UpstreamConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid upstream URL: ${url}`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`upstream URL must start with postgres://, got ${u.protocol}`);
  }
  const mode = (u.searchParams.get('sslmode') ?? 'disable') as SslMode;
  if (!Object.values(SslMode).includes(mode)) throw new Error(`unsupported sslmode '${mode}'`);
  const rootCert = u.searchParams.get('sslrootcert');
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    sslmode: mode,
    ca: rootCert ? readFileSync(rootCert, 'utf8') : undefined,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
    url,
  };
}

const SSL_REQUEST = (() => {
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(StartupCode.SSLRequest, 4);
  return b;
})();

function connectTcp(cfg: UpstreamConfig): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = slabSocket();
    sock.connect({ host: cfg.host, port: cfg.port });
    // No read before someone listens: with `onread` the bytes would go nowhere.
    sock.pause();
    sock.setNoDelay(true);
    const onError = (err: Error) => reject(err);
    sock.once('error', onError);
    sock.once('connect', () => {
      sock.off('error', onError);
      resolve(sock);
    });
  });
}

/** One byte answer to our SSLRequest. More than one byte is an attack (CVE-2021-23222). */
function readSslAnswer(sock: net.Socket): Promise<'S' | 'N'> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      cleanup();
      if (chunk.length !== 1)
        return reject(new Error('server sent unexpected data after SSL answer'));
      const c = String.fromCharCode(chunk[0]!);
      if (c === 'S' || c === 'N') resolve(c);
      else reject(new Error(`server answered SSLRequest with ${JSON.stringify(c)}`));
    };
    const onClose = () => {
      cleanup();
      reject(new Error('server closed the connection during SSL negotiation'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      offChunks(sock);
      sock.off('close', onClose);
      sock.off('error', onError);
      sock.pause();
    };
    onChunks(sock, onData);
    sock.resume();
    sock.once('close', onClose);
    sock.once('error', onError);
  });
}

/** Connects to the server, with TLS as the sslmode asks. The socket is returned paused. */
export async function connectUpstream(cfg: UpstreamConfig): Promise<net.Socket> {
  const sock = await connectTcp(cfg);
  if (cfg.sslmode === SslMode.disable) return sock;
  try {
    sock.write(SSL_REQUEST);
    const answer = await readSslAnswer(sock);
    if (answer === 'N') {
      if (cfg.sslmode === SslMode.prefer) return sock;
      throw new Error(`upstream server does not support SSL, but sslmode=${cfg.sslmode}`);
    }
    const verify = cfg.sslmode === SslMode.verifyCa || cfg.sslmode === SslMode.verifyFull;
    const secure = tls.connect({
      socket: sock,
      host: cfg.host,
      servername: net.isIP(cfg.host) ? undefined : cfg.host,
      ca: cfg.ca,
      rejectUnauthorized: verify,
      // verify-ca checks the chain only; verify-full also the host name (Node's default check).
      checkServerIdentity:
        cfg.sslmode === SslMode.verifyFull ? tls.checkServerIdentity : () => undefined,
    });
    secure.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    secure.removeAllListeners('error');
    secure.pause();
    return secure as unknown as net.Socket;
  } catch (err) {
    sock.destroy();
    throw err;
  }
}
