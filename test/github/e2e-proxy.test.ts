// End to end: a real client sends a DELETE through the real proxy to the real PostgreSQL.
// The statement is held; the App opens a PR (nock stands in for GitHub); a forged webhook
// and a non-owner's review change nothing in the database; a signed approving review from
// the owner, delivered over HTTP to the running admin listener, releases it and the client
// gets `DELETE 1`.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { nockOpenAnyPr, startE2E, until, type E2E } from './e2e-setup.js';

let e: E2E;
beforeAll(async () => {
  e = await startE2E({
    setupSql:
      "CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    codeowners: 'requests/ @Codertocat\n',
  });
});
afterAll(async () => {
  await e?.close();
});

const rowTwo = async () =>
  (await e.admin.query('SELECT count(*)::int AS n FROM orders WHERE id = 2')).rows[0].n as number;

describe('GitHub approval through the real proxy', () => {
  it('holds a DELETE until the owner approves the PR at its head; the client gets DELETE 1', async () => {
    startNock();
    try {
      const api = github();
      nockAppAuth(api);
      const opened = nockOpenAnyPr(api, e.db, 'orders');
      const client = new pg.Client(viaProxy(e.proxy, e.db));
      await client.connect();
      try {
        let answered = false;
        const del = client
          .query('DELETE FROM orders WHERE id = 2')
          .finally(() => (answered = true));
        del.catch(() => {}); // awaited below; if an assertion fails first, client.end() rejects it
        await until(() => opened.pr.all.length === 1, 'the PR');
        if (e.gh.mode === 'app') await e.gh.idle();
        const text = opened.text();
        expect(text).toContain(`-- requester: the-requester\n`);
        expect(text.endsWith('--\nDELETE FROM orders WHERE id = 2')).toBe(true);
        expect(opened.pr.only.body).toContain(opened.path());
        expect(opened.pr.only.body).toMatch(/about 1 row \(planner estimate/);

        // A forged delivery: refused, nothing reaches the database.
        const forged = await deliver(
          e.adminUrl,
          'pull_request_review',
          reviewPayload({ state: 'approved', login: 'Codertocat' }),
          { secret: 'wrong' },
        );
        expect(forged.status).toBe(400);
        // A non-owner's approval: refused (explained on the PR), nothing executed.
        const reads = () => {
          api.get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`).reply(200, pullRequestResource());
          api
            .get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(opened.path())}`)
            .query({ ref: HEAD_SHA })
            .reply(200, { type: 'file', content: base64(text) });
          nockCodeowners(api, 'requests/ @Codertocat\n');
        };
        reads();
        const refused = nockComment(api);
        await deliver(
          e.adminUrl,
          'pull_request_review',
          reviewPayload({ state: 'approved', login: 'mallory' }),
        );
        expect(refused.only.body).toContain('@mallory is not an owner');
        await new Promise((r) => setTimeout(r, 100));
        expect(answered).toBe(false);
        expect(await rowTwo()).toBe(1);

        // The owner approves at the head: released, executed, reported, merged.
        reads();
        const bodies = new Bodies();
        api
          .patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, bodies.match)
          .times(2)
          .reply(200, {});
        const outcome = nockComment(api);
        const merge = new Bodies();
        api
          .put(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}/merge`, merge.match)
          .reply(200, { merged: true });
        const res = await deliver(
          e.adminUrl,
          'pull_request_review',
          reviewPayload({ state: 'approved', login: 'Codertocat' }),
        );
        expect(res.status).toBe(200);
        const result = await del;
        expect(result.command).toBe('DELETE');
        expect(result.rowCount).toBe(1);
        expect(await rowTwo()).toBe(0);
        await until(() => merge.all.length === 1, 'the merge');
        expect(merge.only).toMatchObject({ merge_method: 'squash', sha: HEAD_SHA });
        expect(bodies.all.map((b) => /\*\*Status:\*\* (\w+)/.exec(b.body)?.[1])).toEqual([
          'approved',
          'executed',
        ]);
        // The proxy reports the command tag and row count of what ran.
        expect(outcome.only.body).toMatch(/^Executed: `DELETE 1`, 1 row, in \d+ ms\.$/);
      } finally {
        await client.end();
      }
    } finally {
      stopNock();
    }
  });
});
