// Incremental scanner for server-to-client bytes. It finds message boundaries without
// copying, lets the session observe the few messages it cares about, and returns the
// bytes to forward: normally the very chunk it was given. Only a message the session
// asks to hold (an ErrorResponse it may rewrite) is cut out and replaced.
import { HEADER_LENGTH, LENGTH_LENGTH } from './codes.js';
import { ProtocolError, SqlState } from './protocol-error.js';

export const MessageAction = {
  /** Forward as it streams; the session does not need the body (DataRow, RowDescription…). */
  pass: 'pass',
  /** Forward as it streams, and also hand the body to `observe` when complete. */
  observe: 'observe',
  /** Keep back until complete, then forward whatever `replace` returns. */
  hold: 'hold',
} as const;
export type MessageAction = (typeof MessageAction)[keyof typeof MessageAction];

export interface BackendHandler {
  /** Called at each message header. */
  begin(code: number, bodyLength: number): MessageAction;
  /**
   * Body of an observed message: `buf[start, end)`, read in place in the network chunk
   * when it arrived whole (no allocation), else a joined copy. Valid during the call only.
   */
  observe(code: number, buf: Buffer, start: number, end: number): void;
  /** A held message is complete: return the bytes to send in its place (raw, or a rewrite). */
  replace(code: number, body: Buffer, raw: Buffer): Buffer;
}

/** Guard against a broken upstream announcing absurd lengths. */
const MAX_BACKEND_MESSAGE = 0x3fff_ffff;

export class BackendScanner {
  private header = Buffer.alloc(HEADER_LENGTH);
  private headerHave = 0;
  private code = 0;
  /** Body bytes of the current message not yet seen (0 between messages). */
  private remaining = 0;
  private action: MessageAction = MessageAction.pass;
  private bodyParts: Buffer[] = [];
  private bodyLength = 0;
  private inMessage = false;
  private pendingInjections: Buffer[] = [];

  constructor(private readonly handler: BackendHandler) {}

  /** True when no message is partly through: bytes may be injected right now. */
  get atBoundary(): boolean {
    return !this.inMessage && this.headerHave === 0;
  }

  /** Queue bytes (e.g. a NoticeResponse) to go out at the next message boundary. */
  inject(bytes: Buffer): void {
    this.pendingInjections.push(bytes);
  }

  /** Takes injections queued while mid-message, for a caller that found us at a boundary. */
  drainInjections(): Buffer[] {
    const out = this.pendingInjections;
    this.pendingInjections = [];
    return out;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    let forwardFrom = 0; // start of the current run of bytes forwarded unchanged

    while (off < chunk.length) {
      if (!this.inMessage) {
        if (this.pendingInjections.length > 0 && this.headerHave === 0) {
          forwardRun(out, chunk, forwardFrom, off);
          forwardFrom = off;
          out.push(...this.drainInjections());
        }
        // Read (the rest of) a 5-byte header. Header bytes from an earlier chunk were
        // not forwarded yet: until the code is known, the message might be held.
        const carried = this.headerHave;
        const headerStart = off;
        let len: number;
        if (carried === 0 && chunk.length - off >= HEADER_LENGTH) {
          // The usual case, read in place: copying 5 bytes costs more than the read.
          this.code = chunk[off]!;
          len = chunk.readInt32BE(off + 1);
          off += HEADER_LENGTH;
        } else {
          const n = Math.min(HEADER_LENGTH - carried, chunk.length - off);
          chunk.copy(this.header, carried, off, off + n);
          this.headerHave += n;
          off += n;
          if (this.headerHave < HEADER_LENGTH) {
            forwardRun(out, chunk, forwardFrom, headerStart);
            forwardFrom = chunk.length;
            break;
          }
          this.headerHave = 0;
          this.code = this.header[0]!;
          len = this.header.readInt32BE(1);
        }
        if (len < LENGTH_LENGTH || len > MAX_BACKEND_MESSAGE) {
          throw new ProtocolError(SqlState.ProtocolViolation, `server sent invalid length ${len}`);
        }
        this.remaining = len - LENGTH_LENGTH;
        this.inMessage = true;
        this.action = this.handler.begin(this.code, this.remaining);
        if (this.action === MessageAction.hold) {
          // Cut the header from the forwarded run; the held message is emitted whole
          // (possibly rewritten) when complete.
          forwardRun(out, chunk, forwardFrom, headerStart);
          forwardFrom = off;
        } else if (carried > 0) {
          out.push(Buffer.from(this.header.subarray(0, carried)));
        }
        if (this.action !== MessageAction.pass) {
          // A new array, not `length = 0`, which V8 does in the runtime (slow, per message).
          if (this.bodyParts.length > 0) this.bodyParts = [];
          this.bodyLength = 0;
        }
      }
      // Consume body bytes.
      const take = Math.min(this.remaining, chunk.length - off);
      const whole =
        this.action === MessageAction.observe && this.bodyLength === 0 && take === this.remaining;
      if (take > 0 && this.action !== MessageAction.pass && !whole) {
        this.bodyParts.push(chunk.subarray(off, off + take));
        this.bodyLength += take;
      }
      off += take;
      this.remaining -= take;
      // A held message's bytes never join the forwarded run.
      if (this.action === MessageAction.hold) forwardFrom = off;
      if (this.remaining === 0) {
        this.inMessage = false;
        // The usual case for small messages (ReadyForQuery…): observed where it lies.
        if (whole) this.handler.observe(this.code, chunk, off - take, off);
        else this.finish(out);
      }
    }
    forwardRun(out, chunk, forwardFrom, chunk.length);
    if (this.atBoundary && this.pendingInjections.length > 0) out.push(...this.drainInjections());
    return out;
  }

  private finish(out: Buffer[]): void {
    const action = this.action;
    if (action === MessageAction.pass) return;
    const body =
      this.bodyParts.length === 1
        ? this.bodyParts[0]!
        : Buffer.concat(this.bodyParts, this.bodyLength);
    this.bodyParts = [];
    if (action === MessageAction.observe) {
      this.handler.observe(this.code, body, 0, body.length);
      return;
    }
    const raw = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
    raw[0] = this.code;
    raw.writeInt32BE(body.length + LENGTH_LENGTH, 1);
    body.copy(raw, HEADER_LENGTH);
    const replacement = this.handler.replace(this.code, body, raw);
    if (replacement.length > 0) out.push(replacement);
  }
}

/** Adds chunk[from, end) to what is forwarded: the chunk itself when it is all of it. */
function forwardRun(out: Buffer[], chunk: Buffer, from: number, end: number): void {
  if (end > from) out.push(from === 0 && end === chunk.length ? chunk : chunk.subarray(from, end));
}
