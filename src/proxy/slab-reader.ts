// Reading a socket with `onread` into memory Sluice hands out itself.
//
// Node's default read path allocates a fresh 64 KiB buffer for every read, shrinks it,
// wraps it and pushes it through the Readable stream machinery before a 'data' listener
// sees it. For a proxy of small messages that costs about as much per transaction as
// classifying the statement. With `onread` the kernel writes straight into a buffer we
// supply and a plain callback gets the bytes.
//
// Each read lands in the unused tail of a block, and a block is never written twice. So a
// chunk, or any subarray of it, that someone keeps (a held request, the framer's partial
// frame, a write still queued on the other socket) stays intact without any ownership
// bookkeeping. A kept subarray pins its block, as a kept slice of Node's pool would.
//
// `onread` makes every socket reserve the memory of its next read in advance, so blocks
// are sized to the traffic: a connection of small queries, or an idle one, holds a few
// KiB; one streaming a large result grows to Node's own 64 KiB reads.
import net from 'node:net';

/** The smallest block: what an idle connection holds. */
export const MIN_BLOCK = 4 * 1024;
/** The largest block, and so the largest read, as with Node's default. */
export const MAX_BLOCK = 64 * 1024;
/** The least room offered to a read. A read larger than its room is simply split in two. */
export const MIN_ROOM = 1024;

export type ChunkHandler = (chunk: Buffer) => void;

const ignore: ChunkHandler = () => {};

export class SlabReader {
  /** Who gets the bytes; swapped as the connection moves through its phases. */
  handler: ChunkHandler = ignore;
  private block = Buffer.allocUnsafeSlow(MIN_BLOCK);
  private offset = 0;
  /** Room wanted for the next read: twice the last one, within the bounds. */
  private want = MIN_ROOM;

  /** The `onread` option for a net.Socket. */
  readonly onread = {
    buffer: (): Buffer => this.nextBuffer(),
    callback: (nread: number, buf: Uint8Array): void => {
      const chunk = (buf as Buffer).subarray(0, nread);
      this.offset += nread;
      this.want = Math.min(MAX_BLOCK, Math.max(MIN_ROOM, 2 * nread));
      this.handler(chunk);
    },
  };

  private nextBuffer(): Buffer {
    if (this.block.length - this.offset < this.want) {
      // Powers of two from 4 to 64 KiB: a read that filled its room asks for twice as much.
      let size = MIN_BLOCK;
      while (size < this.want) size *= 2;
      this.block = Buffer.allocUnsafeSlow(size);
      this.offset = 0;
    }
    return this.block.subarray(this.offset);
  }
}

const readers = new WeakMap<net.Socket, SlabReader>();

/** A TCP socket, not yet connected, whose reads go through a SlabReader (see onChunks()). */
export function slabSocket(): net.Socket {
  const reader = new SlabReader();
  const socket = new net.Socket({ onread: reader.onread } as net.SocketConstructorOpts);
  readers.set(socket, reader);
  return socket;
}

// Node reads `onread` (and, for its own servers, `handle`) in the Socket constructor;
// @types/node lists `onread` only among the connect options.
interface WithHandle {
  _handle?: unknown;
}

/**
 * Moves an accepted connection (from a server listening with `pauseOnConnect`) onto a
 * socket that reads through a SlabReader. Node offers `onread` only when a socket is
 * created, not for the sockets a server accepts, so the accepted socket's handle is
 * carried over. Should a Node version lay its sockets out differently, the accepted
 * socket is returned unchanged and is read the ordinary way.
 */
export function adoptAccepted(accepted: net.Socket): net.Socket {
  const raw = accepted as net.Socket & WithHandle;
  const handle = raw._handle;
  if (typeof handle !== 'object' || handle === null || !('readStart' in handle)) {
    accepted.resume();
    return accepted;
  }
  const reader = new SlabReader();
  raw._handle = null;
  // The husk has no handle left: destroying it only settles the server's count.
  accepted.destroy();
  const socket = new net.Socket({
    handle,
    onread: reader.onread,
    readable: true,
    writable: true,
  } as net.SocketConstructorOpts);
  readers.set(socket, reader);
  return socket;
}

/** Delivers a socket's bytes to `handler`, through its SlabReader when it has one. */
export function onChunks(socket: net.Socket, handler: ChunkHandler): void {
  const reader = readers.get(socket);
  if (reader) reader.handler = handler;
  else socket.on('data', handler);
}

/** Stops delivering a socket's bytes (before another layer, such as TLS, takes it over). */
export function offChunks(socket: net.Socket): void {
  const reader = readers.get(socket);
  if (reader) reader.handler = ignore;
  socket.removeAllListeners('data');
}
