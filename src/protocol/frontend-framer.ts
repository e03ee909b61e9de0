// Incremental framer for client-to-server bytes. TCP may cut a message anywhere; the
// framer keeps the incomplete tail and hands out whole frames that reference the
// original bytes (never re-encoded), so the proxy can forward them unchanged.
import {
  CANCEL_FIXED_LENGTH,
  DEFAULT_MAX_MESSAGE_LENGTH,
  HEADER_LENGTH,
  LENGTH_LENGTH,
  MAX_CANCEL_KEY_LENGTH,
  MAX_STARTUP_LENGTH,
  StartupCode,
  isFrontendCode,
} from './codes.js';
import { ProtocolError, SqlState } from './protocol-error.js';

export type StartupPacket =
  | { type: 'SSLRequest'; raw: Buffer }
  | { type: 'GSSENCRequest'; raw: Buffer }
  | { type: 'CancelRequest'; raw: Buffer; processId: number; secretKey: Buffer }
  | { type: 'StartupMessage'; raw: Buffer; version: number; params: Map<string, string> };

/** One typed message: its code and its whole bytes (code, length and body). */
export interface Frame {
  code: number;
  raw: Buffer;
}

export const FramerPhase = { startup: 'startup', messages: 'messages' } as const;
export type FramerPhase = (typeof FramerPhase)[keyof typeof FramerPhase];

export class FrontendFramer {
  private phase: FramerPhase = FramerPhase.startup;
  /** Bytes of an incomplete message, kept as received to avoid repeated copying. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Bytes needed before the tail can be parsed again (header or whole message). */
  private need = 0;

  constructor(private readonly maxMessageLength = DEFAULT_MAX_MESSAGE_LENGTH) {}

  get currentPhase(): FramerPhase {
    return this.phase;
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.partsLength;
  }

  /** Start-up phase: returns the packets, then switches to typed messages after a StartupMessage. */
  pushStartup(chunk: Buffer): { packets: StartupPacket[]; rest: Buffer } {
    const buf = this.take(chunk);
    const packets: StartupPacket[] = [];
    if (!buf) return { packets, rest: EMPTY };
    let off = 0;
    while (this.phase === FramerPhase.startup) {
      const avail = buf.length - off;
      if (avail < LENGTH_LENGTH) return { packets, rest: this.stash(buf, off, LENGTH_LENGTH) };
      const len = buf.readInt32BE(off);
      if (len < 8 || len > MAX_STARTUP_LENGTH) {
        throw new ProtocolError(SqlState.ProtocolViolation, 'invalid length of startup packet');
      }
      if (avail < len) return { packets, rest: this.stash(buf, off, len) };
      const packet = decodeStartup(buf.subarray(off, off + len));
      packets.push(packet);
      off += len;
      if (packet.type === 'StartupMessage') this.phase = FramerPhase.messages;
      // After an encryption request the next bytes may be a TLS handshake, and after a
      // cancel nothing more is read: the caller decides what the rest means.
      if (packet.type !== 'StartupMessage') break;
    }
    return { packets, rest: buf.subarray(off) };
  }

  /** Typed phase: returns every whole frame in order; an incomplete tail is kept. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    const buf = this.take(chunk);
    if (!buf) return frames;
    let off = 0;
    for (;;) {
      const avail = buf.length - off;
      if (avail === 0) return frames;
      const code = buf[off]!;
      if (!isFrontendCode(code)) {
        throw new ProtocolError(
          SqlState.ProtocolViolation,
          `invalid frontend message type ${code}`,
        );
      }
      if (avail < HEADER_LENGTH) {
        this.stash(buf, off, HEADER_LENGTH);
        return frames;
      }
      const len = buf.readInt32BE(off + 1);
      if (len < LENGTH_LENGTH) {
        throw new ProtocolError(SqlState.ProtocolViolation, `invalid message length ${len}`);
      }
      if (len > this.maxMessageLength) {
        throw new ProtocolError(
          SqlState.ProtocolViolation,
          `message of ${len} bytes exceeds the limit of ${this.maxMessageLength}`,
        );
      }
      const total = len + 1;
      if (avail < total) {
        this.stash(buf, off, total);
        return frames;
      }
      // A chunk of one whole message (a simple Query, usually) is its own frame.
      const raw = off === 0 && total === buf.length ? buf : buf.subarray(off, off + total);
      frames.push({ code, raw });
      off += total;
    }
  }

  /** Joins a new chunk to a kept tail; undefined while still short of `need`. */
  private take(chunk: Buffer): Buffer | undefined {
    if (this.parts.length === 0) return chunk;
    this.parts.push(chunk);
    this.partsLength += chunk.length;
    if (this.partsLength < this.need) return undefined;
    const joined = Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    return joined;
  }

  private stash(buf: Buffer, off: number, need: number): Buffer {
    const tail = buf.subarray(off);
    this.parts = [tail];
    this.partsLength = tail.length;
    this.need = need;
    return EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);

function decodeStartup(raw: Buffer): StartupPacket {
  const code = raw.readInt32BE(4);
  switch (code) {
    case StartupCode.SSLRequest:
    case StartupCode.GSSENCRequest:
      if (raw.length !== 8) {
        throw new ProtocolError(SqlState.ProtocolViolation, 'invalid length of startup packet');
      }
      return { type: code === StartupCode.SSLRequest ? 'SSLRequest' : 'GSSENCRequest', raw };
    case StartupCode.CancelRequest: {
      const keyLength = raw.length - CANCEL_FIXED_LENGTH;
      if (keyLength < 4 || keyLength > MAX_CANCEL_KEY_LENGTH) {
        throw new ProtocolError(SqlState.ProtocolViolation, 'invalid length of cancel request');
      }
      return {
        type: 'CancelRequest',
        raw,
        processId: raw.readInt32BE(8),
        secretKey: raw.subarray(CANCEL_FIXED_LENGTH),
      };
    }
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major !== 3) {
    throw new ProtocolError(
      SqlState.FeatureNotSupported,
      `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.2`,
    );
  }
  return { type: 'StartupMessage', raw, version: code, params: decodeParams(raw) };
}

/** name\0value\0 ... \0, as PostgreSQL's ProcessStartupPacket reads it. */
function decodeParams(raw: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  let off = 8;
  for (;;) {
    if (off >= raw.length) break;
    if (raw[off] === 0) {
      if (off !== raw.length - 1) break;
      return params;
    }
    const nameEnd = raw.indexOf(0, off);
    if (nameEnd < 0) break;
    const valueEnd = raw.indexOf(0, nameEnd + 1);
    if (valueEnd < 0) break;
    params.set(raw.toString('utf8', off, nameEnd), raw.toString('utf8', nameEnd + 1, valueEnd));
    off = valueEnd + 1;
  }
  throw new ProtocolError(
    SqlState.ProtocolViolation,
    'invalid startup packet layout: expected terminator as last byte',
  );
}
