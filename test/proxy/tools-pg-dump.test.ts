// pg_dump, pg_dumpall and pg_restore through Sluice: each dump taken through the proxy must
// be byte for byte the dump taken directly. The dumps run against a private cluster of
// pg_dump's own major version (see ../helpers/private-postgres.ts) holding the vendored
// schema test/fixtures/dump-schema.sql (large objects included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  findDumpTools,
  planPrivatePostgres,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../helpers/private-postgres.js';
import { run, type RunResult } from '../helpers/run.js';
import { startToolProxy, TOOL_PROXY_MODES, type ToolProxy } from '../helpers/tool-proxy.js';

const tools = findDumpTools();
const plan = 'reason' in tools ? tools : planPrivatePostgres(tools);
const skipReason = 'reason' in plan ? plan.reason : undefined;
if (skipReason) console.warn(`tools-pg-dump: skipped: ${skipReason}`);

const DB = 'tools';
/**
 * A fixed psql \restrict key: pg_dump (since 15.14, 16.10, 17.6) draws a random one per
 * run otherwise. Older versions have neither the option nor the random key.
 */
const RESTRICT =
  !('reason' in tools) &&
  execFileSync(path.join(tools.bin, 'pg_dump'), ['--help']).toString().includes('--restrict-key')
    ? ['--restrict-key=sluicetest']
    : [];

/** pg_dump modes whose plain-text output is compared as is. */
const PLAIN_MODES: Record<string, string[]> = {
  'schema-only': ['--schema-only'],
  'data-only': ['--data-only'],
  full: [],
  '--inserts': ['--inserts'],
  '--column-inserts': ['--column-inserts', '--rows-per-insert=2'],
  '-n shop -b': ['-n', 'shop', '-b'],
  '-t': ['-t', 'shop.orders', '-t', 'audit.events*'],
};

let server: PrivatePostgres;
let work: string;

describe.skipIf(skipReason !== undefined)('pg_dump through Sluice', () => {
  beforeAll(async () => {
    server = await startPrivatePostgres(plan as Exclude<typeof plan, { reason: string }>);
    work = mkdtempSync(path.join(tmpdir(), 'sluice-dump-'));
    const admin = client('postgres');
    await admin.connect();
    try {
      // Cluster-wide objects for pg_dumpall: a role with grants and settings, a second database.
      await admin.query(`CREATE DATABASE ${DB}`);
      await admin.query('CREATE DATABASE tools_empty');
      await admin.query(
        "CREATE ROLE dump_reader NOLOGIN CONNECTION LIMIT 3 VALID UNTIL 'infinity'",
      );
      await admin.query('CREATE ROLE dump_app LOGIN IN ROLE dump_reader');
      await admin.query('ALTER ROLE dump_app SET statement_timeout = 5000');
    } finally {
      await admin.end();
    }
    const db = client(DB);
    await db.connect();
    try {
      await db.query(readFileSync('test/fixtures/dump-schema.sql', 'utf8'));
      await db.query('GRANT SELECT ON ALL TABLES IN SCHEMA shop TO dump_reader');
      await db.query('GRANT USAGE ON SCHEMA audit TO dump_reader');
      await db.query('ALTER LARGE OBJECT 424243 OWNER TO dump_reader');
      await db.query('GRANT SELECT ON LARGE OBJECT 424242 TO dump_reader');
    } finally {
      await db.end();
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const mode of TOOL_PROXY_MODES) {
    describe(`${mode} proxy`, () => {
      let gated: ToolProxy;
      beforeAll(async () => {
        gated = await startToolProxy(mode, `postgres://${server.host}:${server.port}/postgres`);
      });
      afterAll(async () => {
        await gated?.close();
      });

      for (const [dumpMode, args] of Object.entries(PLAIN_MODES)) {
        it(`pg_dump ${dumpMode}: identical plain output`, async () => {
          const [direct, proxied] = await both(gated, (to) =>
            tool('pg_dump', [...to, ...RESTRICT, ...args, DB]),
          );
          expect(direct.stdout).toContain('PostgreSQL database dump complete');
          expect(proxied.stdout).toBe(direct.stdout);
        });
      }

      it('pg_dumpall --schema-only and --globals-only: identical output', async () => {
        for (const what of ['--schema-only', '--globals-only']) {
          const [direct, proxied] = await both(gated, (to) =>
            tool('pg_dumpall', [...to, ...RESTRICT, what]),
          );
          expect(direct.stdout).toContain('CREATE ROLE dump_reader');
          expect(proxied.stdout).toBe(direct.stdout);
        }
      });

      // Archives carry their creation time, so what is compared is what pg_restore reads
      // back from them: the full SQL script (pg_restore -f -) and the table of contents
      // (pg_restore -l) without its "; Archive created at" line.
      for (const [format, args] of [
        ['-Fc', ['-Fc']],
        ['-Fd -j 4', ['-Fd', '-j', '4']],
      ] as const) {
        it(`pg_dump ${format}: identical archive contents`, async () => {
          const tag = `${mode}${format.replace(/[^a-z0-9]/gi, '')}`;
          const [direct, proxied] = await both(gated, (to, via) =>
            tool('pg_dump', [...to, ...args, '-f', path.join(work, `${tag}-${via}`), DB]),
          );
          expect(proxied.stdout).toBe(direct.stdout);
          const direct_ = await restored(path.join(work, `${tag}-direct`));
          const proxied_ = await restored(path.join(work, `${tag}-proxy`));
          expect(direct_.script).toContain('lo_open');
          expect(proxied_.toc).toBe(direct_.toc);
          expect(proxied_.script).toBe(direct_.script);
        });
      }
    });
  }
});

function client(database: string): pg.Client {
  return new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });
}

/** Runs `fn` directly and through the proxy; both must exit 0 without complaint. */
async function both(
  gated: ToolProxy,
  fn: (connect: string[], via: 'direct' | 'proxy') => Promise<RunResult>,
): Promise<[RunResult, RunResult]> {
  const direct = await fn(['-h', server.host, '-p', String(server.port)], 'direct');
  expect(direct.stderr, 'direct').toBe('');
  expect(direct.code, 'direct').toBe(0);
  const proxied = await fn(['-h', gated.proxy.host, '-p', String(gated.proxy.port)], 'proxy');
  // Sluice's refusal (and the statement refused) is in pg_dump's stderr.
  expect(proxied.stderr, 'through the proxy').toBe('');
  expect(proxied.code, 'through the proxy').toBe(0);
  return [direct, proxied];
}

function tool(name: string, args: string[]): Promise<RunResult> {
  if ('reason' in tools) throw new Error(tools.reason);
  return run(path.join(tools.bin, name), ['-U', server.user, '--no-password', ...args], {
    env: { PGPASSWORD: server.password, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' },
    timeoutMs: 60_000,
  });
}

async function restored(archive: string): Promise<{ toc: string; script: string }> {
  const toc = await tool('pg_restore', ['-l', archive]);
  const script = await tool('pg_restore', [...RESTRICT, '-f', '-', archive]);
  for (const r of [toc, script]) {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
  return {
    toc: toc.stdout.replace(/^; Archive created at .*$/m, ''),
    script: script.stdout,
  };
}
