// The FunctionCall protocol message ('F') calls a function by OID with its arguments.
// libpq's large-object API (lo_open, loread, lo_lseek, lo_tell, lo_close...) is built on
// it, and pg_dump and psql's \lo_export read large objects through it. Exactly the calls
// that only read pass: lo_open without INV_WRITE, loread, lo_lseek(64), lo_tell(64) and
// lo_close. Every other OID, lo_open for writing, and anything Sluice cannot read for
// certain (a NULL or unreadable mode, a wrong argument count) is forbidden.
//
// The OIDs are fixed in PostgreSQL's pg_proc.dat (the same from 9.3 to 18);
// test/sql/function-call-rules.test.ts checks them against the live server.
import type { Classification, StatementInfo } from './types.js';

/** One argument as the message carries it: its format and its bytes (null for NULL). */
export interface CallArgument {
  format: 'text' | 'binary';
  value: Uint8Array | null;
}

export interface FunctionCallMessage {
  oid: number;
  args: readonly CallArgument[];
}

/** The read-only large-object calls: OID -> name and argument count. */
export const LARGE_OBJECT_READ_CALLS: ReadonlyMap<number, { name: string; nargs: number }> =
  new Map([
    [952, { name: 'lo_open', nargs: 2 }],
    [953, { name: 'lo_close', nargs: 1 }],
    [954, { name: 'loread', nargs: 2 }],
    [956, { name: 'lo_lseek', nargs: 3 }],
    [958, { name: 'lo_tell', nargs: 1 }],
    [3170, { name: 'lo_lseek64', nargs: 3 }],
    [3171, { name: 'lo_tell64', nargs: 1 }],
  ]);

/** lo_open's mode bit that asks for writing (libpq-fs.h INV_WRITE). */
export const INV_WRITE = 0x20000;
const LO_OPEN = 952;

/** The read verdict of each allowed OID, made once: policy decisions are memoised by it. */
const READS = new Map<number, Classification>(
  [...LARGE_OBJECT_READ_CALLS].map(([oid, f]) => [
    oid,
    freeze(
      verdict(
        'read',
        f.name,
        oid === LO_OPEN
          ? 'lo_open without INV_WRITE opens a large object for reading (FunctionCall)'
          : `${f.name} only reads a large object or moves a descriptor opened for reading (FunctionCall)`,
      ),
    ),
  ]),
);

export function judgeFunctionCall(call: FunctionCallMessage): Classification {
  const f = LARGE_OBJECT_READ_CALLS.get(call.oid);
  if (!f) {
    return verdict(
      'forbidden',
      `oid ${call.oid}`,
      `the FunctionCall protocol message calls function OID ${call.oid}; only the large-object read calls (lo_open for reading, loread, lo_lseek, lo_tell, lo_close) pass`,
    );
  }
  if (call.args.length !== f.nargs) {
    return verdict(
      'forbidden',
      f.name,
      `FunctionCall of ${f.name} with ${call.args.length} arguments (it takes ${f.nargs})`,
    );
  }
  if (call.oid === LO_OPEN) {
    const mode = int4(call.args[1]!);
    if (mode === undefined)
      return verdict('forbidden', f.name, 'FunctionCall of lo_open with a mode Sluice cannot read');
    if ((mode & INV_WRITE) !== 0)
      return verdict(
        'forbidden',
        f.name,
        'FunctionCall of lo_open with INV_WRITE opens a large object for writing',
      );
  }
  return READS.get(call.oid)!;
}

/** An int4 argument as the server would read it (binary: 4 bytes; text: a plain integer). */
function int4(arg: CallArgument): number | undefined {
  const v = arg.value;
  if (v === null) return undefined;
  if (arg.format === 'binary') {
    if (v.length !== 4) return undefined;
    return (v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]! | 0;
  }
  const text = Buffer.from(v).toString('latin1').trim();
  if (!/^[+-]?\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

function verdict(cls: 'read' | 'forbidden', fn: string, reason: string): Classification {
  const s: StatementInfo = {
    sql: `${fn} (FunctionCall)`,
    location: 0,
    length: 0,
    kind: 'FunctionCall',
    class: cls,
    relations: [],
    functions: fn.startsWith('oid ') ? [] : [fn],
    flags: [],
    risk: cls === 'read' ? 'low' : 'critical',
    reasons: [reason],
    fingerprint: '',
  };
  return { class: cls, statements: [s] };
}

function freeze(c: Classification): Classification {
  for (const s of c.statements) {
    Object.freeze(s.relations);
    Object.freeze(s.functions);
    Object.freeze(s.flags);
    Object.freeze(s.reasons);
    Object.freeze(s);
  }
  Object.freeze(c.statements);
  return Object.freeze(c);
}
