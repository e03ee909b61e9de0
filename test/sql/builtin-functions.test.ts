// The side-effect-free allowlist, checked against the real server's catalog: every name
// exists in pg_catalog, every name is IMMUTABLE/STABLE in all its overloads unless it is
// one of the deliberately listed VOLATILE read-only built-ins, and no known writer or
// forbidden function slipped in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { readFileSync } from 'node:fs';
import {
  BUILTIN_SAFE_FUNCTIONS,
  INFORMATION_SCHEMA_SAFE_FUNCTIONS,
  OLDER_RELEASE_SAFE_FUNCTIONS,
  VOLATILE_SAFE_FUNCTIONS,
} from '../../src/sql/builtin-functions.js';
import { BUILTIN_OPERATORS } from '../../src/sql/builtin-operators.js';
import { judgeFunction } from '../../src/sql/function-rules.js';
import { adminClient } from '../helpers/pg.js';

let client: pg.Client;

/**
 * IMMUTABLE/STABLE built-ins that are not side-effect free, kept off the allowlist (see
 * docs/classification.md): txid_current and pg_current_xact_id assign a transaction id;
 * the *_to_xml family runs queries over whole tables, schemas or databases.
 */
const STABLE_EXCEPTIONS = [
  'txid_current',
  'pg_current_xact_id',
  'database_to_xml',
  'database_to_xml_and_xmlschema',
  'database_to_xmlschema',
  'schema_to_xml',
  'schema_to_xml_and_xmlschema',
  'schema_to_xmlschema',
  'table_to_xml',
  'table_to_xml_and_xmlschema',
  'table_to_xmlschema',
];
const volatility = new Map<string, Set<string>>();

beforeAll(async () => {
  client = await adminClient();
  const rows = await client.query<{ proname: string; provolatile: string }>(
    "SELECT proname, provolatile FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace",
  );
  for (const r of rows.rows) {
    const set = volatility.get(r.proname) ?? new Set<string>();
    set.add(r.provolatile);
    volatility.set(r.proname, set);
  }
});

afterAll(() => client.end());

describe('built-in allowlist', () => {
  it('names only functions that exist in pg_catalog (or in an older release’s)', () => {
    const missing = [...BUILTIN_SAFE_FUNCTIONS].filter(
      (n) => !volatility.has(n) && !OLDER_RELEASE_SAFE_FUNCTIONS.has(n),
    );
    expect(missing).toEqual([]);
    // The older releases' names are kept only while this server has no function of that name.
    expect([...OLDER_RELEASE_SAFE_FUNCTIONS].filter((n) => volatility.has(n))).toEqual([]);
  });

  it('holds every function the live catalog marks IMMUTABLE or STABLE, but the documented exceptions', () => {
    const readOnly = [...volatility].filter(([, v]) => !v.has('v')).map(([n]) => n);
    const absent = readOnly.filter((n) => !BUILTIN_SAFE_FUNCTIONS.has(n)).sort();
    expect(absent).toEqual(STABLE_EXCEPTIONS.filter((n) => volatility.has(n)).sort());
  });

  // The live server is PostgreSQL 18; 15, 16 and 17 are checked against their catalogs'
  // lists, saved from real servers of those versions (the header of each file says how).
  it.each(['15', '16', '17'])(
    'holds every function PostgreSQL %s marks IMMUTABLE or STABLE, but the documented exceptions',
    (major) => {
      const names = readFileSync(
        new URL(`./fixtures/pg${major}-stable-functions.txt`, import.meta.url),
        'utf8',
      )
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'));
      expect(names.length).toBeGreaterThan(2000);
      const absent = names.filter((n) => !BUILTIN_SAFE_FUNCTIONS.has(n)).sort();
      expect(absent).toEqual([...STABLE_EXCEPTIONS].filter((n) => names.includes(n)).sort());
    },
  );

  it('trusts information_schema’s own functions only schema-qualified, and they are all read-only', async () => {
    const rows = await client.query<{ proname: string; provolatile: string }>(
      "SELECT proname, provolatile FROM pg_proc WHERE pronamespace = 'information_schema'::regnamespace",
    );
    expect(new Set(rows.rows.map((r) => r.proname))).toEqual(INFORMATION_SCHEMA_SAFE_FUNCTIONS);
    expect(rows.rows.every((r) => r.provolatile !== 'v')).toBe(true);
    for (const n of INFORMATION_SCHEMA_SAFE_FUNCTIONS) {
      expect(judgeFunction(['information_schema', n]).class, n).toBe('read');
      expect(judgeFunction([n]).class, n).toBe('write');
      expect(judgeFunction(['public', n]).class, n).toBe('write');
    }
  });

  it('holds VOLATILE functions only when deliberately listed as read-only', () => {
    const volatileOnList = [...BUILTIN_SAFE_FUNCTIONS].filter((n) => volatility.get(n)?.has('v'));
    expect(volatileOnList.sort()).toEqual([...VOLATILE_SAFE_FUNCTIONS].sort());
  });

  it('does not hold functions that write, assign transaction ids or run SQL given as text', () => {
    for (const n of [
      'nextval',
      'setval',
      'set_config',
      'txid_current',
      'pg_current_xact_id',
      'query_to_xml',
      'table_to_xml',
      'ts_rewrite',
      'ts_stat',
      'pg_notify',
      'lo_create',
      'lo_import',
      'pg_advisory_lock',
      'pg_terminate_backend',
      'pg_reload_conf',
      'pg_read_file',
      'pg_stat_reset',
      'pg_logical_slot_get_changes',
      'brin_summarize_new_values',
      'gin_clean_pending_list',
    ]) {
      expect(BUILTIN_SAFE_FUNCTIONS.has(n), n).toBe(false);
    }
  });

  it('is generous with common read-only built-ins', () => {
    for (const n of [
      'lower',
      'upper',
      'substring',
      'regexp_replace',
      'concat_ws',
      'format',
      'md5',
      'abs',
      'round',
      'now',
      'date_trunc',
      'to_char',
      'age',
      'jsonb_build_object',
      'jsonb_path_query',
      'json_agg',
      'array_agg',
      'unnest',
      'array_position',
      'count',
      'sum',
      'avg',
      'row_number',
      'rank',
      'lag',
    ]) {
      expect(BUILTIN_SAFE_FUNCTIONS.has(n), n).toBe(true);
    }
    expect(BUILTIN_SAFE_FUNCTIONS.size).toBeGreaterThan(2000);
  });

  it('every forbidden or writing function the rules name is a real function somewhere or an extension’s', () => {
    expect(judgeFunction(['pg_terminate_backend']).class).toBe('forbidden');
    expect(volatility.has('pg_terminate_backend')).toBe(true);
    expect(judgeFunction(['lo_get']).class).toBe('read');
    expect(judgeFunction(['app', 'lo_get']).class).toBe('write');
    for (const n of ['lo_put', 'lo_create', 'lo_creat', 'lo_unlink', 'lo_truncate', 'lowrite'])
      expect(judgeFunction([n]).class, n).toBe('write');
    expect(judgeFunction(['lo_import']).class).toBe('forbidden');
    expect(judgeFunction(['pg_export_snapshot']).class).toBe('read');
  });

  it('the operator list is exactly the server’s operator symbols', async () => {
    const rows = await client.query<{ oprname: string }>(
      'SELECT DISTINCT oprname FROM pg_operator',
    );
    expect(new Set(rows.rows.map((r) => r.oprname))).toEqual(BUILTIN_OPERATORS);
  });
});
