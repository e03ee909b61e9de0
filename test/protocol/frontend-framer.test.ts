import { describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import {
  FrontendFramer,
  type Frame,
  type StartupPacket,
} from '../../src/protocol/frontend-framer.js';
import {
  decodeBind,
  decodeBindTarget,
  decodeExecutePortal,
  decodeFrontend,
  decodeQueryText,
} from '../../src/protocol/frontend-messages.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';

const startup = serialize.startup({ user: 'alice', database: 'app', application_name: 'psql' });
const cancel30 = serialize.cancel(4242, 99);
// Protocol 3.2: CancelRequest with a 32-byte key.
const cancel32 = (() => {
  const key = Buffer.alloc(32, 7);
  const b = Buffer.alloc(12 + key.length);
  b.writeInt32BE(b.length, 0);
  b.writeInt32BE(80877102, 4);
  b.writeInt32BE(4243, 8);
  key.copy(b, 12);
  return b;
})();
const startup32 = (() => {
  const b = Buffer.from(startup);
  b.writeInt32BE(0x00030002, 4);
  return b;
})();

const typed: Buffer[] = [
  serialize.query('select 1; delete from t where id = 1'),
  serialize.query('SELECT ’ünïcødé’ AS x'),
  serialize.parse({ name: 's1', text: 'select $1::int', types: [23] }),
  serialize.bind({ portal: 'p1', statement: 's1', values: ['42', null, Buffer.from([1, 2])] }),
  serialize.describe({ type: 'S', name: 's1' }),
  serialize.describe({ type: 'P', name: 'p1' }),
  serialize.execute({ portal: 'p1', rows: 10 }),
  serialize.close({ type: 'P', name: 'p1' }),
  serialize.close({ type: 'S', name: 's1' }),
  serialize.sync(),
  serialize.flush(),
  serialize.password('secret'),
  serialize.copyData(Buffer.from('1\tone\n')),
  serialize.copyDone(),
  serialize.copyFail('nope'),
  serialize.end(),
];
// FunctionCall 'F' (pg-protocol does not serialize it): oid 1598, no args, text result.
const functionCall = (() => {
  const body = Buffer.alloc(4 + 2 + 2 + 2);
  body.writeInt32BE(1598, 0);
  const b = Buffer.alloc(5 + body.length);
  b[0] = 0x46;
  b.writeInt32BE(4 + body.length, 1);
  body.copy(b, 5);
  return b;
})();
typed.push(functionCall);

function runStartup(bytes: Buffer, cuts: number[]): { packets: StartupPacket[]; frames: Frame[] } {
  const f = new FrontendFramer();
  const packets: StartupPacket[] = [];
  const frames: Frame[] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    const piece = bytes.subarray(prev, cut);
    prev = cut;
    if (f.currentPhase === 'startup') {
      let r = f.pushStartup(piece);
      packets.push(...r.packets);
      // Start-up stops after an encryption request; the caller feeds the rest back.
      while (
        r.rest.length > 0 &&
        (f.currentPhase as string) === 'startup' &&
        r.packets.length > 0
      ) {
        r = f.pushStartup(r.rest);
        packets.push(...r.packets);
      }
      if (r.rest.length > 0 && (f.currentPhase as string) === 'messages')
        frames.push(...f.push(r.rest));
    } else {
      frames.push(...f.push(piece));
    }
  }
  return { packets, frames };
}

