// A review GitHub sends the moment the PR exists, before Sluice has stored the PR's link on
// the request, is not lost: it waits for the opening and is then checked like any other
// (fresh head, binding hash at the head, CODEOWNERS) and releases. The requester's own
// review sent at that moment is still refused (fail closed).
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
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
import { github, nockAppAuth, nockApprovalReads, nockComment } from './github-nocks.js';
import {
  BASE,
  BASE_SHA,
  deliver,
  HEAD_SHA,
  newRequest,
  OWNER,
  PR_NUMBER,
  REPO,
  reviewPayload,
  type Delivery,
} from './fixtures.js';
import type nock from 'nock';

const ID = 'r_aaaaaaaaaa';
const FILE = `requests/app/public/orders/${ID}.sql`;
const CODEOWNERS = '/requests/app/public/orders/ @Codertocat\n';

let h: Harness;
const logged = new EventEmitter();
beforeEach(async () => {
  startNock();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) logged.emit('line', JSON.parse(l) as { msg?: string });
      done();
    },
  });
  h = await startHarness({ logger: pino({ level: 'debug' }, sink) });
});
afterEach(async () => {
  await h.close();
  stopNock();
});

/**
 * The PR-open calls; when the PR is created, `review` is delivered before GitHub's answer
 * reaches Sluice. The answer is sent once the webhook is known to be waiting for the link
 * (or, were the vote dropped, once its delivery was answered), so the race is forced.
 * `then` nocks what follows, once the committed request file is known.
 */
function nockOpenWithEarlyReview(
  api: nock.Scope,
  review: () => Promise<Delivery>,
  then: (fileText: string) => void,
): { delivered: () => Promise<Delivery> } {
  const file = new Bodies();
  let answered!: (d: Delivery) => void;
  const delivered = new Promise<Delivery>((r) => (answered = r));
  api
    .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
    .reply(200, { ref: `refs/heads/${BASE}`, object: { sha: BASE_SHA, type: 'commit' } });
  api.post(`/repos/${OWNER}/${REPO}/git/refs`).reply(201, {});
  api
    .put(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(FILE)}`, file.match)
    .reply(201, { commit: { sha: HEAD_SHA } });
  api.post(`/repos/${OWNER}/${REPO}/pulls`).reply(async () => {
    then(Buffer.from(String(file.only.content), 'base64').toString('utf8'));
    const waiting = new Promise<void>((resolve) => {
      const on = (l: { msg?: string }) => {
        if (l.msg !== 'webhook waits for requests being opened') return;
        logged.off('line', on);
        resolve();
      };
      logged.on('line', on);
    });
    const delivery = review();
    void delivery.then(answered);
    await Promise.race([waiting, delivery]);
    return [
      201,
      { number: PR_NUMBER, html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR_NUMBER}` },
    ];
  });
  return { delivered: () => delivered };
}

describe('a vote before the link is stored', () => {
  it('an owner approval sent the moment the PR appears is applied once the link exists', async () => {
    const api = github();
    nockAppAuth(api);
    const refreshed = new Bodies();
    const early = nockOpenWithEarlyReview(
      api,
      () =>
        deliver(
          h.url,
          'pull_request_review',
          reviewPayload({ state: 'approved', login: 'Codertocat' }),
        ),
      (text) => {
        // The approval's checks, read afresh from GitHub once the link exists.
        nockApprovalReads(api, { file: FILE, text, codeowners: CODEOWNERS });
        api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, refreshed.match).reply(200, {});
      },
    );
    const held = await hold(h, newRequest());
    expect(await held.handle.verdict).toEqual({ kind: 'approved', by: ['Codertocat'] });
    expect((await early.delivered()).status).toBe(200);
    await h.gh.idle();
    expect(refreshed.only.body).toContain('**Status:** approved by @Codertocat');
  });

  it("the requester's own approval sent at that moment is still refused", async () => {
    const api = github();
    nockAppAuth(api);
    let said: Bodies | undefined;
    const early = nockOpenWithEarlyReview(
      api,
      () =>
        deliver(h.url, 'pull_request_review', reviewPayload({ state: 'approved', login: 'alice' })),
      () => {
        said = nockComment(api);
      },
    );
    const held = await hold(h, newRequest());
    expect((await early.delivered()).status).toBe(200);
    await h.gh.idle();
    expect(said?.only.body).toContain('the requester cannot approve their own request');
    await expectNothingReleased(h, held);
  });
});
