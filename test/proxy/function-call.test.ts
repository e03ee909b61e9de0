// The FunctionCall message through a gated proxy with a reads-only policy: libpq's
// large-object reads (psql \lo_export) pass with the very bytes, every other call is
// refused with a SQLSTATE and the connection stays usable; malformed calls end only
// their own connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serialize } from 'pg-protocol';
import { adminClient, createTestDatabase, pgInfo } from '../helpers/pg.js';
import { startGatedProxy, type GatedProxy } from '../helpers/gated-proxy.js';
import { errorFields, RawClient, type RawMessage } from '../helpers/raw-client.js';
import { run } from '../helpers/run.js';

const READS_ONLY = `version: 1
rules:
  - name: reads
    match:
      class: read
    action: allow
  - name: nothing-else
    match:
      class: write
    action: deny
    message: this policy allows reads only
`;

const LO = 4242;
const INV_READ = 0x40000;
const INV_WRITE = 0x20000;
const content = randomBytes(300_000);

let g: GatedProxy;
let db: string;

beforeAll(async () => {
  db = await createTestDatabase('fncall');
  const admin = await adminClient(db);
  await admin.query('SELECT lo_from_bytea($1, $2)', [LO, content]);
  await admin.query(`GRANT SELECT ON LARGE OBJECT ${LO} TO sluice_trust`);
  await admin.end();
  g = await startGatedProxy({ policyFiles: { 'reads.yml': READS_ONLY } });
});
afterAll(() => g.close());

function env(): Record<string, string> {
  const info = pgInfo();
  return {
    PGHOST: g.proxy.host,
    PGPORT: String(g.proxy.port),
    PGUSER: info.user,
    PGPASSWORD: info.password,
    PGDATABASE: db,
    PGSSLMODE: 'disable',
  };
}

/** A FunctionCall message with binary arguments (as libpq sends it). */
function functionCall(oid: number, args: Buffer[], formatCode = 1): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4 + 2 + 2 + 2);
  head.writeInt32BE(oid, 0);
  head.writeInt16BE(1, 4);
  head.writeInt16BE(formatCode, 6);
  head.writeInt16BE(args.length, 8);
  parts.push(head);
  for (const a of args) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(a.length);
    parts.push(len, a);
  }
  parts.push(Buffer.from([0, 1]));
  const body = Buffer.concat(parts);
  const msg = Buffer.alloc(5 + body.length);
  msg[0] = 0x46;
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return msg;
}

