// Denials and endings on the pull_request channel: "Request changes" or `/deny` from an
// owner denies; a PR closed by hand denies; expiry closes the PR with the reason; and
// `/deny` from a non-owner or `/approve` on a PR does nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Bodies,
  expectNothingReleased,
  gitHubDoneWith,
  startHarness,
  startNock,
  stopNock,
  verdictWithin,
  type Harness,
} from './harness.js';
import { github, nockCodeowners, nockComment, openRequest } from './github-nocks.js';
import {
  commentPayload,
  deliver,
  example,
  newRequest,
  OWNER,
  PR_NUMBER,
  REPO,
  reviewPayload,
} from './fixtures.js';
import type nock from 'nock';

const ID = 'r_aaaaaaaaaa';
const OWNERS = '/requests/app/public/orders/ @Codertocat\n';

let h: Harness;
beforeEach(async () => {
  startNock();
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
  stopNock();
});

/** The close sequence: the reason as a comment, the PR closed with its final body, the branch deleted. */
function nockClose(api: nock.Scope): { comment: Bodies; update: Bodies } {
  const comment = nockComment(api);
  const update = new Bodies();
  api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, update.match).reply(200, {});
  api.delete(`/repos/${OWNER}/${REPO}/git/refs/heads%2Fsluice%2F${ID}`).reply(204);
  return { comment, update };
}

describe('denials and endings', () => {
  it('"Request changes" from an owner denies and closes the PR', async () => {
    const o = await openRequest(h, newRequest());
    nockCodeowners(o.api, OWNERS);
    const closed = nockClose(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'changes_requested', login: 'Codertocat', body: 'wrong table' }),
    );
    expect(await verdictWithin(o)).toEqual({
      kind: 'denied',
      by: 'Codertocat',
      reason: 'wrong table',
    });
    await h.gh.idle();
    expect(closed.comment.only).toEqual({
      body: 'Denied by @Codertocat: wrong table. Nothing was executed.',
    });
    expect(closed.update.only).toMatchObject({ state: 'closed' });
    expect(closed.update.only.body).toContain('**Status:** denied by @Codertocat: wrong table');
  });

  it('`/deny reason` from an owner on the PR denies', async () => {
    const o = await openRequest(h, newRequest());
    nockCodeowners(o.api, OWNERS);
    const closed = nockClose(o.api);
    const payload = commentPayload({
      body: '/deny not during business hours',
      login: 'Codertocat',
      number: PR_NUMBER,
      onPullRequest: true,
    });
    expect((await deliver(h.url, 'issue_comment', payload)).status).toBe(200);
    expect(await verdictWithin(o)).toEqual({
      kind: 'denied',
      by: 'Codertocat',
      reason: 'not during business hours',
    });
    await h.gh.idle();
    expect(closed.comment.only.body).toBe(
      'Denied by @Codertocat: not during business hours. Nothing was executed.',
    );
  });

  it('`/deny` from a non-owner, `/approve` on a PR and "commented" reviews do nothing', async () => {
    const o = await openRequest(h, newRequest());
    nockCodeowners(o.api, OWNERS);
    const saidDeny = nockComment(o.api);
    await deliver(
      h.url,
      'issue_comment',
      commentPayload({
        body: '/deny nope',
        login: 'mallory',
        number: PR_NUMBER,
        onPullRequest: true,
      }),
    );
    await expectNothingReleased(h, o);
    expect(saidDeny.only.body).toContain(
      '@mallory: your denial for request r_aaaaaaaaaa was not counted: @mallory is not an owner',
    );

    const saidApprove = nockComment(o.api);
    await deliver(
      h.url,
      'issue_comment',
      commentPayload({
        body: '/approve ship it',
        login: 'Codertocat',
        number: PR_NUMBER,
        onPullRequest: true,
      }),
    );
    await expectNothingReleased(h, o);
    expect(saidApprove.only.body).toContain(
      'on a pull request, approve with a review (Approve) on the head commit',
    );

    // A plain review comment and a comment that merely mentions /approve: no calls at all.
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'commented', login: 'Codertocat' }),
    );
    await deliver(
      h.url,
      'issue_comment',
      commentPayload({
        body: 'please /approve this',
        login: 'Codertocat',
        number: PR_NUMBER,
        onPullRequest: true,
      }),
    );
    await expectNothingReleased(h, o);
  });

  it('a request PR closed by hand denies the request', async () => {
    const o = await openRequest(h, newRequest());
    const closed = nockClose(o.api);
    const payload = example('pull_request', 'closed');
    expect(payload.pull_request.merged).toBe(false);
    await deliver(h.url, 'pull_request', payload);
    expect(await verdictWithin(o)).toEqual({
      kind: 'denied',
      by: payload.sender.login,
      reason: `pull request closed by @${payload.sender.login}`,
    });
    await h.gh.idle();
    expect(closed.comment.only.body).toContain('Nothing was executed.');
  });

  it('expiry closes the PR with the reason', async () => {
    // The close is expected before the request exists: on a busy machine it may expire while
    // its PR is still being opened. GitHub work is queued per request, so the close still
    // follows the open, whichever comes first.
    const closed = nockClose(github());
    const resolved = gitHubDoneWith(h, ID, 'resolved');
    const o = await openRequest(h, newRequest({ tier: { timeoutMs: 400 } }));
    expect(await verdictWithin(o)).toEqual({ kind: 'expired' });
    await resolved;
    expect(closed.comment.only.body).toMatch(
      /^Expired at .+ without enough approvals\. Nothing was executed\.$/,
    );
    expect(closed.update.only.state).toBe('closed');
    expect((await h.broker.get(ID))?.external).toMatchObject({ done: 1 });
  });
});
