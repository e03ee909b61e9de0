import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, appendFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileAuditLog } from '../../src/audit/file-audit-log.js';
import { sealRecord } from '../../src/audit/audit-chain.js';
import { appendSample, expectBrokenAt } from './tamper.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-audit-'));
  file = path.join(dir, 'state', 'audit.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
}

describe('FileAuditLog', () => {
  it('appends chained records, continues the chain after reopening, lists and gets', async () => {
    const log = await FileAuditLog.open(file);
    await appendSample(log, 3);
    await log.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const again = await FileAuditLog.open(file);
    const r4 = await again.append({ type: 'proxy.stopped', actor: 'sluice' });
    expect(r4.seq).toBe(4);
    expect(await again.verify()).toEqual({ ok: true, count: 4, head: { seq: 4, hash: r4.hash } });
    expect((await again.list({ requestId: 'r_2' })).map((r) => r.seq)).toEqual([2]);
    expect((await again.list({ limit: 2 })).map((r) => r.seq)).toEqual([3, 4]);
    expect((await again.list({ since: new Date(Date.now() + 60_000) })).length).toBe(0);
    expect((await again.get(3))?.actor).toBe('user3');
    expect(await again.get(99)).toBeUndefined();
    await again.close();
  });

  it('keeps order under concurrent appends', async () => {
    const log = await FileAuditLog.open(file, { sync: false });
    const records = await Promise.all(
      Array.from({ length: 200 }, (_, i) => log.append({ type: 'request.vote', actor: `u${i}` })),
    );
    expect(records.map((r) => r.actor)).toEqual(Array.from({ length: 200 }, (_, i) => `u${i}`));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await log.verify()).ok).toBe(true);
    await log.close();
  });

  it('verify names an edited record', async () => {
    const log = await FileAuditLog.open(file);
    await appendSample(log, 5);
    await log.close();
    const ls = await lines();
    ls[2] = ls[2]!.replace('because 3', 'because 4');
    await writeFile(file, ls.join('\n') + '\n');
    await expectBrokenAt(await FileAuditLog.open(file, { readOnly: true }), 3, /line 3: .*edited/);
  });

  it('verify names the record after a deleted one, and catches reordering', async () => {
    const log = await FileAuditLog.open(file);
    await appendSample(log, 5);
    await log.close();
    const ls = await lines();
    await writeFile(file, [ls[0], ls[1], ls[3], ls[4]].join('\n') + '\n');
    await expectBrokenAt(
      await FileAuditLog.open(file, { readOnly: true }),
      4,
      /record\(s\) 3\.\.3 are missing/,
      2,
    );

    await writeFile(file, [ls[0], ls[2], ls[1], ls[3], ls[4]].join('\n') + '\n');
    await expectBrokenAt(await FileAuditLog.open(file, { readOnly: true }), 3, /missing/, 1);
  });

  it('verify catches a rewritten record whose own hash was recomputed', async () => {
    const log = await FileAuditLog.open(file);
    await appendSample(log, 3);
    await log.close();
    const ls = await lines();
    // Replace record 2 by a well-formed record with a valid hash of its own, chained to
    // something else: its prev_hash gives it away.
    const forged = sealRecord(
      { seq: 1, hash: 'a'.repeat(64) },
      { type: 'request.vote', actor: 'mallory' },
      new Date(),
    );
    await writeFile(file, [ls[0], JSON.stringify(forged), ls[2]].join('\n') + '\n');
    await expectBrokenAt(await FileAuditLog.open(file, { readOnly: true }), 2, /prev_hash/);
  });

  it('verify reports an unreadable line and a torn last write', async () => {
    const log = await FileAuditLog.open(file);
    await appendSample(log, 2);
    await log.close();
    await appendFile(file, '{"seq": 3, "ts"');
    const torn = await (await FileAuditLog.open(file, { readOnly: true })).verify();
    expect(torn).toMatchObject({ ok: false, count: 2, broken: { position: 3 } });

    const ls = await lines();
    await writeFile(file, [ls[0], 'garbage', ls[1]].join('\n') + '\n');
    const bad = await (await FileAuditLog.open(file, { readOnly: true })).verify();
    expect(bad).toMatchObject({ ok: false, count: 1, broken: { position: 2, seq: null } });
    if (!bad.ok) expect(bad.broken.reason).toMatch(/line 2 is not valid JSON/);
  });

  it('read-only: refuses to append, and a missing file is an error', async () => {
    await expect(FileAuditLog.open(file, { readOnly: true })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const log = await FileAuditLog.open(file);
    await log.close();
    const ro = await FileAuditLog.open(file, { readOnly: true });
    await expect(ro.append({ type: 'proxy.started', actor: 'x' })).rejects.toThrow(/read-only/);
    expect(await ro.verify()).toEqual({ ok: true, count: 0, head: null });
  });
});
