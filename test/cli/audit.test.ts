import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/cli/commands/audit.js';
import { openApprovals } from '../../src/approval/open-approvals.js';
import { silentLogger } from '../../src/util/log.js';
import { adminClient, createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { clearSluiceEnv, runCli } from '../admin/cli-harness.js';
import { newRequest } from '../approval/fixtures.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

let dir: string;

beforeAll(async () => {
  clearSluiceEnv();
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-audit-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A real history: one request approved and executed, one denied. Returns their ids. */
async function history(opts: { stateDir: string; controlUrl?: string }): Promise<[string, string]> {
  const a = await openApprovals({ ...opts, logger: silentLogger });
  await a.audit.append({
    type: 'proxy.started',
    actor: 'sluice',
    data: { listen: '127.0.0.1:6432' },
  });
  const h1 = await a.broker.hold(newRequest());
  await a.broker.approve(h1.request.id, { by: 'bob', source: 'local', reason: 'INC-1' });
  await h1.reportOutcome({ ok: true, commandTag: 'DELETE 1', rows: 1, durationMs: 4 });
  const h2 = await a.broker.hold(newRequest({ sql: 'UPDATE orders SET total = 0' }));
  await a.broker.deny(h2.request.id, 'carol', 'no WHERE');
  await a.close();
  return [h1.request.id, h2.request.id];
}

describe('sluice audit (JSONL file)', () => {
  it('lists, shows and verifies; verify fails naming the first tampered record', async () => {
    const stateDir = path.join(dir, 'state');
    const [approved, denied] = await history({ stateDir });
    const file = path.join(stateDir, 'audit.jsonl');

    const list = await runCli(run, ['list', '--state-dir', stateDir]);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(7);
    expect(list.stdout).toMatch(/request\.denied\s+carol\s+r_\w+\s+reason: no WHERE/);
    const json = JSON.parse(
      (await runCli(run, ['list', '--file', file, '--json', '--limit', '2'])).stdout,
    );
    expect(json.map((r: { seq: number }) => r.seq)).toEqual([6, 7]);
    const since = await runCli(run, ['list', '--file', file, '--since', '2999-01-01']);
    expect(since.stdout).toBe('no records\n');

    const show = await runCli(run, ['show', approved, '--file', file]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(
      /request\.created[\s\S]*request\.vote[\s\S]*request\.approved[\s\S]*request\.executed/,
    );
    expect((await runCli(run, ['show', '1', '--file', file])).stdout).toMatch(
      /^seq 1 .* proxy\.started/,
    );
    expect((await runCli(run, ['show', 'r_nothere00', '--file', file])).code).toBe(1);

    const ok = await runCli(run, ['verify', '--file', file]);
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^audit log OK: 7 records/),
    });

    // Rewrite the denial's reason.
    const lines = (await readFile(file, 'utf8')).split('\n');
    const i = lines.findIndex((l) => l.includes('"request.denied"'));
    lines[i] = lines[i]!.replace('no WHERE', 'looks fine');
    await writeFile(file, lines.join('\n'));
    const broken = await runCli(run, ['verify', '--file', file]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(
      new RegExp(`first broken record seq ${i + 1} at position ${i + 1}: line ${i + 1}: .*edited`),
    );
    expect(denied).toMatch(/^r_/);

    // The real binary, through the command dispatcher: the exit status is what CI sees.
    const spawned = await execFileP(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'audit',
      'verify',
      '--file',
      file,
    ]).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(spawned.code).toBe(1);
    expect(spawned.stdout).toMatch(/audit log BROKEN/);
  });

  it('a missing file and bad usage are reported', async () => {
    const missing = await runCli(run, ['verify', '--file', path.join(dir, 'none.jsonl')]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/no audit log at/) });
    expect((await runCli(run, [])).code).toBe(2);
    expect((await runCli(run, ['frobnicate'])).code).toBe(2);
    expect((await runCli(run, ['list', '--since', 'yesterday-ish', '--file', 'x'])).code).toBe(2);
    expect((await runCli(run, ['show'])).code).toBe(2);
  });
});

describe('sluice audit (control database)', () => {
  it('verifies sluice.audit and names the record after a deleted row', async () => {
    const db = await createTestDatabase('auditcli');
    const controlUrl = upstreamUrl(db);
    const [approved] = await history({ stateDir: path.join(dir, 'unused'), controlUrl });
    const ok = await runCli(run, ['verify', '--control-url', controlUrl]);
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^audit log OK: 7 records in postgres:\/\/postgres:\*\*\*@/),
    });
    const show = await runCli(run, ['show', approved, '--control-url', controlUrl, '--json']);
    expect(JSON.parse(show.stdout)).toHaveLength(4);

    const admin = await adminClient(db);
    try {
      await admin.query('SET session_replication_role = replica');
      await admin.query(`DELETE FROM sluice.audit WHERE seq = 4`);
    } finally {
      await admin.end();
    }
    const broken = await runCli(run, ['verify', '--control-url', controlUrl]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(
      /first broken record seq 5 at position 4: seq 5 follows seq 3: record\(s\) 4\.\.4 are missing/,
    );
    const asJson = await runCli(run, ['verify', '--json', '--control-url', controlUrl]);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, broken: { seq: 5 } });
  });
});
