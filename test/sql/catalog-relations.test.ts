// The catalog relation list is exactly the live server's pg_catalog tables and views.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { CATALOG_RELATIONS } from '../../src/sql/catalog-relations.js';
import { adminClient } from '../helpers/pg.js';

let client: pg.Client;
beforeAll(async () => {
  client = await adminClient();
});
afterAll(() => client.end());

it('names every table and view in pg_catalog, and nothing else', async () => {
  const rows = await client.query<{ relname: string }>(
    "SELECT relname FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace AND relkind IN ('r', 'v', 'm', 'p', 'f')",
  );
  expect(new Set(rows.rows.map((r) => r.relname))).toEqual(CATALOG_RELATIONS);
});
