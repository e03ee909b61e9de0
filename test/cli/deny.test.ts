import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/deny.js';
import { clearSluiceEnv, runCli } from '../admin/cli-harness.js';
import { startLocalChannel, TOKEN, type LocalChannel } from '../admin/local-channel.js';
import { newRequest } from '../approval/fixtures.js';

let ch: LocalChannel;
const conn = () => ['--url', ch.url, '--token', TOKEN];

beforeAll(async () => {
  clearSluiceEnv();
  ch = await startLocalChannel();
});
afterAll(async () => {
  await ch.close();
});

describe('sluice deny', () => {
  it('needs a reason (exit 2) and then denies, recording who and why', async () => {
    const h = await ch.broker.hold(newRequest());
    const noReason = await runCli(run, [h.request.id, ...conn()]);
    expect(noReason).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--reason is required/),
    });
    expect((await ch.broker.get(h.request.id))?.status).toBe('pending');

    const r = await runCli(run, [
      h.request.id,
      '--reason',
      'not in a freeze',
      '--as',
      'carol',
      ...conn(),
    ]);
    expect(r).toMatchObject({ code: 0, stdout: `${h.request.id} denied by carol\n` });
    expect(await h.verdict).toEqual({ kind: 'denied', by: 'carol', reason: 'not in a freeze' });
    expect(ch.audit.records.at(-1)).toMatchObject({
      type: 'request.denied',
      actor: 'carol',
      data: { reason: 'not in a freeze' },
    });

    const again = await runCli(run, [h.request.id, '--reason', 'twice', ...conn()]);
    expect(again).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/is denied, not pending/),
    });
  });

  it('an unknown id exits 1', async () => {
    const r = await runCli(run, ['r_nothere00', '--reason', 'x', ...conn()]);
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/no request r_nothere00/) });
  });
});
