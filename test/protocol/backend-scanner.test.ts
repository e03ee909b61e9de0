import { describe, expect, it } from 'vitest';
import {
  BackendScanner,
  MessageAction,
  type BackendHandler,
} from '../../src/protocol/backend-scanner.js';
import {
  errorResponse,
  noticeResponse,
  parseErrorFields,
  readyForQuery,
  Field,
} from '../../src/protocol/builders.js';
import { BackendCode } from '../../src/protocol/codes.js';

function msg(code: string, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const out = Buffer.alloc(5 + b.length);
  out[0] = code.charCodeAt(0);
  out.writeInt32BE(4 + b.length, 1);
  b.copy(out, 5);
  return out;
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstr = (s: string) => Buffer.from(s + '\0');

const serverStream: Buffer[] = [
  msg('R', int32(0)),
  msg('S', Buffer.concat([cstr('client_encoding'), cstr('UTF8')])),
  msg('K', Buffer.concat([int32(1234), int32(5678)])),
  msg('v', Buffer.concat([int32(0x30000), int32(0)])),
  readyForQuery('I'),
  msg('T', Buffer.alloc(20, 1)),
  msg('D', Buffer.alloc(300, 2)),
  msg('D', Buffer.alloc(3, 3)),
  msg('C', cstr('SELECT 2')),
  readyForQuery('T'),
  errorResponse({ code: '42P01', message: 'relation "x" does not exist' }),
  noticeResponse({ code: '00000', message: 'hello' }),
  msg('A', Buffer.concat([int32(9), cstr('chan'), cstr('payload')])),
  msg('G', Buffer.from([0, 0, 0])),
  msg('d', Buffer.from('copy bytes\n')),
  msg('c'),
  msg('H', Buffer.from([0, 0, 0])),
  msg('W', Buffer.from([0, 0, 0])),
  readyForQuery('E'),
];
const stream = Buffer.concat(serverStream);
const replacement = errorResponse({ code: '42501', message: 'denied by sluice' });

class Recorder implements BackendHandler {
  observed: [string, string][] = [];
  dataRows = 0;
  begin(code: number): MessageAction {
    if (code === BackendCode.DataRow) {
      this.dataRows++;
      return MessageAction.pass;
    }
    if (code === BackendCode.ErrorResponse) return MessageAction.hold;
    if ('RSKvZCNGHW'.includes(String.fromCharCode(code))) return MessageAction.observe;
    return MessageAction.pass;
  }
  observe(code: number, buf: Buffer, start: number, end: number): void {
    this.observed.push([String.fromCharCode(code), buf.toString('hex', start, end)]);
  }
  replace(_code: number, body: Buffer): Buffer {
    const fields = parseErrorFields(body);
    return fields.get(Field.Code) === '42P01' ? replacement : Buffer.alloc(0);
  }
}

function scan(cuts: number[]) {
  const rec = new Recorder();
  const s = new BackendScanner(rec);
  const out: Buffer[] = [];
  let prev = 0;
  for (const cut of [...cuts, stream.length]) {
    out.push(...s.push(stream.subarray(prev, cut)));
    prev = cut;
  }
  return { rec, out: Buffer.concat(out), scanner: s };
}

const expected = Buffer.concat(serverStream.map((m) => (m[0] === 0x45 ? replacement : m)));
const expectedObserved = serverStream
  .filter((m) => 'RSKvZCNGHW'.includes(String.fromCharCode(m[0]!)))
  .map((m) => [String.fromCharCode(m[0]!), m.subarray(5).toString('hex')]);

describe('BackendScanner', () => {
  it('forwards the very chunk when nothing is held', () => {
    const s = new BackendScanner({
      begin: () => MessageAction.pass,
      observe: () => {},
      replace: (_c, _b, raw) => raw,
    });
    const plain = Buffer.concat(serverStream.filter((m) => m[0] !== 0x45));
    const out = s.push(plain);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(plain);
  });

  it('observes, counts and rewrites correctly at every split point', () => {
    for (let i = 0; i <= stream.length; i++) {
      const { rec, out, scanner } = scan([i]);
      expect(out.toString('hex')).toBe(expected.toString('hex'));
      expect(rec.observed).toEqual(expectedObserved);
      expect(rec.dataRows).toBe(2);
      expect(scanner.atBoundary).toBe(true);
    }
  });

  it('is correct with two cuts anywhere and one byte at a time', () => {
    for (let i = 0; i < stream.length; i += 5) {
      for (let j = i; j <= stream.length; j += 13) {
        expect(scan([i, j]).out.equals(expected)).toBe(true);
      }
    }
    const ones = Array.from({ length: stream.length - 1 }, (_, k) => k + 1);
    expect(scan(ones).out.equals(expected)).toBe(true);
  });

  it('injects queued bytes only at a message boundary', () => {
    const notice = noticeResponse({ code: '00000', message: 'held' });
    for (let cut = 1; cut < serverStream[6]!.length; cut++) {
      const s = new BackendScanner(new Recorder());
      const dataRow = serverStream[6]!;
      const first = s.push(dataRow.subarray(0, cut));
      expect(s.atBoundary).toBe(false);
      s.inject(notice);
      const second = s.push(Buffer.concat([dataRow.subarray(cut), readyForQuery('I')]));
      const all = Buffer.concat([...first, ...second]);
      expect(all.equals(Buffer.concat([dataRow, notice, readyForQuery('I')]))).toBe(true);
    }
  });

  it('rejects a server message with an impossible length', () => {
    const s = new BackendScanner(new Recorder());
    expect(() => s.push(Buffer.from([0x5a, 0, 0, 0, 2]))).toThrow(/invalid length/);
  });
});

describe('builders', () => {
  it('builds ReadyForQuery', () => {
    expect(readyForQuery('T').toString('hex')).toBe('5a0000000554');
  });
  it('builds an ErrorResponse that round-trips', () => {
    const e = errorResponse({
      code: '42501',
      message: 'no',
      detail: 'because',
      hint: 'ask',
      position: 3,
    });
    expect(e[0]).toBe(0x45);
    expect(e.readInt32BE(1)).toBe(e.length - 1);
    const f = parseErrorFields(e.subarray(5));
    expect(f.get(Field.Severity)).toBe('ERROR');
    expect(f.get(Field.Code)).toBe('42501');
    expect(f.get(Field.Message)).toBe('no');
    expect(f.get(Field.Detail)).toBe('because');
    expect(f.get(Field.Hint)).toBe('ask');
    expect(f.get(Field.Position)).toBe('3');
  });
  it('builds FATAL errors and notices', () => {
    const e = errorResponse({ severity: 'FATAL', code: '08P01', message: 'bad' });
    expect(parseErrorFields(e.subarray(5)).get(Field.SeverityV)).toBe('FATAL');
    const n = noticeResponse({ code: '00000', message: 'wait' });
    expect(n[0]).toBe(0x4e);
  });
});
