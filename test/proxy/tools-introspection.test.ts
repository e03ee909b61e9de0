// The introspection SQL of PostgREST's schema cache and of two ORMs' schema readers
// (Django, TypeORM), vendored under test/fixtures/introspection/, run on the vendored schema
// through Sluice and directly: every query must give the same columns and the same rows,
// compared as the server's text, in the same order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { adminClient, createTestDatabase, pgInfo } from '../helpers/pg.js';
import { startToolProxy, TOOL_PROXY_MODES, type ToolProxy } from '../helpers/tool-proxy.js';

const FIXTURES = 'test/fixtures/introspection';
const FILES = [
  'postgrest-schema-cache.sql',
  'django-introspection.sql',
  'typeorm-load-tables.sql',
] as const;

interface FixtureQuery {
  name: string;
  sql: string;
  params?: unknown[];
}

/** Splits a fixture at its `-- query: <name>` lines; `-- params: <json>` gives parameters. */
function readFixture(file: string): FixtureQuery[] {
  const out: FixtureQuery[] = [];
  let current: FixtureQuery | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current) out.push({ ...current, sql: lines.join('\n').trim() });
    lines = [];
  };
  for (const line of readFileSync(path.join(FIXTURES, file), 'utf8').split('\n')) {
    const query = /^-- query: (.+)$/.exec(line);
    const params = /^-- params: (.+)$/.exec(line);
    if (query) {
      flush();
      current = { name: query[1]!, sql: '' };
    } else if (params && current && lines.length === 0) {
      current.params = JSON.parse(params[1]!) as unknown[];
    } else if (current) {
      lines.push(line);
    }
  }
  flush();
  return out;
}

/** Raw text values: what the server sent, not what node-postgres makes of it. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value };

type Outcome =
  { query: string; columns: string[]; rows: unknown[][] } | { query: string; error: string };

/** Runs a fixture's queries in order on one connection, as the tool would. */
async function runFixture(
  host: string,
  port: number,
  database: string,
  queries: FixtureQuery[],
): Promise<Outcome[]> {
  const info = pgInfo();
  const client = new pg.Client({
    host,
    port,
    user: info.user,
    password: info.password,
    database,
    types: RAW_TYPES,
  });
  await client.connect();
  const out: Outcome[] = [];
  try {
    for (const q of queries) {
      try {
        const r = await client.query({
          text: q.sql,
          ...(q.params ? { values: q.params } : {}),
          rowMode: 'array',
        });
        out.push({
          query: q.name,
          columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}`),
          rows: r.rows as unknown[][],
        });
      } catch (err) {
        const e = err as { code?: string; message: string; detail?: string };
        out.push({ query: q.name, error: `${e.code} ${e.message} ${e.detail ?? ''}` });
      }
    }
  } finally {
    await client.end();
  }
  return out;
}

let db: string;

beforeAll(async () => {
  db = await createTestDatabase('introspect');
  const admin = await adminClient(db);
  try {
    await admin.query(readFileSync('test/fixtures/dump-schema.sql', 'utf8'));
  } finally {
    await admin.end();
  }
});

describe('introspection SQL through Sluice', () => {
  for (const mode of TOOL_PROXY_MODES) {
    describe(`${mode} proxy`, () => {
      let proxy: ToolProxy;
      beforeAll(async () => {
        proxy = await startToolProxy(mode);
      });
      afterAll(async () => {
        await proxy?.close();
      });

      for (const file of FILES) {
        it(`${file}: same columns and rows as directly`, async () => {
          const queries = readFixture(file);
          const info = pgInfo();
          const direct = await runFixture(info.host, info.port, db, queries);
          expect(direct.filter((o) => 'error' in o)).toEqual([]);
          // The fixture reads the vendored schema: not an empty answer that proves nothing.
          expect(direct.some((o) => 'rows' in o && o.rows.length > 3)).toBe(true);
          const proxied = await runFixture(proxy.proxy.host, proxy.proxy.port, db, queries);
          expect(proxied).toEqual(direct);
        });
      }
    });
  }
});
