// Prepared statement names through the proxy: an unknown name is never a read, and a
// name the server refused to redefine still runs its first statement (fail closed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorFields, type RawClient } from '../helpers/raw-client.js';
import {
  codes,
  gatingFixture,
  msg,
  readUntil,
  silentFor,
  type GatingFixture,
} from './gating-fixtures.js';

let fx: GatingFixture;

beforeAll(async () => {
  fx = await gatingFixture('names');
});
afterAll(() => fx.close());

/** Runs `send` on a raw client and checks the Execute was held (or refused), never run. */
async function expectNotARead(c: RawClient, send: () => void): Promise<void> {
  send();
  const req = await fx.maybeNext(5000);
  if (req) {
    expect(req.classification.class).not.toBe('read');
    // Held: nothing reached the table; deny it and get the refusal.
    expect(await fx.count()).toBe(10);
    await fx.deny(req.id, 'unknown statement');
  }
  const answer = await c.untilReady();
  const err = answer.find((m) => m.code === 'E');
  expect(err, `got ${codes(answer).join(',')}`).toBeDefined();
  expect(answer.some((m) => m.code === 'C')).toBe(false);
  expect(await fx.count()).toBe(10);
}

describe('unknown prepared statements', () => {
  it('EXECUTE of a name never PREPAREd is held, not passed as a read', async () => {
    await fx.reset();
    const c = await fx.client();
    const pending = c.query('EXECUTE never_prepared');
    pending.catch(() => {});
    const req = await fx.next();
    expect(req.classification.class).not.toBe('read');
    await fx.deny(req.id, 'unknown');
    await expect(pending).rejects.toMatchObject({ code: '42501' });
    expect((await c.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    await c.end();
  });

  it('Bind/Execute of a statement never Parsed is held, not passed as a read', async () => {
    await fx.reset();
    const c = await fx.raw();
    await expectNotARead(c, () =>
      c.write(Buffer.concat([msg.bind('', 'never_parsed'), msg.execute(''), msg.sync()])),
    );
    // The connection still works.
    c.write(msg.query('SELECT 1'));
    expect(codes(await c.untilReady())).toEqual(['T', 'D', 'C', 'Z']);
    c.end();
  });

  it('a PREPARE run through Parse/Bind/Execute is tracked: its EXECUTE is held', async () => {
    await fx.reset();
    const c = await fx.client();
    // PREPARE of a write is itself reviewed (it changes nothing in the database yet).
    const prep = c.query({
      name: 'prep_via_portal',
      text: 'PREPARE via_portal AS DELETE FROM items',
    });
    await fx.approve((await fx.next()).id);
    await prep;
    expect(await fx.count()).toBe(10);
    const pending = c.query('EXECUTE via_portal');
    pending.catch(() => {});
    const req = await fx.next();
    expect(req.classification.class).toBe('write');
    await fx.deny(req.id);
    await expect(pending).rejects.toMatchObject({ code: '42501' });
    expect(await fx.count()).toBe(10);
    await c.end();
  });
});

describe('redefining a name the server keeps', () => {
  it('Parse s1 = DELETE, Sync, Parse s1 = SELECT (rejected), Sync: Execute s1 is not a read', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(Buffer.concat([msg.parse('s1', 'DELETE FROM items WHERE id <= 5'), msg.sync()]));
    expect(codes(await c.untilReady())).toEqual(['1', 'Z']);
    c.write(Buffer.concat([msg.parse('s1', 'SELECT 1'), msg.sync()]));
    const second = await c.untilReady();
    expect(codes(second)).toEqual(['E', 'Z']);
    expect(errorFields(second[0]!.body).C).toBe('42P05'); // prepared statement "s1" already exists
    await expectNotARead(c, () =>
      c.write(Buffer.concat([msg.bind('', 's1'), msg.execute(''), msg.sync()])),
    );
    c.end();
  });

  it('both Parses in one batch: Execute s1 in the next batch is not a read', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(
      Buffer.concat([
        msg.parse('s2', 'DELETE FROM items WHERE id <= 5'),
        msg.parse('s2', 'SELECT 1'),
        msg.sync(),
      ]),
    );
    const first = await c.untilReady();
    expect(codes(first)).toEqual(['1', 'E', 'Z']);
    await expectNotARead(c, () =>
      c.write(Buffer.concat([msg.bind('', 's2'), msg.execute(''), msg.sync()])),
    );
    c.end();
  });

  it('PREPARE s1 AS DELETE; PREPARE s1 AS SELECT 1 (fails); EXECUTE s1 is held (psql-style simple queries)', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(msg.query('PREPARE p1 AS DELETE FROM items WHERE id <= 5'));
    await fx.approve((await fx.next()).id);
    expect(codes(await c.untilReady()).filter((x) => x !== 'N')).toEqual(['C', 'Z']);
    c.write(msg.query('PREPARE p1 AS SELECT 1'));
    expect(codes(await c.untilReady())).toEqual(['E', 'Z']);
    await expectNotARead(c, () => c.write(msg.query('EXECUTE p1')));
    c.end();
  });

  it('the same after the session used the extended protocol (node-postgres)', async () => {
    await fx.reset();
    const c = await fx.client();
    // A parameterised query first: the session has now seen Parse/Bind/Execute/Sync.
    expect((await c.query('SELECT $1::int AS n', [1])).rows[0].n).toBe(1);
    const prep = c.query('PREPARE p2 AS DELETE FROM items WHERE id <= 5');
    await fx.approve((await fx.next()).id);
    await prep;
    await expect(c.query('PREPARE p2 AS SELECT 1')).rejects.toMatchObject({ code: '42P05' });
    const pending = c.query('EXECUTE p2');
    pending.catch(() => {});
    const req = await fx.maybeNext(5000);
    expect(req, 'EXECUTE p2 was passed without a request').toBeDefined();
    expect(await fx.count()).toBe(10);
    await fx.deny(req!.id);
    await expect(pending).rejects.toMatchObject({ code: '42501' });
    expect(await fx.count()).toBe(10);
    await c.end();
  });

  it('both PREPAREs in one Query: EXECUTE in the next Query is held', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(msg.query('PREPARE p3 AS DELETE FROM items WHERE id <= 5; PREPARE p3 AS SELECT 1'));
    await fx.approve((await fx.next()).id);
    expect(codes(await c.untilReady()).filter((x) => x !== 'N')).toEqual(['C', 'E', 'Z']);
    await expectNotARead(c, () => c.write(msg.query('EXECUTE p3')));
    // Nothing arrives late.
    expect(await silentFor(c, 200)).toEqual([]);
    c.end();
  });

  it('a Close and re-Parse the server skipped after an error in their batch change nothing', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(Buffer.concat([msg.parse('s5', 'DELETE FROM items WHERE id <= 5'), msg.sync()]));
    expect(codes(await c.untilReady())).toEqual(['1', 'Z']);
    // The first Parse fails, so the server skips the Close and the new Parse until Sync.
    c.write(
      Buffer.concat([
        msg.parse('', 'SELECT * FROM no_such_table'),
        serializeClose('s5'),
        msg.parse('s5', 'SELECT 1'),
        msg.sync(),
      ]),
    );
    expect(codes(await c.untilReady())).toEqual(['E', 'Z']);
    await expectNotARead(c, () =>
      c.write(Buffer.concat([msg.bind('', 's5'), msg.execute(''), msg.sync()])),
    );
    c.end();
  });

  it('Close then re-Parse in one batch really replaces the statement (a read stays a read)', async () => {
    await fx.reset();
    const c = await fx.raw();
    c.write(Buffer.concat([msg.parse('s4', 'DELETE FROM items WHERE id <= 5'), msg.sync()]));
    await c.untilReady();
    c.write(
      Buffer.concat([
        serializeClose('s4'),
        msg.parse('s4', 'SELECT count(*) FROM items'),
        msg.sync(),
      ]),
    );
    expect(codes(await c.untilReady())).toEqual(['3', '1', 'Z']);
    c.write(Buffer.concat([msg.bind('', 's4'), msg.execute(''), msg.sync()]));
    const r = await readUntil(c, 'Z');
    expect(codes(r)).toEqual(['2', 'D', 'C', 'Z']);
    expect(await fx.count()).toBe(10);
    c.end();
  });
});

function serializeClose(name: string): Buffer {
  const body = Buffer.from(`S${name}\0`, 'utf8');
  const out = Buffer.alloc(5 + body.length);
  out[0] = 0x43; // 'C'
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}
