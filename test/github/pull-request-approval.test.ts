// The pull_request channel end to end at the broker: a held request becomes a branch, a
// request file and a PR; a signed approving review from an owner at the head releases it;
// the outcome is commented and the PR squash-merged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Bodies,
  hold,
  startHarness,
  startNock,
  stopNock,
  verdictWithin,
  type Harness,
} from './harness.js';
import {
  github,
  nockAppAuth,
  nockApprovalReads,
  nockCodeowners,
  nockOpenPr,
  nockPrUpdate,
  nockRequestFileAt,
  openRequest,
} from './github-nocks.js';
import {
  deliver,
  HEAD_SHA,
  newRequest,
  OWNER,
  PR_NUMBER,
  pullRequestResource,
  REPO,
  reviewPayload,
} from './fixtures.js';

const ID = 'r_aaaaaaaaaa';
const FILE = `requests/app/public/orders/${ID}.sql`;
const CODEOWNERS = '# owners of tables\n/requests/app/public/orders/ @Codertocat\n';

let h: Harness;
beforeEach(async () => {
  startNock();
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
  stopNock();
});

describe('pull_request channel', () => {
  it('opens a PR, releases on an owner approval at the head, reports and squash-merges', async () => {
    const api = github();
    nockAppAuth(api);
    const opened = nockOpenPr(api, ID, [FILE]);
    const held = await hold(h, newRequest());
    await h.gh.idle();
    expect(api.pendingMocks()).toEqual([]);

    expect(opened.ref.only).toEqual({ ref: `refs/heads/sluice/${ID}`, sha: expect.any(String) });
    const file = opened.files.only;
    expect(file.branch).toBe(`sluice/${ID}`);
    const text = opened.fileText();
    expect(text).toMatch(/^-- Sluice approval request r_aaaaaaaaaa\n/);
    expect(text).toContain('-- requester: app_writer\n');
    expect(text).toContain('-- rule: policies/prod.yml#deletes (policies/prod.yml:7)\n');
    expect(text).toContain(`-- binding-hash: ${held.handle.request.bindingHash}\n`);
    expect(text.endsWith('--\nDELETE FROM orders WHERE id = 42')).toBe(true);
    const pr = opened.pr.only;
    expect(pr).toMatchObject({
      base: 'master',
      head: `sluice/${ID}`,
      maintainer_can_modify: false,
    });
    expect(pr.title).toBe(`Sluice: DELETE on app.public.orders (${ID})`);
    expect(pr.body).toContain('DELETE FROM orders WHERE id = 42');
    expect(pr.body).toContain(`| \`${FILE}\` | @Codertocat |`);
    expect(pr.body).toContain('submit a review with **Approve**');
    expect(pr.body).toContain(
      `<!-- sluice:request id=${ID} binding-hash=${held.handle.request.bindingHash} -->`,
    );
    expect((await h.broker.get(ID))?.external).toMatchObject({
      channel: 'pull_request',
      number: PR_NUMBER,
      branch: `sluice/${ID}`,
    });

    // The approval: fresh head, the file at the head, CODEOWNERS on the base branch.
    api.get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`).reply(200, pullRequestResource());
    nockRequestFileAt(api, FILE, HEAD_SHA, text);
    nockCodeowners(api, CODEOWNERS);
    const refreshed = new Bodies();
    api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, refreshed.match).reply(200, {});
    const res = await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat', body: 'looks right' }),
    );
    expect(res.status).toBe(200);
    await h.gh.idle();
    expect(await verdictWithin(held)).toEqual({
      kind: 'approved',
      by: ['Codertocat'],
      reason: 'looks right',
    });
    expect(refreshed.only.body).toContain('**Status:** approved by @Codertocat');

    // After execution: outcome comment, final body, squash merge at the commit Sluice made.
    const comment = new Bodies();
    const body = new Bodies();
    const merge = new Bodies();
    api
      .post(`/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`, comment.match)
      .reply(201, { id: 1 });
    api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, body.match).reply(200, {});
    api
      .put(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}/merge`, merge.match)
      .reply(200, { merged: true });
    await held.handle.reportOutcome({ ok: true, commandTag: 'DELETE 1', rows: 1, durationMs: 3 });
    await h.gh.idle();
    expect(comment.only).toEqual({ body: 'Executed: `DELETE 1`, 1 row, in 3 ms.' });
    expect(body.only.body).toContain('**Status:** executed');
    expect(merge.only).toMatchObject({ merge_method: 'squash', sha: HEAD_SHA });
    expect(merge.only.commit_title).toBe(`Sluice: DELETE on app.public.orders (${ID}) executed`);
    expect(merge.only.commit_message).toContain('Approved by @Codertocat.');
  });

  it('an active member of an owning team approves; two distinct owners meet a two-approval tier', async () => {
    const owners = '/requests/app/ @Codertocat/dba\n';
    // The proxy's policy resolved the same owners (the broker's tier check uses them).
    const paths = [{ path: 'requests/app/public/orders/', owners: ['@Codertocat/dba'] }];
    const o = await openRequest(h, newRequest({ paths, tier: { approvals: 2 } }));
    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: owners });
    const team1 = o.api
      .get('/orgs/Codertocat/teams/dba/memberships/hubot')
      .reply(200, { state: 'active', role: 'member' });
    const first = nockPrUpdate(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'hubot' }),
    );
    await h.gh.idle();
    expect(team1.isDone()).toBe(true);
    expect(o.settled()).toBeUndefined();
    expect((await h.broker.get(ID))?.approvals).toMatchObject([
      { by: 'hubot', teams: ['@codertocat/dba'], source: 'github:review:237895671' },
    ]);
    expect(first.only.body).toContain('- @hubot (github:review:237895671)');

    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: owners });
    o.api
      .get('/orgs/Codertocat/teams/dba/memberships/octocat')
      .reply(200, { state: 'active', role: 'maintainer' });
    const second = nockPrUpdate(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'octocat', reviewId: 8 }),
    );
    await h.gh.idle();
    expect(await verdictWithin(o)).toEqual({ kind: 'approved', by: ['hubot', 'octocat'] });
    expect(second.only.body).toContain('**Status:** approved by @hubot, @octocat');
  });

  it('a failed statement is reported; a refused merge is said on the PR, not lost', async () => {
    const o = await openRequest(h, newRequest());
    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: CODEOWNERS });
    const approvedBody = nockPrUpdate(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat' }),
    );
    expect((await verdictWithin(o))?.kind).toBe('approved');
    await h.gh.idle();
    const comments = new Bodies();
    o.api
      .post(`/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`, comments.match)
      .times(2)
      .reply(201, {});
    const finalBody = nockPrUpdate(o.api);
    o.api
      .put(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}/merge`)
      .reply(405, { message: 'Required status check "ci" is expected.' });
    await o.handle.reportOutcome({
      ok: false,
      durationMs: 1,
      error: { code: '55P03', message: 'lock not available' },
    });
    await h.gh.idle();
    expect(comments.all.map((c) => c.body)).toEqual([
      'Failed after 1 ms: 55P03: lock not available',
      'Sluice could not merge this PR (405 Required status check "ci" is expected.); merge it by hand to keep the record.',
    ]);
    expect((await h.broker.get(ID))?.external).toMatchObject({ done: 1 });
    expect(approvedBody.only.body).toContain('**Status:** approved by @Codertocat');
    expect(finalBody.only.body).toContain('**Status:** failed');
  });
});
