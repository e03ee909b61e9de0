// GitHub mode on two replicas sharing a control database, in process (nock fakes GitHub
// for the whole process): the PR is opened by the replica holding the statement (B); the
// signed approving review is delivered to the other (A), which checks it and decides; B
// releases the statement and reports the outcome (comment, squash merge). The same
// delivery sent to B as well is ignored there: the replay guard is shared.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { openApprovals, type Approvals } from '../../src/approval/open-approvals.js';
import { AdminServer } from '../../src/admin/admin-server.js';
import { startGitHub, type GitHubService } from '../../src/github/start-github.js';
import type { Verdict } from '../../src/approval/types.js';
import { silentLogger } from '../../src/util/log.js';
import { Bodies, startNock, stopNock } from './harness.js';
import {
  github,
  nockAppAuth,
  nockApprovalReads,
  nockOpenPr,
  nockPrUpdate,
} from './github-nocks.js';
import {
  appEnv,
  deliver,
  HEAD_SHA,
  newRequest,
  OWNER,
  PR_NUMBER,
  REPO,
  reviewPayload,
  settings,
} from './fixtures.js';

interface Replica {
  approvals: Approvals;
  admin: AdminServer;
  gh: Extract<GitHubService, { mode: 'app' }>;
  url: string;
}

const ID = 'r_replicaaaa';
const FILE = `requests/app/public/orders/${ID}.sql`;
const CODEOWNERS = '/requests/app/public/orders/ @Codertocat\n';
let controlUrl: string;

async function startReplica(ids: string[]): Promise<Replica> {
  const approvals = await openApprovals({
    controlUrl,
    stateDir: 'unused',
    logger: silentLogger,
    leaseMs: 5000,
    idFactory: () => ids.shift() ?? `r_${randomUUID().replace(/-/g, '').slice(0, 10)}`,
  });
  const admin = new AdminServer({
    broker: approvals.broker,
    token: 'admin-token-for-tests-0123456789',
    port: 0,
  });
  const s = settings();
  const gh = await startGitHub({
    broker: approvals.broker,
    audit: approvals.audit,
    settings: () => s,
    admin,
    env: appEnv(),
    tuning: { retries: 2, retryBaseMs: 1, rateLimitBaseMs: 1, pacing: false },
    ...(approvals.deliveryGuard ? { deliveryGuard: approvals.deliveryGuard } : {}),
  });
  if (gh.mode !== 'app') throw new Error('expected app mode');
  const { url } = await admin.listen();
  return { approvals, admin, gh, url };
}

let a: Replica;
let b: Replica;

beforeAll(async () => {
  controlUrl = upstreamUrl(await createTestDatabase('gh_replicas'));
});
beforeEach(async () => {
  startNock();
  a = await startReplica([]);
  b = await startReplica([ID]);
});
afterEach(async () => {
  for (const r of [a, b]) {
    await r.gh.close();
    await r.admin.close();
    await r.approvals.close();
  }
  stopNock();
});

describe('GitHub approvals across replicas', () => {
  it('a review delivered to A releases the statement held on B; the same delivery to B is ignored', async () => {
    const api = github();
    nockAppAuth(api);
    const opened = nockOpenPr(api, ID, [FILE]);
    const handle = await b.approvals.broker.hold(newRequest());
    expect(handle.request.id).toBe(ID);
    let verdict: Verdict | undefined;
    void handle.verdict.then((v) => (verdict = v));
    await b.gh.idle();
    expect(api.pendingMocks()).toEqual([]);
    expect((await a.approvals.broker.get(ID))?.external).toMatchObject({ number: PR_NUMBER });

    // A has never seen this request: it finds it in the shared database, checks the
    // review with GitHub (its own installation token) and decides.
    nockAppAuth(api);
    nockApprovalReads(api, { file: FILE, text: opened.fileText(), codeowners: CODEOWNERS });
    const refreshed = nockPrUpdate(api);
    const delivery = randomUUID();
    const payload = reviewPayload({ state: 'approved', login: 'Codertocat', body: 'ship it' });
    expect((await deliver(a.url, 'pull_request_review', payload, { id: delivery })).status).toBe(
      200,
    );
    await a.gh.idle();
    expect(await handle.verdict).toEqual({
      kind: 'approved',
      by: ['Codertocat'],
      reason: 'ship it',
    });
    expect(refreshed.only.body).toContain('**Status:** approved by @Codertocat');

    // The same delivery reaching B (a redelivery, or a balancer retry): nothing happens,
    // no GitHub call (nock would report it) and no second vote.
    expect((await deliver(b.url, 'pull_request_review', payload, { id: delivery })).status).toBe(
      200,
    );
    await b.gh.idle();
    expect((await b.approvals.audit.list({ requestId: ID })).map((r) => r.type)).toEqual([
      'request.created',
      'request.vote',
      'request.approved',
    ]);

    // B ran it: B reports, comments and squash-merges.
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
    await handle.reportOutcome({ ok: true, commandTag: 'DELETE 1', rows: 1, durationMs: 3 });
    await b.gh.idle();
    expect(comment.only).toEqual({ body: 'Executed: `DELETE 1`, 1 row, in 3 ms.' });
    expect(merge.only).toMatchObject({ merge_method: 'squash', sha: HEAD_SHA });
    expect(verdict?.kind).toBe('approved');
    expect((await a.approvals.audit.verify()).ok).toBe(true);
  });
});
