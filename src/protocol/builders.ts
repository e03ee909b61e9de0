// The few messages Sluice originates itself. Everything else it forwards as received.
import { BackendCode, HEADER_LENGTH, LENGTH_LENGTH } from './codes.js';

/** ErrorResponse/NoticeResponse field codes. */
export const Field = {
  Severity: 0x53, // S (localized)
  SeverityV: 0x56, // V (never localized)
  Code: 0x43, // C
  Message: 0x4d, // M
  Detail: 0x44, // D
  Hint: 0x48, // H
  Position: 0x50, // P
  Where: 0x57, // W
  Routine: 0x52, // R
} as const;

export type Severity =
  'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

export interface ErrorFields {
  severity: Severity;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the query. */
  position?: number;
}

function noticeLike(code: number, f: ErrorFields): Buffer {
  const parts: [number, string][] = [
    [Field.Severity, f.severity],
    [Field.SeverityV, f.severity],
    [Field.Code, f.code],
    [Field.Message, f.message],
  ];
  if (f.detail) parts.push([Field.Detail, f.detail]);
  if (f.hint) parts.push([Field.Hint, f.hint]);
  if (f.position !== undefined) parts.push([Field.Position, String(f.position)]);
  parts.push([Field.Routine, 'sluice']);
  let size = HEADER_LENGTH + 1; // + the final terminator
  const encoded = parts.map(([k, v]) => [k, Buffer.from(v.replaceAll('\0', ''), 'utf8')] as const);
  for (const [, v] of encoded) size += 1 + v.length + 1;
  const buf = Buffer.allocUnsafe(size);
  buf[0] = code;
  buf.writeInt32BE(size - 1, 1);
  let off = HEADER_LENGTH;
  for (const [k, v] of encoded) {
    buf[off++] = k;
    v.copy(buf, off);
    off += v.length;
    buf[off++] = 0;
  }
  buf[off] = 0;
  return buf;
}

export function errorResponse(
  f: Omit<ErrorFields, 'severity'> & { severity?: 'ERROR' | 'FATAL' },
): Buffer {
  return noticeLike(BackendCode.ErrorResponse, { ...f, severity: f.severity ?? 'ERROR' });
}

export function noticeResponse(f: Omit<ErrorFields, 'severity'> & { severity?: Severity }): Buffer {
  return noticeLike(BackendCode.NoticeResponse, { ...f, severity: f.severity ?? 'NOTICE' });
}

export function readyForQuery(status: 'I' | 'T' | 'E'): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + 1);
  buf[0] = BackendCode.ReadyForQuery;
  buf.writeInt32BE(LENGTH_LENGTH + 1, 1);
  buf[HEADER_LENGTH] = status.charCodeAt(0);
  return buf;
}

/** Reads the fields of an ErrorResponse/NoticeResponse body. */
export function parseErrorFields(body: Buffer): Map<number, string> {
  const fields = new Map<number, string>();
  let off = 0;
  while (off < body.length && body[off] !== 0) {
    const key = body[off]!;
    const end = body.indexOf(0, off + 1);
    if (end < 0) break;
    fields.set(key, body.toString('utf8', off + 1, end));
    off = end + 1;
  }
  return fields;
}

/** The single-byte answers to SSLRequest / GSSENCRequest. */
export const SSL_ACCEPT = Buffer.from('S');
export const SSL_REFUSE = Buffer.from('N');
