import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { adminClient, createTestDatabase, pgInfo, upstreamUrl } from '../helpers/pg.js';
import { openAuditLog, type OpenedAuditLog } from '../../src/audit/open-audit-log.js';
import { PgAuditLog } from '../../src/audit/pg-audit-log.js';
import { appendSample, expectBrokenAt } from './tamper.js';

let db: string;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('audit');
  admin = await adminClient(db);
});
afterAll(async () => {
  await admin.end();
});

async function fresh(): Promise<OpenedAuditLog> {
  await admin.query('DROP SCHEMA IF EXISTS sluice CASCADE');
  return openAuditLog({ controlUrl: upstreamUrl(db), file: '/nonexistent/never-used.jsonl' });
}

async function tamper(sql: string): Promise<void> {
  // A determined superuser gets past the append-only triggers; the chain still tells.
  await admin.query('SET session_replication_role = replica');
  try {
    await admin.query(sql);
  } finally {
    await admin.query('SET session_replication_role = DEFAULT');
  }
}

describe('PgAuditLog (sluice.audit in the control database)', () => {
  it('creates the schema idempotently, appends, lists, gets and verifies', async () => {
    const { audit, close } = await fresh();
    expect(audit.kind).toBe('postgres');
    expect(audit.location).not.toContain(pgInfo().password);
    await appendSample(audit, 4);
    const again = await openAuditLog({ controlUrl: upstreamUrl(db), file: 'unused' });
    const r5 = await again.audit.append({
      type: 'policy.reloaded',
      actor: 'sluice',
      data: { files: ['a.yml'], ünïcode: 'ß\u2028' },
    });
    expect(r5.seq).toBe(5);
    await again.close();
    expect(await audit.get(5)).toEqual(r5);
    expect((await audit.list({ requestId: 'r_3' })).map((r) => r.seq)).toEqual([3]);
    expect((await audit.list({ limit: 2 })).map((r) => r.seq)).toEqual([4, 5]);
    expect((await audit.list({ since: new Date(Date.parse(r5.ts)) })).map((r) => r.seq)).toContain(
      5,
    );
    expect(await audit.verify()).toEqual({ ok: true, count: 5, head: { seq: 5, hash: r5.hash } });
    await close();
  });

  it('keeps one unbroken chain when two processes append at once', async () => {
    await (await fresh()).close();
    const pools = [
      new pg.Pool({ connectionString: upstreamUrl(db), max: 3 }),
      new pg.Pool({ connectionString: upstreamUrl(db), max: 3 }),
    ];
    const logs = pools.map((p, i) => new PgAuditLog(p, `pool${i}`));
    // One append at a time per process, both processes at once: every transaction races
    // the other process's for the chain head.
    await Promise.all(
      logs.map(async (log, i) => {
        for (let j = 0; j < 60; j++)
          await log.append({ type: 'request.vote', actor: `p${i}-${j}` });
      }),
    );
    const result = await logs[0]!.verify();
    expect(result).toMatchObject({ ok: true, count: 120 });
    await Promise.all(pools.map((p) => p.end()));
  });

  it('refuses ordinary UPDATE, DELETE and TRUNCATE of the audit table', async () => {
    const { audit, close } = await fresh();
    await appendSample(audit, 2);
    await expect(
      admin.query(`UPDATE sluice.audit SET actor = 'x' WHERE seq = 1`),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(admin.query(`DELETE FROM sluice.audit WHERE seq = 1`)).rejects.toMatchObject({
      code: '42501',
    });
    await expect(admin.query(`TRUNCATE sluice.audit`)).rejects.toMatchObject({ code: '42501' });
    expect((await audit.verify()).ok).toBe(true);
    await close();
  });

  it('verify names a record edited with UPDATE', async () => {
    const { audit, close } = await fresh();
    await appendSample(audit, 5);
    await tamper(
      `UPDATE sluice.audit SET data = replace(data, 'because 3', 'because 9') WHERE seq = 3`,
    );
    await expectBrokenAt(audit, 3, /edited/);
    await close();
  });

  it('verify names a record whose timestamp was changed', async () => {
    const { audit, close } = await fresh();
    await appendSample(audit, 3);
    await tamper(`UPDATE sluice.audit SET ts = ts + interval '1 hour' WHERE seq = 2`);
    await expectBrokenAt(audit, 2, /edited/);
    await close();
  });

  it('verify names the record after one removed with DELETE', async () => {
    const { audit, close } = await fresh();
    await appendSample(audit, 5);
    await tamper(`DELETE FROM sluice.audit WHERE seq = 2`);
    await expectBrokenAt(audit, 3, /record\(s\) 2\.\.2 are missing/, 1);
    await close();
  });

  it('verify catches renumbered rows (a deletion hidden by shifting seq)', async () => {
    const { audit, close } = await fresh();
    await appendSample(audit, 4);
    await tamper(`DELETE FROM sluice.audit WHERE seq = 2`);
    await tamper(`UPDATE sluice.audit SET seq = seq - 1 WHERE seq > 2`);
    await expectBrokenAt(audit, 2, /prev_hash|edited/);
    await close();
  });

  it('read-only open needs an existing table', async () => {
    await admin.query('DROP SCHEMA IF EXISTS sluice CASCADE');
    await expect(
      openAuditLog({ controlUrl: upstreamUrl(db), file: 'unused', readOnly: true }),
    ).rejects.toThrow(/no sluice.audit table/);
  });
});
