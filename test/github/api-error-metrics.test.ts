// The metrics hook on GitHub API calls: a call that fails after its retries is counted
// once, with its status, and not once per attempt.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hold, startHarness, startNock, stopNock, type Harness } from './harness.js';
import { github, nockAppAuth } from './github-nocks.js';
import { BASE, newRequest, OWNER, REPO } from './fixtures.js';

let h: Harness;
const errors: (number | undefined)[] = [];
beforeEach(async () => {
  errors.length = 0;
  startNock();
  h = await startHarness({ retries: 2, onApiError: (status) => errors.push(status) });
});
afterEach(async () => {
  await h.close();
  stopNock();
});

describe('GitHub API error hook', () => {
  it('reports a call that failed on every attempt once, with its status', async () => {
    const api = github();
    nockAppAuth(api);
    api
      .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
      .times(3)
      .reply(502, { message: 'Bad Gateway' });
    const held = await hold(h, newRequest());
    await h.gh.idle();
    // An outage refuses the statement as 'unreachable' (57S02), the verdict GitHub outages get.
    expect((await held.handle.verdict).kind).toBe('unreachable');
    expect(errors).toEqual([502]);
  });
});
