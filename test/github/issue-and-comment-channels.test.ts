// The issue channel (`/approve reason` comments from owners; edits ignored) and the comment
// channel (the session named a PR: the request is a comment there, a review at the head
// approves, and Sluice never merges someone else's PR).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Bodies,
  expectNothingReleased,
  hold,
  startHarness,
  startNock,
  stopNock,
  verdictWithin,
  type Harness,
} from './harness.js';
import { github, nockAppAuth, nockCodeowners } from './github-nocks.js';
import {
  commentPayload,
  deliver,
  HEAD_SHA,
  newRequest,
  OWNER,
  PR_NUMBER,
  pullRequestResource,
  REPO,
  reviewPayload,
} from './fixtures.js';

const OWNERS = '/requests/ @Codertocat\n';

let h: Harness | undefined;
beforeEach(() => startNock());
afterEach(async () => {
  await h?.close();
  h = undefined;
  stopNock();
});

describe('issue channel', () => {
  it('opens an issue; an edited comment is ignored; a new `/approve` from an owner releases; the outcome closes it', async () => {
    h = await startHarness();
    const api = github();
    nockAppAuth(api);
    const created = new Bodies();
    const ISSUE = 1; // the issue_comment example's issue
    api
      .post(`/repos/${OWNER}/${REPO}/issues`, created.match)
      .reply(201, { number: ISSUE, html_url: 'https://github.com/i/1' });
    const held = await hold(h, newRequest({ tier: { channel: 'issue' } }));
    await h.gh.idle();
    expect(created.only.title).toBe('Sluice: DELETE on app.public.orders (r_aaaaaaaaaa)');
    expect(created.only.body).toContain('comment `/approve <reason>`');
    expect(await h.broker.get(held.handle.id)).toMatchObject({
      external: { channel: 'issue', number: ISSUE },
    });

    // Editing an old comment into "/approve" must not count: no GitHub call at all.
    await deliver(
      h.url,
      'issue_comment',
      commentPayload({ action: 'edited', body: '/approve sure', login: 'Codertocat' }),
    );
    await expectNothingReleased(h, held);

    api
      .get(`/repos/${OWNER}/${REPO}/issues/${ISSUE}`)
      .reply(200, { number: ISSUE, state: 'open', body: created.only.body });
    nockCodeowners(api, OWNERS);
    const refreshed = new Bodies();
    api.patch(`/repos/${OWNER}/${REPO}/issues/${ISSUE}`, refreshed.match).reply(200, {});
    await deliver(
      h.url,
      'issue_comment',
      commentPayload({ body: '/approve checked the ids', login: 'Codertocat', commentId: 77 }),
    );
    expect(await verdictWithin(held)).toEqual({
      kind: 'approved',
      by: ['Codertocat'],
      reason: 'checked the ids',
    });
    await h.gh.idle();
    expect(refreshed.only.body).toContain('- @Codertocat: checked the ids (github:comment:77)');

    const outcome = new Bodies();
    const closed = new Bodies();
    api.post(`/repos/${OWNER}/${REPO}/issues/${ISSUE}/comments`, outcome.match).reply(201, {});
    api.patch(`/repos/${OWNER}/${REPO}/issues/${ISSUE}`, closed.match).reply(200, {});
    await held.handle.reportOutcome({
      ok: false,
      durationMs: 2,
      error: { code: '23503', message: 'violates foreign key' },
    });
    await h.gh.idle();
    expect(outcome.only).toEqual({ body: 'Failed after 2 ms: 23503: violates foreign key' });
    expect(closed.only).toMatchObject({ state: 'closed', state_reason: 'completed' });
  });

  it('`/approve` from a non-owner is refused', async () => {
    h = await startHarness();
    const api = github();
    nockAppAuth(api);
    const created = new Bodies();
    api
      .post(`/repos/${OWNER}/${REPO}/issues`, created.match)
      .reply(201, { number: 1, html_url: 'https://github.com/i/1' });
    const held = await hold(h, newRequest({ tier: { channel: 'issue' } }));
    await h.gh.idle();
    api
      .get(`/repos/${OWNER}/${REPO}/issues/1`)
      .reply(200, { number: 1, state: 'open', body: created.only.body });
    nockCodeowners(api, OWNERS);
    const said = new Bodies();
    api.post(`/repos/${OWNER}/${REPO}/issues/1/comments`, said.match).reply(201, {});
    await deliver(h.url, 'issue_comment', commentPayload({ body: '/approve', login: 'mallory' }));
    await expectNothingReleased(h, held);
    expect(said.only.body).toContain(
      '@mallory is not an owner of requests/app/public/orders/r_aaaaaaaaaa.sql',
    );
  });
});

describe('comment channel', () => {
  it('posts on the named PR; an owner review at its head releases; the outcome is a comment, no merge', async () => {
    // Approvals repo (CODEOWNERS) and the migration PR's repo differ.
    h = await startHarness({ settings: { repo: 'approvals' } });
    const api = github();
    nockAppAuth(api); // the PR's repo, Codertocat/Hello-World
    api.get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`).reply(200, pullRequestResource());
    const posted = new Bodies();
    api.post(`/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`, posted.match).reply(201, {
      id: 555,
      html_url: `https://github.com/${OWNER}/${REPO}/pull/2#issuecomment-555`,
    });
    const held = await hold(h, newRequest({ linkedPullRequest: `${OWNER}/${REPO}#${PR_NUMBER}` }));
    await h.gh.idle();
    expect(posted.only.body).toContain(
      'submit a review with **Approve** on the head commit of this PR',
    );
    expect(await h.broker.get(held.handle.id)).toMatchObject({
      external: { channel: 'comment', commentId: 555, number: PR_NUMBER },
    });

    api.get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`).reply(200, pullRequestResource());
    api
      .get(`/repos/${OWNER}/${REPO}/issues/comments/555`)
      .reply(200, { id: 555, body: posted.only.body });
    api.get(`/repos/${OWNER}/approvals/installation`).reply(200, { id: 1 });
    nockCodeowners(api, OWNERS, `${OWNER}/approvals`);
    const edited = new Bodies();
    api.patch(`/repos/${OWNER}/${REPO}/issues/comments/555`, edited.match).reply(200, {});
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat', commitId: HEAD_SHA }),
    );
    expect(await verdictWithin(held)).toEqual({ kind: 'approved', by: ['Codertocat'] });
    await h.gh.idle();
    expect(edited.only.body).toContain('**Status:** approved by @Codertocat');

    const final = new Bodies();
    const outcome = new Bodies();
    api.patch(`/repos/${OWNER}/${REPO}/issues/comments/555`, final.match).reply(200, {});
    api.post(`/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`, outcome.match).reply(201, {});
    await held.handle.reportOutcome({ ok: true, commandTag: 'DELETE 3', rows: 3, durationMs: 5 });
    await h.gh.idle();
    expect(outcome.only.body).toBe(
      'Sluice request r_aaaaaaaaaa: Executed: `DELETE 3`, 3 rows, in 5 ms.',
    );
    expect(final.only.body).toContain('**Status:** executed');
  });
});
