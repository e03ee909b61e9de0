// After a restart, a request whose connection is gone has its PR closed as "session ended";
// Slack hears about the request and its outcome; GHE_HOST routes every call to the
// Enterprise server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import type { ApprovalRequest } from '../../src/approval/types.js';
import {
  Bodies,
  gitHubDoneWith,
  hold,
  startHarness,
  startNock,
  stopNock,
  verdictWithin,
  type Harness,
} from './harness.js';
import { github, nockAppAuth, nockComment, nockOpenPr } from './github-nocks.js';
import { appEnv, newRequest, OWNER, PR_NUMBER, REPO } from './fixtures.js';

const ID = 'r_aaaaaaaaaa';
const FILE = `requests/app/public/orders/${ID}.sql`;

let h: Harness | undefined;
beforeEach(() => startNock());
afterEach(async () => {
  await h?.close();
  h = undefined;
  stopNock();
});

describe('restart', () => {
  it('closes the PR of a request left pending by the previous process as "session ended"', async () => {
    const store = new MemoryRequestStore();
    const now = new Date();
    const left: ApprovalRequest = {
      ...newRequest(),
      id: 'r_leftbehind',
      status: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 60_000).toISOString(),
      approvals: [],
      external: {
        channel: 'pull_request',
        owner: OWNER,
        repo: REPO,
        number: 9,
        url: 'u',
        branch: 'sluice/r_leftbehind',
        headSha: 'a'.repeat(40),
      },
    };
    await store.insert(left);
    const api = github();
    nockAppAuth(api);
    const comment = nockComment(api, 9);
    const update = new Bodies();
    api.patch(`/repos/${OWNER}/${REPO}/pulls/9`, update.match).reply(200, {});
    api.delete(`/repos/${OWNER}/${REPO}/git/refs/heads%2Fsluice%2Fr_leftbehind`).reply(204);
    h = await startHarness({ store, recover: true });
    await h.gh.idle();
    expect(comment.only.body).toBe('Cancelled: session ended. Nothing was executed.');
    expect(update.only.state).toBe('closed');
    expect(await h.broker.get('r_leftbehind')).toMatchObject({
      status: 'cancelled',
      external: { done: 1 },
    });
  });
});

describe('Slack', () => {
  it('posts the request with its link, then the outcome', async () => {
    const hook = 'https://hooks.slack.com/services/T000/B000/secret';
    h = await startHarness({ settings: { slackWebhookFor: () => hook } });
    const api = github();
    nockAppAuth(api);
    nockOpenPr(api, ID, [FILE]);
    const slack = new Bodies();
    nock('https://hooks.slack.com')
      .post('/services/T000/B000/secret', slack.match)
      .times(2)
      .reply(200, 'ok');
    // Every call is expected before the request exists: on a busy machine it may expire while
    // its PR is still being opened. GitHub work is queued per request, so the close (and the
    // second Slack post) still follow the open and the first.
    const why = nockComment(api);
    const closing = new Bodies();
    api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, closing.match).reply(200, {});
    api.delete(`/repos/${OWNER}/${REPO}/git/refs/heads%2Fsluice%2F${ID}`).reply(204);
    const resolved = gitHubDoneWith(h, ID, 'resolved');
    const held = await hold(h, newRequest({ tier: { timeoutMs: 300 } }));
    expect(await verdictWithin(held)).toEqual({ kind: 'expired' });
    await resolved;
    expect(slack.all[0].text).toBe(
      'Sluice: app_writer wants to run a write on requests/app/public/orders/: `DELETE FROM orders WHERE id = 42`. ' +
        `<https://github.com/${OWNER}/${REPO}/pull/${PR_NUMBER}|review it on GitHub> (expires ${held.handle.request.expiresAt}).`,
    );
    expect(why.only.body).toMatch(/^Expired at /);
    expect(closing.only).toMatchObject({ state: 'closed' });
    expect(slack.all[1].text).toBe(
      `Sluice request ${ID} expired. <https://github.com/${OWNER}/${REPO}/pull/${PR_NUMBER}|GitHub>`,
    );
  });
});

describe('GitHub Enterprise Server', () => {
  it('sends every call (auth included) to GHE_PROTOCOL://GHE_HOST/api/v3', async () => {
    h = await startHarness({ env: appEnv({ GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'https' }) });
    expect(h.gh.baseUrl).toBe('https://ghe.example.com/api/v3');
    const ghe = github('https://ghe.example.com/api/v3');
    nockAppAuth(ghe);
    const opened = nockOpenPr(ghe, ID, [FILE]);
    await hold(h, newRequest());
    await h.gh.idle();
    expect(opened.pr.only.head).toBe(`sluice/${ID}`);
  });
});
