// A Query that repeats a recent statement with other constants is judged on its bytes
// (session-classifier's repeatedQuery): the shortcut must still answer to the policy in
// force and to the server's settings, never only to what was decided before.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatingFixture, type GatingFixture } from './gating-fixtures.js';

const READS_FREE = `version: 1
rules:
  - name: reads
    match: { class: read }
    action: allow
`;

const ITEMS_READS_REVIEWED = `version: 1
rules:
  - name: items-reads
    match: { class: read, any_table: public.items }
    action: review
  - name: reads
    match: { class: read }
    action: allow
`;

let fx: GatingFixture;

beforeAll(async () => {
  fx = await gatingFixture('repeat', { 'reads.yml': READS_FREE });
  await fx.reset();
});
afterAll(() => fx.close());

const select = (id: number) => `SELECT v FROM items WHERE id = ${id}`;

async function reload(text: string): Promise<void> {
  writeFileSync(fx.g.policy.status().files[0]!, text);
  const r = await fx.g.policy.reload();
  expect(r.ok).toBe(true);
}

describe('repeated statements', () => {
  it('a policy reload applies to the very next repeat on an open connection', async () => {
    const c = await fx.client();
    try {
      for (const id of [1, 2, 3, 4])
        expect((await c.query(select(id))).rows).toEqual([{ v: `v${id}` }]);
      await reload(ITEMS_READS_REVIEWED);
      const refused = expect(c.query(select(5))).rejects.toMatchObject({ code: '42501' });
      const req = await fx.next();
      expect(req.sql).toBe(select(5));
      await fx.deny(req.id);
      await refused;
      await reload(READS_FREE);
      expect((await c.query(select(6))).rows).toEqual([{ v: 'v6' }]);
    } finally {
      await reload(READS_FREE);
      await c.end();
    }
  });

  it('a server setting that makes the parser misread text stops repeats too', async () => {
    // Sluice refuses to turn the setting off, but a database default can, and ROLLBACK
    // restores the default: the server reports it with a ParameterStatus mid-session.
    await fx.admin.query(`ALTER DATABASE ${fx.db} SET standard_conforming_strings = off`);
    const c = await fx.client();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL standard_conforming_strings = on');
      for (const id of [1, 2, 3])
        expect((await c.query(select(id))).rows).toEqual([{ v: `v${id}` }]);
      // Through the extended protocol, so that no other simple Query comes in between.
      await c.query({ name: 'rollback', text: 'ROLLBACK' });
      await expect(c.query(select(4))).rejects.toMatchObject({
        code: '42501',
        message: expect.stringMatching(/standard_conforming_strings/),
      });
      await c.query('SET standard_conforming_strings = on');
      expect((await c.query(select(7))).rows).toEqual([{ v: 'v7' }]);
    } finally {
      await c.end();
      await fx.admin.query(`ALTER DATABASE ${fx.db} RESET standard_conforming_strings`);
    }
  });
});
