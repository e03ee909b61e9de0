// Field decoders for the typed client messages Sluice inspects. They read from a
// frame's bytes and never modify them; anything malformed is a 08P01 protocol error.
import { FrontendCode, HEADER_LENGTH } from './codes.js';
import type { Frame } from './frontend-framer.js';
import { ProtocolError, SqlState } from './protocol-error.js';
import { nameAt } from './recent-name.js';

export type FrontendMessage =
  | { type: 'Query'; sql: string }
  | { type: 'Parse'; name: string; sql: string; paramTypes: number[] }
  | { type: 'Bind'; portal: string; statement: string }
  | { type: 'Describe'; target: 'S' | 'P'; name: string }
  | { type: 'Execute'; portal: string; maxRows: number }
  | { type: 'Close'; target: 'S' | 'P'; name: string }
  | { type: 'Sync' }
  | { type: 'Flush' }
  | { type: 'FunctionCall'; functionOid: number; args: FunctionCallArgument[] }
  | { type: 'Terminate' }
  | { type: 'Password' }
  | { type: 'CopyData'; length: number }
  | { type: 'CopyDone' }
  | { type: 'CopyFail'; message: string };

/** A cursor over one frame's body. */
class Reader {
  off = HEADER_LENGTH;
  constructor(
    private readonly raw: Buffer,
    private readonly what: string,
    private readonly encoding: BufferEncoding,
  ) {}

  cstring(): string {
    const end = this.raw.indexOf(0, this.off);
    if (end < 0) this.fail('missing string terminator');
    const s = cstringAt(this.raw, this.off, end, this.encoding);
    this.off = end + 1;
    return s;
  }

  int16(): number {
    this.need(2);
    const v = this.raw.readInt16BE(this.off);
    this.off += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.raw.readInt32BE(this.off);
    this.off += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.raw[this.off++]!;
  }

  skip(n: number): void {
    this.need(n);
    this.off += n;
  }

  end(): void {
    if (this.off !== this.raw.length) this.fail('unexpected trailing bytes');
  }

  private need(n: number): void {
    if (this.off + n > this.raw.length) this.fail('message too short');
  }

  fail(why: string): never {
    throw new ProtocolError(SqlState.ProtocolViolation, `invalid ${this.what} message: ${why}`);
  }
}

function target(r: Reader): 'S' | 'P' {
  const t = r.byte();
  if (t === 0x53) return 'S'; // S
  if (t === 0x50) return 'P'; // P
  return r.fail(`invalid target type ${t}`);
}

/** Decodes a whole frame. `encoding` is how to read text (the session's client_encoding). */
export function decodeFrontend(frame: Frame, encoding: BufferEncoding = 'utf8'): FrontendMessage {
  const { code, raw } = frame;
  switch (code) {
    case FrontendCode.Query: {
      const r = new Reader(raw, 'Query', encoding);
      const sql = r.cstring();
      r.end();
      return { type: 'Query', sql };
    }
    case FrontendCode.Parse: {
      const r = new Reader(raw, 'Parse', encoding);
      const name = r.cstring();
      const sql = r.cstring();
      const n = r.int16();
      if (n < 0) r.fail('negative parameter count');
      const paramTypes: number[] = [];
      for (let i = 0; i < n; i++) paramTypes.push(r.int32() >>> 0);
      r.end();
      return { type: 'Parse', name, sql, paramTypes };
    }
    case FrontendCode.Bind: {
      const b = decodeBind(frame, encoding);
      return { type: 'Bind', portal: b.portal, statement: b.statement };
    }
    case FrontendCode.Describe:
    case FrontendCode.Close: {
      const r = new Reader(raw, code === FrontendCode.Close ? 'Close' : 'Describe', encoding);
      const t = target(r);
      const name = r.cstring();
      r.end();
      return { type: code === FrontendCode.Close ? 'Close' : 'Describe', target: t, name };
    }
    case FrontendCode.Execute: {
      const r = new Reader(raw, 'Execute', encoding);
      const portal = r.cstring();
      const maxRows = r.int32();
      r.end();
      return { type: 'Execute', portal, maxRows };
    }
    case FrontendCode.Sync:
      return { type: 'Sync' };
    case FrontendCode.Flush:
      return { type: 'Flush' };
    case FrontendCode.Terminate:
      return { type: 'Terminate' };
    case FrontendCode.FunctionCall: {
      const call = decodeFunctionCall(frame);
      return { type: 'FunctionCall', functionOid: call.oid, args: call.args };
    }
    case FrontendCode.Password:
      return { type: 'Password' };
    case FrontendCode.CopyData:
      return { type: 'CopyData', length: raw.length - HEADER_LENGTH };
    case FrontendCode.CopyDone:
      return { type: 'CopyDone' };
    case FrontendCode.CopyFail: {
      const r = new Reader(raw, 'CopyFail', encoding);
      return { type: 'CopyFail', message: r.cstring() };
    }
  }
  throw new ProtocolError(SqlState.ProtocolViolation, `invalid frontend message type ${code}`);
}

/** The text of a Query, checked as decodeFrontend checks it, without a message object (the hot path). */
export function decodeQueryText(frame: Frame, encoding: BufferEncoding = 'utf8'): string {
  const raw = frame.raw;
  const end = terminator(raw, HEADER_LENGTH, 'Query');
  if (end + 1 !== raw.length) invalid('Query', 'unexpected trailing bytes');
  return raw.toString(encoding, HEADER_LENGTH, end);
}

