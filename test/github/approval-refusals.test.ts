// Fail closed: every way an approval must NOT release a statement. Each case asserts the
// verdict is still undelivered and the request still pending, and that the refusal is
// explained on the PR (or, for forged deliveries, that GitHub was never even called).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectNothingReleased,
  startHarness,
  startNock,
  stopNock,
  type Harness,
} from './harness.js';
import { nockApprovalReads, nockComment, nockPrUpdate, openRequest } from './github-nocks.js';
import {
  deliver,
  newRequest,
  OWNER,
  PR_NUMBER,
  pullRequestResource,
  REPO,
  reviewPayload,
  SECRET,
  sign,
} from './fixtures.js';

const OWNERS = '/requests/app/public/orders/ @Codertocat @Codertocat/dba\n';

let h: Harness;
beforeEach(async () => {
  startNock();
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
  stopNock();
});

describe('approvals that must not release', () => {
  it('a non-owner', async () => {
    const o = await openRequest(h, newRequest());
    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: OWNERS });
    // Not Codertocat, so the team is asked: mallory is not a member.
    o.api
      .get('/orgs/Codertocat/teams/dba/memberships/mallory')
      .reply(404, { message: 'Not Found' });
    const said = nockComment(o.api);
    const res = await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'mallory' }),
    );
    expect(res.status).toBe(200);
    await expectNothingReleased(h, o);
    const rejected = h.audit.records.filter((r) => r.type === 'request.vote_rejected');
    expect(rejected).toMatchObject([
      {
        actor: 'mallory',
        requestId: 'r_aaaaaaaaaa',
        data: { code: 'not_owner', source: 'github:review:237895671' },
      },
    ]);
    expect(said.only.body).toBe(
      '@mallory: your approval for request r_aaaaaaaaaa was not counted: @mallory is not an owner of ' +
        'requests/app/public/orders/r_aaaaaaaaaa.sql (owners: @Codertocat, @Codertocat/dba)',
    );
  });

  it('a team member whose membership is still pending', async () => {
    const o = await openRequest(h, newRequest());
    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: OWNERS });
    o.api
      .get('/orgs/Codertocat/teams/dba/memberships/newbie')
      .reply(200, { state: 'pending', role: 'member' });
    const said = nockComment(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'newbie' }),
    );
    await expectNothingReleased(h, o);
    expect(said.only.body).toContain('@newbie is not an owner of');
  });

  it('the requester (identity map: app_writer -> alice), even when an owner', async () => {
    const o = await openRequest(h, newRequest());
    const said = nockComment(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Alice' }),
    );
    await expectNothingReleased(h, o);
    expect(said.only.body).toContain('the requester cannot approve their own request');
    expect(h.audit.records.filter((r) => r.type === 'request.vote_rejected')).toMatchObject([
      { actor: 'Alice', data: { code: 'self_approval' } },
    ]);
  });

  it('a review on a stale commit', async () => {
    const o = await openRequest(h, newRequest());
    o.api
      .get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`)
      .reply(200, pullRequestResource({ headSha: 'a'.repeat(40) }));
    const said = nockComment(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat', commitId: 'b'.repeat(40) }),
    );
    await expectNothingReleased(h, o);
    expect(said.only.body).toContain(
      `the review is on commit ${'b'.repeat(40)}, not the head ${'a'.repeat(40)}`,
    );
  });

  it('a PR retargeted to another base branch', async () => {
    const o = await openRequest(h, newRequest());
    o.api
      .get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`)
      .reply(200, pullRequestResource({ baseRef: 'lenient' }));
    const said = nockComment(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat' }),
    );
    await expectNothingReleased(h, o);
    expect(said.only.body).toContain('no longer targets master');
  });

  it('a request file at the head whose binding hash is not the held statement', async () => {
    const o = await openRequest(h, newRequest());
    const edited = o.text.replace(/binding-hash: [0-9a-f]+/, `binding-hash: ${'0'.repeat(64)}`);
    o.api.get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`).reply(200, pullRequestResource());
    o.api
      .get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(o.file)}`)
      .query(true)
      .reply(200, { type: 'file', content: Buffer.from(edited).toString('base64') });
    o.api.get(`/repos/${OWNER}/${REPO}/contents/.github%2FCODEOWNERS`).query(true).reply(404, {});
    o.api
      .get(`/repos/${OWNER}/${REPO}/contents/CODEOWNERS`)
      .query(true)
      .reply(200, { type: 'file', content: Buffer.from(OWNERS).toString('base64') });
    o.api.get('/orgs/Codertocat/teams/dba/memberships/Codertocat').reply(404, {});
    const said = nockComment(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat' }),
    );
    await expectNothingReleased(h, o);
    expect(said.only.body).toContain('hash_mismatch');
  });

  it('a forged signature, and an unsigned delivery: rejected before any handler, GitHub never called', async () => {
    const o = await openRequest(h, newRequest());
    const payload = reviewPayload({ state: 'approved', login: 'Codertocat' });
    const forged = await deliver(h.url, 'pull_request_review', payload, {
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(400);
    expect(forged.text).toMatch(/signature does not match/i);
    const unsigned = await deliver(h.url, 'pull_request_review', payload, { signature: null });
    expect(unsigned.status).toBe(400);
    expect(unsigned.text).toMatch(/x-hub-signature-256/);
    // A valid signature over a different body (tampered payload) fails the same way.
    const tampered = await deliver(h.url, 'pull_request_review', payload, {
      signature: sign('{"action":"submitted"}', SECRET),
    });
    expect(tampered.status).toBe(400);
    await expectNothingReleased(h, o);
  });

  it('too few approvals for the tier (2 needed)', async () => {
    const o = await openRequest(h, newRequest({ tier: { approvals: 2 } }));
    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: OWNERS });
    o.api.get('/orgs/Codertocat/teams/dba/memberships/Codertocat').reply(404, {});
    const body = nockPrUpdate(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat' }),
    );
    await expectNothingReleased(h, o);
    expect((await h.broker.get(o.handle.id))?.approvals.map((a) => a.by)).toEqual(['Codertocat']);
    expect(body.only.body).toContain('Still needed: 1 more approval (1 of 2).');
  });

  it('a dismissed review withdraws the approval; the replayed approval delivery is ignored', async () => {
    const o = await openRequest(h, newRequest({ tier: { approvals: 2 } }));
    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: OWNERS });
    o.api.get('/orgs/Codertocat/teams/dba/memberships/Codertocat').reply(404, {});
    const bodies = nockPrUpdate(o.api, 2);
    const approval = reviewPayload({ state: 'approved', login: 'Codertocat', reviewId: 7 });
    await deliver(h.url, 'pull_request_review', approval, { id: 'delivery-approve-1' });
    await h.gh.idle();
    expect((await h.broker.get(o.handle.id))?.approvals).toHaveLength(1);

    const dismissed = reviewPayload({
      action: 'dismissed',
      state: 'dismissed',
      login: 'Codertocat',
      reviewId: 7,
    });
    expect((await deliver(h.url, 'pull_request_review', dismissed)).status).toBe(200);
    await h.gh.idle();
    expect((await h.broker.get(o.handle.id))?.approvals).toEqual([]);
    expect(bodies.all[1].body).toContain('None yet.');

    // The same delivery again (a captured request replayed): signed, but ignored.
    const replay = await deliver(h.url, 'pull_request_review', approval, {
      id: 'delivery-approve-1',
    });
    expect(replay.status).toBe(200);
    await expectNothingReleased(h, o);
    expect((await h.broker.get(o.handle.id))?.approvals).toEqual([]);
  });

  it('a push to the PR branch revokes every approval', async () => {
    const o = await openRequest(h, newRequest({ tier: { approvals: 2 } }));
    nockApprovalReads(o.api, { file: o.file, text: o.text, codeowners: OWNERS });
    o.api.get('/orgs/Codertocat/teams/dba/memberships/Codertocat').reply(404, {});
    const bodies = nockPrUpdate(o.api, 2);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat' }),
    );
    await h.gh.idle();
    expect((await h.broker.get(o.handle.id))?.approvals).toHaveLength(1);
    const { example } = await import('./fixtures.js');
    await deliver(h.url, 'pull_request', example('pull_request', 'synchronize'));
    await expectNothingReleased(h, o);
    expect(bodies.all.map((b) => b.body.includes('None yet.'))).toEqual([false, true]);
    expect((await h.broker.get(o.handle.id))?.approvals).toEqual([]);
  });
});
