// The built-in names the catalog never lowers a call of, checked against the live server:
// every built-in the static rules hold only for being off the allowlist is listed, so a
// user function sharing its name cannot make a call of the built-in pass.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { UNLISTED_BUILTIN_FUNCTIONS } from '../../src/sql/catalog-builtin-names.js';
import { judgeFunction } from '../../src/sql/function-rules.js';
import { adminClient } from '../helpers/pg.js';

let client: pg.Client;
beforeAll(async () => {
  client = await adminClient();
});
afterAll(() => client.end());

it('lists every built-in function the static rules hold only for being off the allowlist', async () => {
  const r = await client.query<{ proname: string }>(
    `SELECT DISTINCT proname FROM pg_proc
      WHERE pronamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
  );
  const unlisted = r.rows.map((x) => x.proname).filter((n) => judgeFunction([n]).unlisted);
  expect(unlisted.length).toBeGreaterThan(50);
  expect(unlisted.filter((n) => !UNLISTED_BUILTIN_FUNCTIONS.has(n))).toEqual([]);
});
