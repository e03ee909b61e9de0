// The side-effect-free allowlist, checked against the real server's catalog: every name
// exists in pg_catalog, every name is IMMUTABLE/STABLE in all its overloads unless it is
// one of the deliberately listed VOLATILE read-only built-ins, and no known writer or
// forbidden function slipped in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import {
  BUILTIN_SAFE_FUNCTIONS,
  VOLATILE_SAFE_FUNCTIONS,
} from '../../src/sql/builtin-functions.js';
import { BUILTIN_OPERATORS } from '../../src/sql/builtin-operators.js';
import { judgeFunction } from '../../src/sql/function-rules.js';
import { adminClient } from '../helpers/pg.js';

let client: pg.Client;
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
  it('names only functions that exist in pg_catalog', () => {
    const missing = [...BUILTIN_SAFE_FUNCTIONS].filter((n) => !volatility.has(n));
    expect(missing).toEqual([]);
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
    expect(judgeFunction(['lo_get']).class).toBe('write');
  });

  it('the operator list is exactly the server’s operator symbols', async () => {
    const rows = await client.query<{ oprname: string }>(
      'SELECT DISTINCT oprname FROM pg_operator',
    );
    expect(new Set(rows.rows.map((r) => r.oprname))).toEqual(BUILTIN_OPERATORS);
  });
});
