// GitHub failures: transient ones (5xx, network errors, rate limits) are retried with
// backoff; a request that cannot be opened is denied at once with a clear reason, so the
// statement is never released; an outage while checking an approval counts as no approval.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Bodies,
  expectNothingReleased,
  hold,
  startHarness,
  startNock,
  stopNock,
  type Harness,
} from './harness.js';
import { github, nockAppAuth, nockComment, nockOpenPr, openRequest } from './github-nocks.js';
import { BASE, deliver, newRequest, OWNER, PR_NUMBER, REPO, reviewPayload } from './fixtures.js';

const ID = 'r_aaaaaaaaaa';
const FILE = `requests/app/public/orders/${ID}.sql`;

let h: Harness;
beforeEach(async () => {
  startNock();
  h = await startHarness({ retries: 2 });
});
afterEach(async () => {
  await h.close();
  stopNock();
});

describe('GitHub outages', () => {
  it('5xx on every attempt to read the base branch: denied with a clear reason, never released', async () => {
    const api = github();
    nockAppAuth(api);
    // One try plus two retries, all failing.
    api
      .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
      .times(3)
      .reply(502, { message: 'Bad Gateway' });
    const held = await hold(h, newRequest());
    await h.gh.idle();
    const verdict = await held.handle.verdict;
    expect(verdict).toEqual({
      kind: 'unreachable',
      by: 'sluice:github',
      reason: 'GitHub unreachable: 502 Bad Gateway after 3 attempts',
    });
    expect((await h.broker.get(ID))?.status).toBe('denied');
  });

  it('network errors while creating the PR: denied, never released', async () => {
    const api = github();
    nockAppAuth(api);
    api
      .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
      .reply(200, { object: { sha: 'b'.repeat(40) } });
    const ref = new Bodies();
    const file = new Bodies();
    const pulls = new Bodies();
    api.post(`/repos/${OWNER}/${REPO}/git/refs`, ref.match).reply(201, {});
    api
      .put(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(FILE)}`, file.match)
      .reply(201, { commit: { sha: 'c'.repeat(40) } });
    api
      .post(`/repos/${OWNER}/${REPO}/pulls`, pulls.match)
      .times(3)
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const held = await hold(h, newRequest());
    await h.gh.idle();
    const verdict = await held.handle.verdict;
    expect(verdict.kind).toBe('unreachable');
    expect(verdict.kind === 'unreachable' && verdict.reason).toMatch(
      /^GitHub unreachable: 500 .+ after 3 attempts$/,
    );
    expect(ref.only).toEqual({ ref: `refs/heads/sluice/${ID}`, sha: 'b'.repeat(40) });
    expect(file.only).toMatchObject({
      branch: `sluice/${ID}`,
      message: `Sluice request ${ID}: ${FILE}`,
    });
    // The same PR creation, tried three times (one try, two retries).
    expect(pulls.all).toHaveLength(3);
    expect(new Set(pulls.all.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(pulls.all[0]).toMatchObject({ head: `sluice/${ID}`, base: BASE });
  });

  it('transient 5xx, a network error and a rate limit are retried: the PR opens', async () => {
    const api = github();
    nockAppAuth(api);
    api
      .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
      .reply(503, { message: 'unavailable' });
    api
      .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
      .replyWithError({ code: 'ETIMEDOUT', message: 'timeout' });
    const limitedRef = new Bodies();
    const limitedPr = new Bodies();
    api.post(`/repos/${OWNER}/${REPO}/git/refs`, limitedRef.match).reply(
      403,
      { message: 'API rate limit exceeded' },
      {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)),
      },
    );
    api
      .post(`/repos/${OWNER}/${REPO}/pulls`, limitedPr.match)
      .reply(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '1' });
    const opened = nockOpenPr(api, ID, [FILE]);
    const held = await hold(h, newRequest());
    await h.gh.idle();
    expect(held.settled()).toBeUndefined();
    expect(opened.pr.only.head).toBe(`sluice/${ID}`);
    // The rate-limited calls were retried with the very same bodies.
    expect(limitedRef.only).toEqual(opened.ref.only);
    expect(limitedPr.only).toEqual(opened.pr.only);
    expect((await h.broker.get(ID))?.external).toMatchObject({ number: PR_NUMBER });
  });

  it('GitHub down while an approval is checked: the approval does not count', async () => {
    const o = await openRequest(h, newRequest());
    o.api
      .get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`)
      .times(3)
      .reply(500, { message: 'boom' });
    const said = nockComment(o.api);
    await deliver(
      h.url,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat' }),
    );
    await expectNothingReleased(h, o);
    expect(said.only.body).toContain(
      'could not verify the approval with GitHub (GitHub unreachable: 500 boom after 3 attempts)',
    );
  });
});
