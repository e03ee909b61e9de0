import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/approve.js';
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

describe('sluice approve', () => {
  it('releases the statement once, recording the approver and reason', async () => {
    const h = await ch.broker.hold(newRequest());
    const r = await runCli(run, [h.request.id, '--reason', 'INC-7', '--as', 'bob', ...conn()]);
    expect(r).toMatchObject({
      code: 0,
      stdout: `${h.request.id} approved by bob: the statement is released\n`,
    });
    expect(await h.verdict).toEqual({ kind: 'approved', by: ['bob'], reason: 'INC-7' });
    expect(
      ch.audit.records.filter((x) => x.requestId === h.request.id).map((x) => [x.type, x.actor]),
    ).toEqual([
      ['request.created', 'alice'],
      ['request.vote', 'bob'],
      ['request.approved', 'bob'],
    ]);

    const again = await runCli(run, [h.request.id, '--as', 'carol', ...conn()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is approved, not pending/);
  });

  it('records a vote that does not yet meet the tier and says what is missing', async () => {
    const h = await ch.broker.hold(newRequest({ tier: { approvals: 2 } }));
    const r = await runCli(run, [h.request.id, '--as', 'bob', ...conn()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/approval by bob recorded; still needs 1 more approval \(1 of 2\)/);
    await h.cancel('done');
  });

  it('refuses self-approval and a different statement hash', async () => {
    const h = await ch.broker.hold(newRequest());
    const self = await runCli(run, [h.request.id, '--as', 'alice', ...conn()]);
    expect(self).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/does not allow self-approval/),
    });
    const hash = await runCli(run, [
      h.request.id,
      '--as',
      'bob',
      '--hash',
      'B'.repeat(64),
      ...conn(),
    ]);
    expect(hash).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/approval is for statement b{12}/),
    });
    const ok = await runCli(run, [
      h.request.id,
      '--as',
      'bob',
      '--hash',
      h.request.bindingHash,
      ...conn(),
    ]);
    expect(ok.code).toBe(0);
    expect(await h.verdict).toMatchObject({ kind: 'approved' });
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(run, conn())).code).toBe(2);
    expect((await runCli(run, ['a', 'b', ...conn()])).code).toBe(2);
    expect((await runCli(run, ['--help'])).code).toBe(0);
  });
});