describe('FrontendFramer start-up phase', () => {
  it('decodes SSLRequest, GSSENCRequest, then StartupMessage, at every split point', () => {
    const bytes = Buffer.concat([
      serialize.requestSsl(),
      (() => {
        const b = Buffer.alloc(8);
        b.writeInt32BE(8, 0);
        b.writeInt32BE(80877104, 4);
        return b;
      })(),
      startup,
      typed[0]!,
    ]);
    for (let i = 0; i <= bytes.length; i++) {
      const { packets, frames } = runStartup(bytes, [i]);
      expect(packets.map((p) => p.type)).toEqual(['SSLRequest', 'GSSENCRequest', 'StartupMessage']);
      const sm = packets[2]!;
      if (sm.type !== 'StartupMessage') throw new Error('unreachable');
      expect(sm.params.get('user')).toBe('alice');
      expect(sm.params.get('database')).toBe('app');
      expect(sm.params.get('application_name')).toBe('psql');
      expect(sm.version).toBe(0x30000);
      expect(frames).toHaveLength(1);
      expect(frames[0]!.raw.equals(typed[0]!)).toBe(true);
    }
  });

  it('decodes StartupMessage 3.2', () => {
    const { packets } = runStartup(startup32, []);
    expect(packets[0]).toMatchObject({ type: 'StartupMessage', version: 0x30002 });
  });

  it('decodes CancelRequest with 3.0 (4-byte) and 3.2 (long) keys, at every split point', () => {
    for (const [bytes, pid, keyLen] of [
      [cancel30, 4242, 4],
      [cancel32, 4243, 32],
    ] as const) {
      for (let i = 0; i <= bytes.length; i++) {
        const { packets } = runStartup(bytes, [i]);
        expect(packets).toHaveLength(1);
        const p = packets[0]!;
        if (p.type !== 'CancelRequest') throw new Error(`got ${p.type}`);
        expect(p.processId).toBe(pid);
        expect(p.secretKey.length).toBe(keyLen);
      }
    }
  });

  it.each([
    ['length below 8', Buffer.from([0, 0, 0, 3, 0, 3, 0, 0]), '08P01', /invalid length/],
    [
      'length over the start-up limit',
      Buffer.from([0, 0, 0x30, 0, 0, 3, 0, 0]),
      '08P01',
      /invalid length/,
    ],
    [
      'unknown protocol version',
      (() => {
        const b = Buffer.from(startup);
        b.writeInt32BE(0x00020000, 4);
        return b;
      })(),
      '0A000',
      /unsupported frontend protocol 2\.0/,
    ],
    [
      'garbage before the start-up message',
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      '08P01',
      /invalid length/,
    ],
    [
      'parameters without terminator',
      (() => {
        const b = Buffer.alloc(8 + 4);
        b.writeInt32BE(12, 0);
        b.writeInt32BE(0x30000, 4);
        b.write('us', 8);
        return b;
      })(),
      '08P01',
      /terminator/,
    ],
    [
      'cancel key too short',
      (() => {
        const b = Buffer.alloc(14);
        b.writeInt32BE(14, 0);
        b.writeInt32BE(80877102, 4);
        return b;
      })(),
      '08P01',
      /cancel/,
    ],
  ])('rejects %s', (_name, bytes, code, message) => {
    const f = new FrontendFramer();
    try {
      f.pushStartup(bytes);
      expect.unreachable('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).sqlstate).toBe(code);
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe('FrontendFramer typed phase', () => {
  const stream = Buffer.concat(typed);

  function framed(cuts: number[]): Frame[] {
    const f = new FrontendFramer();
    f.pushStartup(startup);
    const frames: Frame[] = [];
    let prev = 0;
    for (const cut of [...cuts, stream.length]) {
      frames.push(...f.push(stream.subarray(prev, cut)));
      prev = cut;
    }
    expect(f.buffered).toBe(0);
    return frames;
  }

  it('yields every message byte-identical, cut at every byte boundary', () => {
    for (let i = 0; i <= stream.length; i++) {
      const frames = framed([i]);
      expect(frames.map((f) => f.raw.toString('hex'))).toEqual(typed.map((t) => t.toString('hex')));
    }
  });

  it('survives being fed one byte at a time, and in two cuts anywhere', () => {
    const ones = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(framed(ones)).toHaveLength(typed.length);
    for (let i = 0; i < stream.length; i += 7) {
      for (let j = i; j < stream.length; j += 11) expect(framed([i, j])).toHaveLength(typed.length);
    }
  });

  it('decodes the typed fields', () => {
    const msgs = framed([]).map((f) => decodeFrontend(f));
    expect(msgs[0]).toEqual({ type: 'Query', sql: 'select 1; delete from t where id = 1' });
    expect(msgs[1]).toEqual({ type: 'Query', sql: 'SELECT ’ünïcødé’ AS x' });
    expect(msgs[2]).toEqual({ type: 'Parse', name: 's1', sql: 'select $1::int', paramTypes: [23] });
    expect(msgs[3]).toEqual({ type: 'Bind', portal: 'p1', statement: 's1' });
    expect(msgs[4]).toEqual({ type: 'Describe', target: 'S', name: 's1' });
    expect(msgs[5]).toEqual({ type: 'Describe', target: 'P', name: 'p1' });
    expect(msgs[6]).toEqual({ type: 'Execute', portal: 'p1', maxRows: 10 });
    expect(msgs[7]).toEqual({ type: 'Close', target: 'P', name: 'p1' });
    expect(msgs[8]).toEqual({ type: 'Close', target: 'S', name: 's1' });
    expect(msgs.slice(9).map((m) => m.type)).toEqual([
      'Sync',
      'Flush',
      'Password',
      'CopyData',
      'CopyDone',
      'CopyFail',
      'Terminate',
      'FunctionCall',
    ]);
    expect(msgs[16]).toEqual({ type: 'FunctionCall', functionOid: 1598, args: [] });
    const bind = decodeBind(framed([])[3]!);
    expect(bind.values.map((v) => (v === null ? null : v.toString('hex')))).toEqual([
      Buffer.from('42').toString('hex'),
      null,
      '0102',
    ]);
  });

  it.each([
    [
      'an unknown message type',
      Buffer.from([0x7a, 0, 0, 0, 4]),
      /invalid frontend message type 122/,
    ],
    ['a length below 4', Buffer.from([0x51, 0, 0, 0, 3]), /invalid message length 3/],
    ['a length over the limit', Buffer.from([0x51, 0x7f, 0, 0, 0]), /exceeds the limit/],
  ])('rejects %s with 08P01', (_n, bytes, message) => {
    const f = new FrontendFramer();
    f.pushStartup(startup);
    expect(() => f.push(bytes)).toThrow(message);
    try {
      new FrontendFramer().push(bytes);
    } catch (e) {
      expect((e as ProtocolError).sqlstate).toBe('08P01');
    }
  });

  it('honours a configured message limit', () => {
    const f = new FrontendFramer(100);
    f.pushStartup(startup);
    expect(() => f.push(serialize.query('x'.repeat(200)))).toThrow(/exceeds the limit of 100/);
  });

  it.each([
    [
      'Query without terminator',
      Buffer.from([0x51, 0, 0, 0, 6, 0x61, 0x62]),
      /Query message: missing string terminator/,
    ],
    [
      'Execute too short',
      Buffer.from([0x45, 0, 0, 0, 6, 0x70, 0]),
      /Execute message: message too short/,
    ],
    ['Describe with a bad target', Buffer.from([0x44, 0, 0, 0, 6, 0x58, 0]), /invalid target type/],
    [
      'Bind with a negative length',
      (() => {
        const b = Buffer.from([0x42, 0, 0, 0, 16, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf0, 0, 0]);
        return b;
      })(),
      /Bind message/,
    ],
  ])('reports a malformed %s as 08P01', (_n, bytes, message) => {
    const f = new FrontendFramer();
    f.pushStartup(startup);
    const frames = f.push(bytes);
    expect(frames).toHaveLength(1);
    try {
      decodeFrontend(frames[0]!);
      expect.unreachable();
    } catch (e) {
      expect((e as ProtocolError).sqlstate).toBe('08P01');
      expect((e as Error).message).toMatch(message);
    }
  });

  describe('hot-path decoders agree with decodeFrontend', () => {
    const frame = (bytes: Buffer) => {
      const f = new FrontendFramer();
      f.pushStartup(startup);
      return f.push(bytes)[0]!;
    };
    const errorOf = (fn: () => unknown) => {
      try {
        fn();
        return undefined;
      } catch (e) {
        return `${(e as ProtocolError).sqlstate} ${(e as Error).message}`;
      }
    };

    it('on well-formed messages, named and unnamed', () => {
      for (const sql of ['SELECT 1', '', "SELECT 'é'"]) {
        const q = frame(serialize.query(sql));
        expect(decodeQueryText(q)).toBe(sql);
      }
      // Names shorter and longer than the byte-by-byte search for their end, and names
      // that repeat or differ by one byte (decoded names are kept for the next message).
      const long = 'n'.repeat(40);
      for (const portal of [
        '',
        'p1',
        'p2',
        'p2',
        long,
        long + 'x',
        'x'.repeat(31),
        'é'.repeat(20),
      ]) {
        const e = frame(serialize.execute({ portal, rows: 5 }));
        expect(decodeExecutePortal(e)).toBe(portal);
        const b = frame(serialize.bind({ portal, statement: `s_${portal}`, values: ['1'] }));
        expect(decodeBindTarget(b)).toEqual({ portal, statement: `s_${portal}` });
      }
    });

    it.each([
      ['Query without terminator', [0x51, 0, 0, 0, 6, 0x61, 0x62], decodeQueryText],
      ['Query with trailing bytes', [0x51, 0, 0, 0, 7, 0x61, 0, 0x62], decodeQueryText],
      ['Execute too short', [0x45, 0, 0, 0, 6, 0x70, 0], decodeExecutePortal],
      ['Execute without terminator', [0x45, 0, 0, 0, 6, 0x70, 0x71], decodeExecutePortal],
      [
        'Execute with trailing bytes',
        [0x45, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0x20],
        decodeExecutePortal,
      ],
      ['Bind without statement terminator', [0x42, 0, 0, 0, 6, 0, 0x73], decodeBindTarget],
      [
        'Bind with a long name and no terminator',
        [0x42, 0, 0, 0, 43, 0, ...Array<number>(38).fill(0x73)],
        decodeBindTarget,
      ],
    ] as const)('on a malformed %s', (_n, bytes, decode) => {
      const f = frame(Buffer.from(bytes));
      const expected = errorOf(() => decodeFrontend(f));
      expect(expected).toMatch(/^08P01 invalid (Query|Execute|Bind) message/);
      expect(errorOf(() => decode(f))).toBe(expected);
    });
  });
});
