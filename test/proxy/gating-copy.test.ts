// COPY FROM STDIN is gated at its Query, before the server answers CopyInResponse:
// while held the client sends no data, approved it loads everything, denied it loads
// nothing, and the connection stays usable either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { serialize } from 'pg-protocol';
import { viaProxy } from '../helpers/proxy.js';
import { errorFields } from '../helpers/raw-client.js';
import {
  codes,
  gatingFixture,
  msg,
  psqlEnv,
  readUntil,
  silentFor,
  tag,
  type GatingFixture,
} from './gating-fixtures.js';

let fx: GatingFixture;
let dataFile: string;

beforeAll(async () => {
  fx = await gatingFixture('copy');
  dataFile = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-copy-')), 'rows.tsv');
  writeFileSync(
    dataFile,
    Array.from({ length: 1000 }, (_, i) => `${i + 100}\tcopied ${i}\n`).join(''),
  );
});
afterAll(() => fx.close());

/** psql running `\copy` in a child process; resolves with its exit code and output. */
function psqlCopy(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'psql',
      ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy items FROM '${dataFile}'`, '-c', 'SELECT 1'],
      {
        env: { ...process.env, ...psqlEnv(fx.g, fx.db) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('psql \\copy FROM a file', () => {
  it('approved: psql waits, then loads every row', async () => {
    await fx.reset();
    const done = psqlCopy();
    const req = await fx.next();
    expect(req.sql).toMatch(/^COPY\s+items\s+FROM STDIN\s*$/i);
    expect(req.classification.statements[0]!.flags).toContain('copy_from_stdin');
    expect(await fx.count()).toBe(10);
    await fx.approve(req.id);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(await fx.count()).toBe(1010);
    expect((await fx.admin.query('SELECT v FROM items WHERE id = 1099')).rows[0].v).toBe(
      'copied 999',
    );
    await expect
      .poll(async () => (await fx.g.approvals.broker.get(req.id))?.outcome?.commandTag)
      .toBe('COPY 1000');
  });

  it('denied: psql reports the 42501 denial and nothing is loaded', async () => {
    await fx.reset();
    const done = psqlCopy();
    const req = await fx.next();
    await fx.deny(req.id, 'no bulk loads today');
    const r = await done;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`request ${req.id} was denied by dba: no bulk loads today`);
    expect(await fx.count()).toBe(10);
  });
});

describe('raw COPY FROM STDIN', () => {
  it('no CopyInResponse while held; after approval the data goes in and the connection works', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(msg.query('COPY items FROM STDIN'));
    const req = await fx.next();
    // Held before the server ever saw the COPY: no CopyInResponse ('G').
    expect(codes(await silentFor(c, 300))).toEqual([]);
    await fx.approve(req.id);
    const g = (await readUntil(c, 'G')).filter((m) => m.code !== 'N');
    expect(codes(g)).toEqual(['G']);
    c.write(
      Buffer.concat([
        serialize.copyData(Buffer.from('201\tone\n202\ttwo\n')),
        serialize.copyDone(),
      ]),
    );
    const end = await readUntil(c, 'Z');
    expect(codes(end)).toEqual(['C', 'Z']);
    expect(tag(end[0]!)).toBe('COPY 2');
    expect(await fx.count('id IN (201, 202)')).toBe(2);
    c.write(msg.query('SELECT 1'));
    expect(codes(await c.untilReady())).toEqual(['T', 'D', 'C', 'Z']);
    c.end();
  });

  it('denied: an ErrorResponse and ReadyForQuery, never a CopyInResponse', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(msg.query('COPY items FROM STDIN'));
    const req = await fx.next();
    await fx.deny(req.id, 'no');
    const got = (await c.untilReady()).filter((m) => m.code !== 'N');
    expect(codes(got)).toEqual(['E', 'Z']);
    expect(errorFields(got[0]!.body).C).toBe('42501');
    expect(await fx.count()).toBe(10);
    c.write(msg.query('SELECT 1'));
    expect(codes(await c.untilReady())).toEqual(['T', 'D', 'C', 'Z']);
    c.end();
  });
});

describe('postgres.js COPY … FROM STDIN (extended protocol)', () => {
  it('the writable stream opens only after approval', async () => {
    await fx.reset();
    const sql = postgres({
      ...viaProxy(fx.g.proxy, fx.db),
      username: viaProxy(fx.g.proxy, fx.db).user,
      max: 1,
      onnotice: () => {},
    });
    try {
      let opened = false;
      const writable = sql`COPY items (id, v) FROM STDIN`
        .writable()
        .then((w) => ((opened = true), w));
      const req = await fx.next();
      await new Promise((r) => setTimeout(r, 200));
      expect(opened).toBe(false);
      await fx.approve(req.id);
      const w = await writable;
      await new Promise<void>((resolve, reject) => {
        w.on('error', reject);
        w.on('finish', () => resolve());
        w.write('301\tpjs\n');
        w.end('302\tpjs\n');
      });
      await expect.poll(() => fx.count("v = 'pjs'")).toBe(2);
      const [r] = await sql`SELECT count(*)::int AS n FROM items`;
      expect(r!.n).toBe(12);
    } finally {
      await sql.end();
    }
  });
});
