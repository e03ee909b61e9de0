import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/cli/commands/requests.js';
import { adminTokenPath, readAdminToken, writeAdminToken } from '../../src/admin/admin-token.js';
import { clearSluiceEnv, runCli } from '../admin/cli-harness.js';
import { startLocalChannel, TOKEN, type LocalChannel } from '../admin/local-channel.js';
import { newRequest } from '../approval/fixtures.js';
import { freePort } from '../../src/util/free-port.js';

let ch: LocalChannel;
let dir: string;

beforeAll(async () => {
  clearSluiceEnv();
  ch = await startLocalChannel();
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-cli-'));
});
afterAll(async () => {
  await ch.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice requests', () => {
  it('lists pending requests as a table and as JSON, and shows one in full', async () => {
    const h = await ch.broker.hold(newRequest({ sql: 'DELETE FROM orders\n  WHERE id = 42' }));
    const table = await runCli(run, ['--url', ch.url, '--token', TOKEN]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+AGE\s+EXPIRES\s+WHO\s+RULE\s+SQL$/m);
    expect(table.stdout).toContain(`${h.request.id}  pending`);
    expect(table.stdout).toContain('alice as app_writer@app');
    expect(table.stdout).toContain('DELETE FROM orders WHERE id = 42');
    expect(table.stdout).toContain('sluice approve <ID>');

    const json = await runCli(run, ['--url', ch.url, '--token', TOKEN, '--json']);
    expect(JSON.parse(json.stdout).map((r: { id: string }) => r.id)).toContain(h.request.id);

    const one = await runCli(run, [h.request.id, '--url', ch.url, '--token', TOKEN]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`binding hash: ${h.request.bindingHash}`);
    expect(one.stdout).toContain('still needs:');
    expect(one.stdout).toContain('requests/app/public/orders/ (@acme/dba)');
    await h.cancel('done');

    const cancelled = await runCli(run, [
      '--url',
      ch.url,
      '--token',
      TOKEN,
      '--status',
      'cancelled',
    ]);
    expect(cancelled.stdout).toContain(`${h.request.id}  cancelled`);
  });

  it('finds the token in the state folder, and explains when there is none', async () => {
    const stateDir = path.join(dir, '.sluice');
    const none = await runCli(run, ['--url', ch.url, '--state-dir', stateDir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no admin token/);
    const file = await writeAdminToken(stateDir, TOKEN);
    expect(file).toBe(adminTokenPath(stateDir));
    expect(await readAdminToken(stateDir)).toBe(TOKEN);
    const ok = await runCli(run, ['--url', ch.url, '--state-dir', stateDir]);
    expect(ok.code).toBe(0);
  });

  it('reports bad tokens, bad options, unknown ids and an unreachable API', async () => {
    const bad = await runCli(run, ['--url', ch.url, '--token', 'wrong-token-wrong-token']);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/wrong admin token/) });
    expect((await runCli(run, ['--url', ch.url, '--token', TOKEN, '--status', 'maybe'])).code).toBe(
      2,
    );
    expect((await runCli(run, ['--url', ch.url, '--token', TOKEN, '--bogus'])).code).toBe(2);
    const missing = await runCli(run, ['r_nothere00', '--url', ch.url, '--token', TOKEN]);
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no request r_nothere00/),
    });
    const down = await runCli(run, [
      '--url',
      `http://127.0.0.1:${await freePort()}`,
      '--token',
      TOKEN,
    ]);
    expect(down).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot reach the Sluice admin API.*is the proxy running/),
    });
  });
});
