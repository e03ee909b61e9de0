// A byte-level PostgreSQL client for tests that must send what real drivers never would.
import net from 'node:net';
import { serialize } from 'pg-protocol';

export interface RawMessage {
  code: string;
  body: Buffer;
}

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(host: string, port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  /** Reads one typed message, or undefined when the connection closed first. */
  async read(timeoutMs = 5000): Promise<RawMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length >= 5) {
        const len = this.buf.readInt32BE(1);
        if (this.buf.length >= len + 1) {
          const msg = {
            code: String.fromCharCode(this.buf[0]!),
            body: this.buf.subarray(5, len + 1),
          };
          this.buf = this.buf.subarray(len + 1);
          return msg;
        }
      }
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Reads one raw byte (SSL/GSS answers). */
  async readByte(timeoutMs = 5000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length === 0) {
      if (this.closed) return undefined;
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const c = String.fromCharCode(this.buf[0]!);
    this.buf = this.buf.subarray(1);
    return c;
  }

  /** Reads until ReadyForQuery; returns everything read. */
  async untilReady(timeoutMs = 5000): Promise<RawMessage[]> {
    const out: RawMessage[] = [];
    for (;;) {
      const m = await this.read(timeoutMs);
      if (!m) return out;
      out.push(m);
      if (m.code === 'Z') return out;
    }
  }

  /** Start-up as a trust-authenticated user; resolves after the first ReadyForQuery. */
  async startup(user: string, database: string): Promise<RawMessage[]> {
    this.write(serialize.startup({ user, database }));
    return this.untilReady();
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  end(): void {
    this.socket.destroy();
  }
}

/** The fields of an ErrorResponse body keyed by field code. */
export function errorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < body.length && body[off] !== 0) {
    const end = body.indexOf(0, off + 1);
    out[String.fromCharCode(body[off]!)] = body.toString('utf8', off + 1, end);
    off = end + 1;
  }
  return out;
}
