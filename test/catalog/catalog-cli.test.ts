// `sluice classify --upstream URL` and `sluice explain --upstream URL`: the same snapshot
// and judgement as the proxy, against a real database; without --upstream, as before.
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { adminClient, createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { run as classify } from '../../src/cli/commands/classify.js';
import { run as explain } from '../../src/cli/commands/explain.js';

const REPO = path.resolve(import.meta.dirname, '../..');
let db: string;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('catcli');
  admin = await adminClient(db);
  await admin.query(`CREATE SEQUENCE s;
    CREATE VIEW bumps AS SELECT nextval('s') AS n;
    CREATE VIEW plain AS SELECT 1 AS n`);
});
afterAll(async () => {
  await admin.end();
});

async function inProcess(
  run: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return { code: await run(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('sluice classify --upstream', () => {
  it('a view that writes is a write with the catalog, a read without', async () => {
    const without = await inProcess(classify, ['--json', 'SELECT * FROM bumps']);
    expect(JSON.parse(without.out).class).toBe('read');
    const r = await inProcess(classify, [
      '--json',
      '--upstream',
      upstreamUrl(db),
      'SELECT * FROM bumps',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.class).toBe('write');
    expect(doc.catalog).toMatchObject({ database: db, truncated: false });
    const plain = await inProcess(classify, [
      '--json',
      '--upstream',
      upstreamUrl(db),
      'SELECT * FROM plain',
    ]);
    expect(JSON.parse(plain.out).class).toBe('read');
  });

  it('the table output names the snapshot', async () => {
    const r = await inProcess(classify, ['--upstream', upstreamUrl(db), 'SELECT * FROM bumps']);
    expect(r.out).toMatch(new RegExp(`^catalog: database ${db}: \\d+ relations`));
    expect(r.out).toMatch(/class: write/);
  });

  it('a catalog that cannot be read is an error (exit 1), not a silent static verdict', async () => {
    const r = await inProcess(classify, ['--upstream', upstreamUrl(`${db}_nope`), 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot read the catalog: .*does not exist/);
    expect(r.out).toBe('');
  });

  it('the spawned CLI does the same', async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/main.ts',
          'classify',
          '--json',
          '--upstream',
          upstreamUrl(db),
          'SELECT * FROM bumps',
        ],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).class).toBe('write');
  });
});

describe('sluice explain --upstream', () => {
  const base = ['--policies', path.join(REPO, 'policies'), '--user', 'alice'];

  it("judges with the session database's catalog on the upstream server", async () => {
    // The URL names another database: --database decides whose catalog is read.
    const url = upstreamUrl('postgres');
    const r = await inProcess(explain, [
      ...base,
      '--database',
      db,
      '--upstream',
      url,
      'SELECT * FROM bumps',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`catalog:    database ${db}:`);
    expect(r.out).toMatch(/class: +write \(SelectStmt\)/);
    const without = await inProcess(explain, [...base, '--database', db, 'SELECT * FROM bumps']);
    expect(without.out).toMatch(/class: +read \(SelectStmt\)/);
    expect(without.out).not.toContain('catalog:');
  });

  it('--json carries the snapshot it used', async () => {
    const r = await inProcess(explain, [
      ...base,
      '--database',
      db,
      '--upstream',
      upstreamUrl(db),
      '--json',
      'SELECT * FROM bumps',
    ]);
    const doc = JSON.parse(r.out);
    expect(doc.catalog).toMatchObject({ database: db });
    expect(doc.classification.class).toBe('write');
  });

  it('an unreadable catalog is an error', async () => {
    const r = await inProcess(explain, [
      ...base,
      '--database',
      `${db}_nope`,
      '--upstream',
      upstreamUrl('postgres'),
      'SELECT 1',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sluice explain: cannot read the catalog/);
  });
});