function int4(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

async function session(): Promise<RawClient> {
  const c = await RawClient.connect(g.proxy.host, g.proxy.port);
  const msgs = await c.startup('sluice_trust', db);
  expect(msgs.at(-1)?.code).toBe('Z');
  return c;
}

async function query(c: RawClient, sql: string): Promise<RawMessage[]> {
  c.write(serialize.query(sql));
  return c.untilReady();
}

async function call(c: RawClient, oid: number, args: Buffer[]): Promise<RawMessage[]> {
  c.write(functionCall(oid, args));
  return c.untilReady();
}

function refusal(msgs: RawMessage[]): Record<string, string> {
  const e = msgs.find((m) => m.code === 'E');
  expect(e, 'an ErrorResponse').toBeDefined();
  return errorFields(e!.body);
}

/** The status byte of the last ReadyForQuery: I, T or E. */
function status(msgs: RawMessage[]): string {
  return String.fromCharCode(msgs.at(-1)!.body[0]!);
}

describe('FunctionCall through the gate', () => {
  it('psql \\lo_export reads a large object byte for byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-lo-'));
    const out = path.join(dir, 'lo.bin');
    const r = await run(
      'psql',
      ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\lo_export ${LO} '${out}'`],
      {
        env: env(),
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(out).equals(content)).toBe(true);
  });

  it('psql \\lo_import is refused (lo_creat and writing lo_open are not reads)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-lo-'));
    const file = path.join(dir, 'in.bin');
    writeFileSync(file, 'data');
    const r = await run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\lo_import '${file}'`], {
      env: env(),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Sluice: .*FunctionCall|function OID/);
  });

  it('a raw lo_open for reading, loread, lo_tell and lo_close pass', async () => {
    const c = await session();
    try {
      expect(status(await query(c, 'BEGIN'))).toBe('T');
      const open = await call(c, 952, [int4(LO), int4(INV_READ)]);
      const v = open.find((m) => m.code === 'V');
      expect(v, 'a FunctionCallResponse').toBeDefined();
      const fd = v!.body.readInt32BE(4);
      const read = (await call(c, 954, [int4(fd), int4(16)])).find((m) => m.code === 'V')!;
      expect(read.body.subarray(4, 4 + read.body.readInt32BE(0))).toEqual(content.subarray(0, 16));
      const tell = (await call(c, 958, [int4(fd)])).find((m) => m.code === 'V')!;
      expect(tell.body.readInt32BE(4)).toBe(16);
      expect((await call(c, 953, [int4(fd)])).some((m) => m.code === 'V')).toBe(true);
      expect(status(await query(c, 'COMMIT'))).toBe('I');
    } finally {
      c.end();
    }
  });

  it.each([
    ['lo_open with INV_WRITE', 952, [int4(LO), int4(INV_WRITE)]],
    ['lo_open with INV_READ | INV_WRITE', 952, [int4(LO), int4(INV_READ | INV_WRITE)]],
    ['lo_creat', 957, [int4(INV_READ | INV_WRITE)]],
    ['lo_unlink', 964, [int4(LO)]],
    ['lowrite', 955, [int4(0), Buffer.from('x')]],
    ['lo_put', 3460, [int4(LO), Buffer.alloc(8), Buffer.from('x')]],
    ['lo_import (server side)', 764, [Buffer.from('/etc/passwd')]],
    ['version()', 89, []],
  ] as const)(
    '%s is refused with 42501, inside a transaction it fails, and the connection stays usable',
    async (_what, oid, args) => {
      const c = await session();
      try {
        const outside = await call(c, oid, [...args]);
        expect(refusal(outside).C).toBe('42501');
        expect(status(outside)).toBe('I');
        expect(status(await query(c, 'BEGIN'))).toBe('T');
        const inside = await call(c, oid, [...args]);
        expect(refusal(inside).C).toBe('42501');
        expect(status(inside)).toBe('E');
        expect(status(await query(c, 'ROLLBACK'))).toBe('I');
        const after = await query(c, 'SELECT 1');
        expect(after.some((m) => m.code === 'D')).toBe(true);
        // The large object is untouched.
        const admin = await adminClient(db);
        const r = await admin.query<{ n: number }>(`SELECT length(lo_get(${LO}))::int AS n`);
        await admin.end();
        expect(r.rows[0]!.n).toBe(content.length);
      } finally {
        c.end();
      }
    },
  );

  it('a malformed FunctionCall ends only its own connection with 08P01', async () => {
    const c = await session();
    const other = await session();
    try {
      c.write(functionCall(954, [int4(0), int4(1)], 7));
      let m = await c.read();
      while (m && m.code !== 'E') m = await c.read();
      const f = errorFields(m!.body);
      expect(f.V).toBe('FATAL');
      expect(f.C).toBe('08P01');
      expect(await c.waitClosed()).toBe(true);
      expect((await query(other, 'SELECT 1')).some((x) => x.code === 'D')).toBe(true);
    } finally {
      c.end();
      other.end();
    }
  });
});

describe('a large-object read is a read the policy decides on', () => {
  it('held under a rule that reviews reads, it runs once approved; denied under one that denies them', async () => {
    const review = await startGatedProxy({
      policyFiles: {
        'r.yml': `version: 1
rules:
  - name: review-reads
    match:
      class: read
    action: review
`,
      },
    });
    const deny = await startGatedProxy({
      policyFiles: {
        'd.yml': `version: 1
rules:
  - name: no-reads
    match:
      class: read
    action: deny
    message: reads are refused here
`,
      },
    });
    const c = await RawClient.connect(review.proxy.host, review.proxy.port);
    const d = await RawClient.connect(deny.proxy.host, deny.proxy.port);
    try {
      expect((await c.startup('sluice_trust', db)).at(-1)?.code).toBe('Z');
      expect(status(await query(c, 'BEGIN'))).toBe('T');
      c.write(functionCall(952, [int4(LO), int4(INV_READ)]));
      const req = await review.nextRequest();
      expect(req.classification.class).toBe('read');
      expect(req.sql).toBe('lo_open (FunctionCall)');
      const res = await review.approvals.broker.approve(req.id, {
        by: 'dba',
        reason: 'ok',
        source: 'local',
        anyOwner: true,
      });
      expect(res.ok).toBe(true);
      const opened = await c.untilReady();
      expect(opened.some((m) => m.code === 'V')).toBe(true);
      expect(status(await query(c, 'ROLLBACK'))).toBe('I');

      expect((await d.startup('sluice_trust', db)).at(-1)?.code).toBe('Z');
      const denied = await call(d, 954, [int4(0), int4(1)]);
      expect(refusal(denied)).toMatchObject({ C: '42501', M: 'Sluice: reads are refused here' });
    } finally {
      c.end();
      d.end();
      await review.close();
      await deny.close();
    }
  });
});
