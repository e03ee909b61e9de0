// Reads with `onread` into slabs: a kept chunk must never be overwritten by a later read,
// on accepted (adopted) sockets and on sockets Sluice connects itself.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  adoptAccepted,
  MAX_BLOCK,
  MIN_BLOCK,
  MIN_ROOM,
  offChunks,
  onChunks,
  SlabReader,
  slabSocket,
} from '../../src/proxy/slab-reader.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A listening server whose connections are handed to `onSocket` after adoption. */
async function server(onSocket: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer({ pauseOnConnect: true }, (accepted) =>
    onSocket(adoptAccepted(accepted)),
  );
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => srv.close());
  return (srv.address() as net.AddressInfo).port;
}

/**
 * Writes `data` in pieces of random size, letting the event loop turn between some. The
 * first pieces are small and each is read on its own, so that reads share a block
 * whatever the load on the machine (big pieces written back to back fill whole blocks).
 */
async function dribble(sock: net.Socket, data: Buffer): Promise<void> {
  let off = 0;
  for (let writes = 0; off < data.length; writes++) {
    const small = writes < SMALL_WRITES;
    const n = Math.min(data.length - off, 1 + Math.floor(Math.random() * (small ? 500 : 9000)));
    sock.write(data.subarray(off, off + n));
    off += n;
    if (small || Math.random() < 0.3) await new Promise((r) => setImmediate(r));
  }
}

const SMALL_WRITES = 8;

/** No two kept chunks that share memory overlap. */
function expectDisjoint(chunks: Buffer[]): void {
  const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
  for (const c of chunks) {
    const list = byBuffer.get(c.buffer) ?? [];
    list.push([c.byteOffset, c.byteOffset + c.length]);
    byBuffer.set(c.buffer, list);
  }
  let shared = 0;
  for (const ranges of byBuffer.values()) {
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++)
      expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    if (ranges.length > 1) shared++;
  }
  // The point of the slabs: several reads land in one allocation.
  expect(shared).toBeGreaterThan(0);
}

describe('SlabReader', () => {
  it('hands out the unused tail of a block, and a fresh one when the tail is too small', () => {
    const r = new SlabReader();
    const got: Buffer[] = [];
    r.handler = (c) => got.push(c);
    const b1 = r.onread.buffer();
    expect(b1.length).toBe(MIN_BLOCK);
    b1.fill(1, 0, 100);
    r.onread.callback(100, b1);
    const b2 = r.onread.buffer();
    expect(b2.buffer).toBe(b1.buffer);
    expect(b2.byteOffset).toBe(b1.byteOffset + 100);
    expect(b2.length).toBe(MIN_BLOCK - 100);
    b2.fill(2);
    // Leaves less than MIN_ROOM: the next read gets a new block.
    r.onread.callback(b2.length - MIN_ROOM + 1, b2);
    const b3 = r.onread.buffer();
    expect(b3.buffer).not.toBe(b1.buffer);
    b3.fill(3);
    // What was delivered is intact: nothing was handed out twice.
    expect(got[0]!.length).toBe(100);
    expect(got[0]!.every((x) => x === 1)).toBe(true);
    expect(got[1]!.every((x) => x === 2)).toBe(true);
  });

  it('grows blocks for reads that fill their room, up to MAX_BLOCK, and shrinks back', () => {
    const r = new SlabReader();
    const sizes: number[] = [];
    let b = r.onread.buffer();
    for (let i = 0; i < 8; i++) {
      r.onread.callback(b.length, b); // a read that fills all the room it had
      b = r.onread.buffer();
      sizes.push(b.length);
    }
    expect(sizes.slice(0, 4)).toEqual([8192, 16384, 32768, 65536]);
    expect(Math.max(...sizes)).toBe(MAX_BLOCK);
    // Small reads again: once the big block is used up, the next block is small.
    const big = b.buffer;
    for (let i = 0; i < 1000 && b.buffer === big; i++) {
      r.onread.callback(500, b);
      b = r.onread.buffer();
    }
    expect(b.length).toBeLessThanOrEqual(MIN_BLOCK);
  });
});

describe('onread sockets', () => {
  it('keeps every chunk of an accepted connection intact across reads and slabs', async () => {
    const data = randomBytes(3 * MAX_BLOCK + 12345);
    const kept: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      void server((s) => {
        cleanups.push(() => s.destroy());
        onChunks(s, (c) => {
          kept.push(c);
          if (kept.reduce((n, k) => n + k.length, 0) >= data.length) resolve();
        });
      }).then(async (port) => {
        const client = net.connect(port, '127.0.0.1');
        cleanups.push(() => client.destroy());
        await new Promise((r) => client.once('connect', r));
        await dribble(client, data);
      });
    });
    await done;
    expect(kept.length).toBeGreaterThan(3);
    expect(Buffer.concat(kept).equals(data)).toBe(true);
    expectDisjoint(kept);
  });

  it('keeps every chunk of a connection Sluice opened intact', async () => {
    const data = randomBytes(2 * MAX_BLOCK + 999);
    const port = await server((s) => {
      cleanups.push(() => s.destroy());
      s.resume();
      void dribble(s, data);
    });
    const socket = slabSocket();
    cleanups.push(() => socket.destroy());
    const kept: Buffer[] = [];
    await new Promise<void>((resolve) => {
      onChunks(socket, (c) => {
        kept.push(c);
        if (kept.reduce((n, k) => n + k.length, 0) >= data.length) resolve();
      });
      socket.connect(port, '127.0.0.1');
    });
    expect(Buffer.concat(kept).equals(data)).toBe(true);
    expectDisjoint(kept);
  });

  /** An adopted server-side socket whose chunks are kept, and the client talking to it. */
  async function watchedPair(): Promise<{ sock: net.Socket; client: net.Socket; kept: Buffer[] }> {
    const kept: Buffer[] = [];
    let resolveSock: (s: net.Socket) => void;
    const accepted = new Promise<net.Socket>((r) => (resolveSock = r));
    const port = await server((s) => {
      cleanups.push(() => s.destroy());
      onChunks(s, (c) => kept.push(c));
      resolveSock(s);
    });
    const client = net.connect(port, '127.0.0.1');
    cleanups.push(() => client.destroy());
    return { sock: await accepted, client, kept };
  }

  it('pauses and resumes: nothing is read while paused, nothing is lost', async () => {
    const { sock, client, kept } = await watchedPair();
    sock.pause();
    client.write('while paused');
    await new Promise((r) => setTimeout(r, 50));
    expect(kept).toHaveLength(0);
    sock.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(kept).toString()).toBe('while paused');
  });

  it('stops delivering after offChunks', async () => {
    const { sock, client, kept } = await watchedPair();
    client.write('one');
    await new Promise((r) => setTimeout(r, 50));
    offChunks(sock);
    client.write('two');
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(kept).toString()).toBe('one');
  });

  it('falls back to data events for a socket without a handle to adopt', () => {
    const bare = new net.Socket();
    cleanups.push(() => bare.destroy());
    expect(adoptAccepted(bare)).toBe(bare);
    const kept: Buffer[] = [];
    onChunks(bare, (c) => kept.push(c));
    bare.emit('data', Buffer.from('x'));
    expect(kept.map(String)).toEqual(['x']);
  });
});
