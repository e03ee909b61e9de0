// The same contract run against the PostgreSQL store (real server) and the file store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { ensureControlSchema } from '../../src/audit/control-schema.js';
import { PgRequestStore } from '../../src/approval/pg-request-store.js';
import { FileRequestStore } from '../../src/approval/file-request-store.js';
import type { RequestStore } from '../../src/approval/request-store.js';
import type { ApprovalRequest } from '../../src/approval/types.js';
import { newRequest } from './fixtures.js';

let pool: pg.Pool;
let dir: string;

beforeAll(async () => {
  const db = await createTestDatabase('reqstore');
  pool = new pg.Pool({ connectionString: upstreamUrl(db), max: 2 });
  await ensureControlSchema(pool);
  await ensureControlSchema(pool); // idempotent
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-req-'));
});
afterAll(async () => {
  await pool.end();
  await rm(dir, { recursive: true, force: true });
});

function request(
  id: string,
  createdAt: string,
  over: Partial<ApprovalRequest> = {},
): ApprovalRequest {
  return {
    ...newRequest({
      params: [{ index: 1, format: 'text', value: 'a\u0000b \ud800 x', redacted: false }],
    }),
    id,
    status: 'pending',
    createdAt,
    expiresAt: '2100-01-01T00:00:00.000Z',
    approvals: [],
    ...over,
  };
}

async function contract(store: RequestStore): Promise<void> {
  const a = request('r_aaaaaaaaaa', '2030-01-01T00:00:00.000Z');
  const b = request('r_bbbbbbbbbb', '2030-01-01T00:00:01.000Z');
  await store.insert(a);
  await store.insert(b);
  await expect(store.insert(a)).rejects.toThrow();
  // Any parameter text survives, even what PostgreSQL's jsonb would refuse.
  expect(await store.get(a.id)).toEqual(a);
  expect((await store.list()).map((r) => r.id)).toEqual([b.id, a.id]);
  expect((await store.list({ limit: 1 })).map((r) => r.id)).toEqual([b.id]);
  const denied: ApprovalRequest = {
    ...a,
    status: 'denied',
    resolution: { status: 'denied', by: 'carol', reason: 'no', at: a.createdAt },
  };
  await store.update(denied);
  expect(await store.get(a.id)).toEqual(denied);
  expect((await store.list({ status: 'pending' })).map((r) => r.id)).toEqual([b.id]);
  expect((await store.list({ status: 'denied' })).map((r) => r.id)).toEqual([a.id]);
  await expect(store.update(request('r_cccccccccc', a.createdAt))).rejects.toThrow(
    /does not exist/,
  );
  expect(await store.get('r_nope')).toBeUndefined();
}

describe('request stores', () => {
  it('PostgreSQL store (sluice.requests)', async () => {
    await contract(new PgRequestStore(pool));
  });

  it('file store, surviving a reopen and a torn last line', async () => {
    const file = path.join(dir, 'requests.jsonl');
    const store = await FileRequestStore.open(file);
    await contract(store);
    await store.close();
    await appendFile(file, '{"id":"r_torn');
    const reopened = await FileRequestStore.open(file);
    expect((await reopened.get('r_aaaaaaaaaa'))?.status).toBe('denied');
    expect((await reopened.list()).map((r) => r.id)).toEqual(['r_bbbbbbbbbb', 'r_aaaaaaaaaa']);
    await reopened.close();
    // Compacted to one line per request.
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);
  });
});