/** The portal an Execute runs, checked as decodeFrontend checks it (the hot path). */
export function decodeExecutePortal(frame: Frame, encoding: BufferEncoding = 'utf8'): string {
  const raw = frame.raw;
  const end = terminator(raw, HEADER_LENGTH, 'Execute');
  const rest = raw.length - (end + 1);
  if (rest < 4) invalid('Execute', 'message too short');
  if (rest > 4) invalid('Execute', 'unexpected trailing bytes');
  return nameAt(raw, HEADER_LENGTH, end, encoding);
}

/** Portal and statement names of a Bind, without reading its parameters (the hot path). */
export function decodeBindTarget(
  frame: Frame,
  encoding: BufferEncoding = 'utf8',
): { portal: string; statement: string } {
  const raw = frame.raw;
  const portalEnd = terminator(raw, HEADER_LENGTH, 'Bind');
  const statementEnd = terminator(raw, portalEnd + 1, 'Bind');
  return {
    portal: nameAt(raw, HEADER_LENGTH, portalEnd, encoding),
    statement: nameAt(raw, portalEnd + 1, statementEnd, encoding),
  };
}

/** How far terminator() looks byte by byte before asking Buffer.indexOf. */
const NEAR = 32;

/** Where the string starting at `from` ends (its NUL), as Reader.cstring() requires it. */
function terminator(raw: Buffer, from: number, what: string): number {
  // Names are short: a loop finds their end sooner than a call into native code.
  const near = Math.min(raw.length, from + NEAR);
  for (let i = from; i < near; i++) if (raw[i] === 0) return i;
  const end = near === raw.length ? -1 : raw.indexOf(0, near);
  if (end < 0) invalid(what, 'missing string terminator');
  return end;
}

/** The unnamed statement and portal are the common names, and need no decoding. */
function cstringAt(raw: Buffer, from: number, end: number, encoding: BufferEncoding): string {
  return end === from ? '' : raw.toString(encoding, from, end);
}

function invalid(what: string, why: string): never {
  throw new ProtocolError(SqlState.ProtocolViolation, `invalid ${what} message: ${why}`);
}

export interface BindParams {
  portal: string;
  statement: string;
  formats: number[];
  /** Raw parameter values (null for SQL NULL), referencing the frame's bytes. */
  values: (Buffer | null)[];
  /** Byte range of the parameter section, for hashing exactly what will run. */
  paramBytes: Buffer;
}

export function decodeBind(frame: Frame, encoding: BufferEncoding = 'utf8'): BindParams {
  const r = new Reader(frame.raw, 'Bind', encoding);
  const portal = r.cstring();
  const statement = r.cstring();
  const start = r.off;
  const nFormats = r.int16();
  if (nFormats < 0) r.fail('negative format count');
  const formats: number[] = [];
  for (let i = 0; i < nFormats; i++) formats.push(r.int16());
  const nValues = r.int16();
  if (nValues < 0) r.fail('negative parameter count');
  const values: (Buffer | null)[] = [];
  for (let i = 0; i < nValues; i++) {
    const len = r.int32();
    if (len === -1) {
      values.push(null);
      continue;
    }
    if (len < 0) r.fail('invalid parameter length');
    const at = r.off;
    r.skip(len);
    values.push(frame.raw.subarray(at, at + len));
  }
  const paramEnd = r.off;
  const nResult = r.int16();
  if (nResult < 0) r.fail('negative result format count');
  r.skip(nResult * 2);
  r.end();
  return { portal, statement, formats, values, paramBytes: frame.raw.subarray(start, paramEnd) };
}

/** Format code of parameter i per the Bind rules (none = text, one = all, else each). */
export function paramFormat(formats: number[], i: number): 'text' | 'binary' {
  const f = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
  return f === 1 ? 'binary' : 'text';
}

export interface FunctionCallArgument {
  format: 'text' | 'binary';
  /** The argument's bytes (a view of the frame), or null for NULL. */
  value: Buffer | null;
}

/**
 * A FunctionCall: the function's OID and its arguments, each with its format, checked as
 * the server checks them (format codes 0 or 1, one code or one per argument, lengths that
 * fit, nothing after the result format). Malformed: 08P01.
 */
export function decodeFunctionCall(frame: Frame): { oid: number; args: FunctionCallArgument[] } {
  const r = new Reader(frame.raw, 'FunctionCall', 'utf8');
  const oid = r.int32() >>> 0;
  const nFormats = r.int16();
  if (nFormats < 0) r.fail('negative format count');
  const formats: number[] = [];
  for (let i = 0; i < nFormats; i++) {
    const f = r.int16();
    if (f !== 0 && f !== 1) r.fail(`invalid format code ${f}`);
    formats.push(f);
  }
  const nArgs = r.int16();
  if (nArgs < 0) r.fail('negative argument count');
  if (nFormats > 1 && nFormats !== nArgs) r.fail('format codes do not match the arguments');
  const args: FunctionCallArgument[] = [];
  for (let i = 0; i < nArgs; i++) {
    const len = r.int32();
    const format = paramFormat(formats, i);
    if (len === -1) {
      args.push({ format, value: null });
      continue;
    }
    if (len < 0) r.fail('invalid argument length');
    const at = r.off;
    r.skip(len);
    args.push({ format, value: frame.raw.subarray(at, at + len) });
  }
  const result = r.int16();
  if (result !== 0 && result !== 1) r.fail(`invalid result format code ${result}`);
  r.end();
  return { oid, args };
}
