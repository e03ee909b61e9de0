// The FunctionCall message: exactly the large-object read calls pass, and their OIDs are
// the live server's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import {
  INV_WRITE,
  LARGE_OBJECT_READ_CALLS,
  judgeFunctionCall,
  type CallArgument,
} from '../../src/sql/function-call-rules.js';
import { adminClient } from '../helpers/pg.js';

const INV_READ = 0x40000;

function int4(n: number): CallArgument {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return { format: 'binary', value: b };
}
function text(s: string): CallArgument {
  return { format: 'text', value: Buffer.from(s) };
}

let client: pg.Client;
beforeAll(async () => {
  client = await adminClient();
});
afterAll(() => client.end());

describe('FunctionCall rules', () => {
  it('the read calls’ OIDs, names and argument counts are the live server’s', async () => {
    const rows = await client.query<{ oid: number; proname: string; pronargs: number }>(
      "SELECT oid::int, proname, pronargs FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace AND proname IN ('lo_open', 'lo_close', 'loread', 'lo_lseek', 'lo_tell', 'lo_lseek64', 'lo_tell64')",
    );
    expect(new Map(rows.rows.map((r) => [r.oid, { name: r.proname, nargs: r.pronargs }]))).toEqual(
      LARGE_OBJECT_READ_CALLS,
    );
  });

  it('passes lo_open for reading, in binary or text', () => {
    expect(judgeFunctionCall({ oid: 952, args: [int4(4242), int4(INV_READ)] }).class).toBe('read');
    expect(judgeFunctionCall({ oid: 952, args: [int4(4242), text('262144')] }).class).toBe('read');
  });

  it('passes loread, lo_lseek(64), lo_tell(64) and lo_close', () => {
    expect(judgeFunctionCall({ oid: 954, args: [int4(0), int4(8192)] }).class).toBe('read');
    expect(judgeFunctionCall({ oid: 956, args: [int4(0), int4(0), int4(2)] }).class).toBe('read');
    expect(judgeFunctionCall({ oid: 958, args: [int4(0)] }).class).toBe('read');
    const big = { format: 'binary' as const, value: Buffer.alloc(8) };
    expect(judgeFunctionCall({ oid: 3170, args: [int4(0), big, int4(0)] }).class).toBe('read');
    expect(judgeFunctionCall({ oid: 3171, args: [int4(0)] }).class).toBe('read');
    expect(judgeFunctionCall({ oid: 953, args: [int4(0)] }).class).toBe('read');
  });

  it.each([
    ['lo_open for writing', 952, [int4(4242), int4(INV_WRITE)]],
    ['lo_open for reading and writing', 952, [int4(4242), int4(INV_READ | INV_WRITE)]],
    ['lo_open for writing, in text', 952, [int4(4242), text('131072')]],
    ['lo_open with a NULL mode', 952, [int4(4242), { format: 'binary', value: null }]],
    ['lo_open with a short mode', 952, [int4(4242), { format: 'binary', value: Buffer.alloc(2) }]],
    ['lo_open with an unreadable text mode', 952, [int4(4242), text('0x20000')]],
    ['lo_open with a text mode out of range', 952, [int4(4242), text('99999999999')]],
    ['lo_open with one argument', 952, [int4(4242)]],
    ['loread with three arguments', 954, [int4(0), int4(1), int4(2)]],
    ['lowrite', 955, [int4(0), text('x')]],
    ['lo_creat', 957, [int4(INV_READ | INV_WRITE)]],
    ['lo_create', 715, [int4(0)]],
    ['lo_unlink', 964, [int4(4242)]],
    ['lo_truncate', 1004, [int4(0), int4(0)]],
    ['lo_truncate64', 3172, [int4(0), { format: 'binary', value: Buffer.alloc(8) }]],
    ['lo_put', 3460, [int4(4242), int4(0), text('x')]],
    ['lo_import', 764, [text('/etc/passwd')]],
    ['pg_terminate_backend', 2096, [int4(1)]],
    ['version', 89, []],
  ] as const)('refuses %s', (_what, oid, args) => {
    const c = judgeFunctionCall({ oid, args: [...args] });
    expect(c.class).toBe('forbidden');
    expect(c.statements[0]!.reasons[0]).toMatch(/FunctionCall|function OID/);
  });
});
