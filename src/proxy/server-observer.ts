// What the session learns from the server's bytes as they stream past: transaction
// status, backend key, parameter status, command tags of a released statement, and
// the one error per refusal that must be rewritten. It decides per message whether
// Sluice needs the body at all; DataRows are never decoded.
import { BackendCode } from '../protocol/codes.js';
import { MessageAction, type BackendHandler } from '../protocol/backend-scanner.js';
import { Field, parseErrorFields } from '../protocol/builders.js';
import type { RewriteBook } from './refusal.js';

export interface ServerEvents {
  readyForQuery(status: 'I' | 'T' | 'E'): void;
  backendKey(processId: number, secret: Buffer): void;
  parameterStatus(name: string, value: string): void;
  authenticationOk(): void;
  commandComplete(tag: string): void;
  error(code: string, message: string): void;
  /** Any ErrorResponse at all, ours to rewrite or not: part of the current batch did not run. */
  failed(): void;
}

const AUTH_OK = 0;
const AUTH_SASL = 10;

export class ServerObserver implements BackendHandler {
  /** Set while Sluice follows the outcome of a released statement. */
  trackingOutcome = false;
  /** Client leg is TLS: SCRAM channel binding cannot work across us (see README). */
  stripChannelBinding = false;
  /** Copy sub-protocol state, for diagnostics and future gating. */
  copy: 'none' | 'in' | 'out' | 'both' = 'none';
  dataRows = 0;

  constructor(
    private readonly rewrites: RewriteBook,
    private readonly events: ServerEvents,
  ) {}

  begin(code: number): MessageAction {
    switch (code) {
      case BackendCode.DataRow:
        this.dataRows++;
        return MessageAction.pass;
      case BackendCode.ReadyForQuery:
      case BackendCode.ParameterStatus:
      case BackendCode.BackendKeyData:
        return MessageAction.observe;
      case BackendCode.CommandComplete:
        return this.trackingOutcome ? MessageAction.observe : MessageAction.pass;
      case BackendCode.ErrorResponse:
        this.events.failed();
        if (this.rewrites.size > 0) return MessageAction.hold;
        return this.trackingOutcome ? MessageAction.observe : MessageAction.pass;
      case BackendCode.Authentication:
        return this.stripChannelBinding ? MessageAction.hold : MessageAction.observe;
      case BackendCode.CopyInResponse:
        this.copy = 'in';
        return MessageAction.pass;
      case BackendCode.CopyOutResponse:
        this.copy = 'out';
        return MessageAction.pass;
      case BackendCode.CopyBothResponse:
        this.copy = 'both';
        return MessageAction.pass;
      default:
        return MessageAction.pass;
    }
  }

  observe(code: number, buf: Buffer, start: number, end: number): void {
    if (code === BackendCode.ReadyForQuery) {
      // The hot path (once per transaction): one status byte, no Buffer made.
      this.copy = 'none';
      const s = end > start ? buf[start]! : 0x49;
      this.events.readyForQuery(s === 0x54 ? 'T' : s === 0x45 ? 'E' : 'I'); // T, E, else I
      return;
    }
    this.observeBody(code, buf.subarray(start, end));
  }

  private observeBody(code: number, body: Buffer): void {
    switch (code) {
      case BackendCode.ParameterStatus: {
        const nameEnd = body.indexOf(0);
        const valueEnd = body.indexOf(0, nameEnd + 1);
        if (nameEnd < 0 || valueEnd < 0) return;
        this.events.parameterStatus(
          body.toString('utf8', 0, nameEnd),
          body.toString('utf8', nameEnd + 1, valueEnd),
        );
        return;
      }
      case BackendCode.BackendKeyData:
        if (body.length >= 8)
          this.events.backendKey(body.readInt32BE(0), Buffer.from(body.subarray(4)));
        return;
      case BackendCode.CommandComplete:
        this.events.commandComplete(body.toString('utf8', 0, Math.max(0, body.length - 1)));
        return;
      case BackendCode.ErrorResponse:
        this.reportError(body);
        return;
      case BackendCode.Authentication:
        if (body.length >= 4 && body.readInt32BE(0) === AUTH_OK) this.events.authenticationOk();
        return;
    }
  }

  replace(code: number, body: Buffer, raw: Buffer): Buffer {
    if (code === BackendCode.ErrorResponse) {
      const ours = this.rewrites.match(body);
      if (ours) return ours;
      if (this.trackingOutcome) this.reportError(body);
      return raw;
    }
    if (code === BackendCode.Authentication) {
      this.observeBody(code, body);
      if (body.length >= 4 && body.readInt32BE(0) === AUTH_SASL) return withoutPlus(body, raw);
    }
    return raw;
  }

  private reportError(body: Buffer): void {
    const f = parseErrorFields(body);
    this.events.error(f.get(Field.Code) ?? 'XX000', f.get(Field.Message) ?? '');
  }
}

/**
 * AuthenticationSASL lists mechanisms; with TLS terminated at Sluice the client's
 * channel binding data would describe our certificate, not the server's, so the
 * -PLUS variants are removed and clients fall back to plain SCRAM-SHA-256.
 */
function withoutPlus(body: Buffer, raw: Buffer): Buffer {
  const names: string[] = [];
  let off = 4;
  while (off < body.length && body[off] !== 0) {
    const end = body.indexOf(0, off);
    if (end < 0) return raw;
    names.push(body.toString('utf8', off, end));
    off = end + 1;
  }
  const kept = names.filter((n) => !n.endsWith('-PLUS'));
  if (kept.length === names.length || kept.length === 0) return raw;
  const list = Buffer.from(kept.map((n) => n + '\0').join('') + '\0', 'utf8');
  const out = Buffer.alloc(5 + 4 + list.length);
  out[0] = BackendCode.Authentication;
  out.writeInt32BE(4 + 4 + list.length, 1);
  out.writeInt32BE(AUTH_SASL, 5);
  list.copy(out, 9);
  return out;
}
