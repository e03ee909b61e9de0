// Fail closed through the real proxy, asserted against the database: the requester's own
// approval, a review on a stale commit, a dismissed review, too few approvals for a
// two-approval tier, and a GitHub outage when the PR is opened: the row is still there and
// the client got no command tag. Ending the session cancels and closes the PR.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { viaProxy } from '../helpers/proxy.js';
import { Bodies, startNock, stopNock } from './harness.js';
import { github, nockAppAuth, nockCodeowners, nockComment } from './github-nocks.js';
import {
  base64,
  deliver,
  HEAD_SHA,
  OWNER,
  PR_NUMBER,
  pullRequestResource,
  REPO,
  reviewPayload,
} from './fixtures.js';
import {
  nockCloseAnyPr,
  nockOpenAnyPr,
  startE2E,
  until,
  type AnyPr,
  type E2E,
} from './e2e-setup.js';
import type nock from 'nock';

const CODEOWNERS = 'requests/ @Codertocat @hubot\n';
let e: E2E;
let api: nock.Scope;
let client: pg.Client;

beforeAll(async () => {
  e = await startE2E({
    setupSql:
      'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2), (3);' +
      'CREATE TABLE ledger (id int PRIMARY KEY); INSERT INTO ledger VALUES (1)',
    codeowners: CODEOWNERS,
    rules: [
      'version: 1',
      'rules:',
      '  - name: ledger-needs-two',
      '    match:',
      '      tables: public.ledger',
      '    action: review',
      '    review:',
      '      approvals: 2',
      '      owners: codeowners',
    ].join('\n'),
  });
});
afterAll(async () => {
  await e?.close();
});

let first = true;
beforeEach(async () => {
  startNock();
  api = github();
  // The installation is looked up once per process; its token is cached.
  if (first) nockAppAuth(api);
  first = false;
  client = new pg.Client(viaProxy(e.proxy, e.db));
  client.on('error', () => {});
  await client.connect();
});
afterEach(async () => {
  await client.end().catch(() => {});
  if (e.gh.mode === 'app') await e.gh.idle();
  stopNock();
});

const count = async (table: string, id: number) =>
  (await e.admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id])).rows[0]
    .n as number;

/** Sends the statement and waits for its PR. */
async function held(
  sql: string,
  table: string,
): Promise<{ opened: AnyPr; answered: () => boolean }> {
  const opened = nockOpenAnyPr(api, e.db, table);
  let done = false;
  client.query(sql).then(
    () => (done = true),
    () => (done = true),
  );
  await until(() => opened.pr.all.length === 1, 'the PR');
  if (e.gh.mode === 'app') await e.gh.idle();
  return { opened, answered: () => done };
}

function approvalReads(opened: AnyPr, headSha = HEAD_SHA): void {
  api
    .get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`)
    .reply(200, pullRequestResource({ headSha }));
  api
    .get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(opened.path())}`)
    .query({ ref: headSha })
    .reply(200, { type: 'file', content: base64(opened.text()) });
  nockCodeowners(api, CODEOWNERS);
}

/** Ends the session: the held statement is cancelled and its PR closed. */
async function endSession(): Promise<Bodies> {
  const closed = nockCloseAnyPr(api);
  await client.end();
  await until(() => closed.update.all.length === 1, 'the PR to close');
  expect(closed.update.only).toMatchObject({ state: 'closed' });
  return closed.comment;
}

async function settle(): Promise<void> {
  if (e.gh.mode === 'app') await e.gh.idle();
  await new Promise((r) => setTimeout(r, 100));
}

describe('refusals through the real proxy (database unchanged)', () => {
  it('the requester approving their own statement', async () => {
    const h = await held('DELETE FROM orders WHERE id = 1', 'orders');
    const said = nockComment(api);
    await deliver(
      e.adminUrl,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'the-requester' }),
    );
    await settle();
    expect(said.only.body).toContain('the requester cannot approve their own request');
    expect(h.answered()).toBe(false);
    expect(await count('orders', 1)).toBe(1);
    expect((await endSession()).only.body).toMatch(/^Cancelled: .+\. Nothing was executed\.$/);
    expect(await count('orders', 1)).toBe(1);
  });

  it('an owner approving a stale commit', async () => {
    const h = await held('DELETE FROM orders WHERE id = 1', 'orders');
    api
      .get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`)
      .reply(200, pullRequestResource({ headSha: 'f'.repeat(40) }));
    const said = nockComment(api);
    await deliver(
      e.adminUrl,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat' }),
    );
    await settle();
    expect(said.only.body).toContain('not the head');
    expect(h.answered()).toBe(false);
    expect(await count('orders', 1)).toBe(1);
    await endSession();
  });

  it('too few approvals for a two-approval tier, and a dismissed review', async () => {
    const h = await held('DELETE FROM ledger WHERE id = 1', 'ledger');
    approvalReads(h.opened);
    const bodies = new Bodies();
    api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, bodies.match).times(3).reply(200, {});
    await deliver(
      e.adminUrl,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'Codertocat', reviewId: 1 }),
    );
    await settle();
    expect(bodies.all[0].body).toContain('Still needed: 1 more approval (1 of 2).');
    expect(h.answered()).toBe(false);
    expect(await count('ledger', 1)).toBe(1);

    // Codertocat's review is dismissed: hubot's approval alone is again one of two.
    await deliver(
      e.adminUrl,
      'pull_request_review',
      reviewPayload({ action: 'dismissed', state: 'dismissed', login: 'Codertocat', reviewId: 1 }),
    );
    approvalReads(h.opened);
    await deliver(
      e.adminUrl,
      'pull_request_review',
      reviewPayload({ state: 'approved', login: 'hubot', reviewId: 2 }),
    );
    await settle();
    expect(bodies.all).toHaveLength(3);
    expect(bodies.all[2].body).toContain('- @hubot (github:review:2)');
    expect(bodies.all[2].body).not.toContain('@Codertocat (github:review:1)');
    expect(h.answered()).toBe(false);
    expect(await count('ledger', 1)).toBe(1);
    await endSession();
  });

  it('GitHub down when the PR is opened: the client gets a clear error at once', async () => {
    api
      .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2Fmaster`)
      .times(2)
      .reply(502, { message: 'Bad Gateway' });
    // 57S02: GitHub could not be reached, so nobody was asked (not 42501, not 57S01).
    await expect(client.query('DELETE FROM orders WHERE id = 3')).rejects.toMatchObject({
      code: '57S02',
      message: expect.stringMatching(
        /^Sluice: request r_[a-z2-7]{10} could not be sent for approval: GitHub unreachable: 502 Bad Gateway after 2 attempts$/,
      ),
      hint: expect.stringContaining('Retry when GitHub is reachable'),
    });
    expect(await count('orders', 3)).toBe(1);
    // The connection stays usable.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
