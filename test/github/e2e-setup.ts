// The whole of Sluice for end-to-end tests: the real proxy (classifier, policy store,
// broker with the file store) in front of the suite's PostgreSQL, the admin listener with
// the GitHub App mounted, and helpers for the PR a held statement opens.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type nock from 'nock';
import type pg from 'pg';
import { AdminServer } from '../../src/admin/admin-server.js';
import { openApprovals, type Approvals } from '../../src/approval/open-approvals.js';
import { startGitHub, type GitHubService } from '../../src/github/start-github.js';
import { PolicyStore } from '../../src/policy/policy-store.js';
import { initClassifier } from '../../src/sql/classify.js';
import { SessionClassifier } from '../../src/sql/session-classifier.js';
import type { RunningProxy } from '../../src/proxy/server.js';
import { silentLogger } from '../../src/util/log.js';
import { adminClient, createTestDatabase, pgInfo, upstreamUrl } from '../helpers/pg.js';
import { startTestProxy } from '../helpers/proxy.js';
import { Bodies } from './harness.js';
import { appEnv, BASE_SHA, HEAD_SHA, OWNER, PR_NUMBER, REPO } from './fixtures.js';

export interface E2E {
  db: string;
  admin: pg.Client;
  proxy: RunningProxy;
  gh: GitHubService;
  adminUrl: string;
  close(): Promise<void>;
}

/** `rules`: extra policy YAML (a whole file); `codeowners`: the proxy's CODEOWNERS. */
export async function startE2E(o: {
  setupSql: string;
  codeowners: string;
  rules?: string;
}): Promise<E2E> {
  const db = await createTestDatabase('gh_e2e');
  const admin = await adminClient(db);
  await admin.query(o.setupSql);
  await initClassifier();
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-gh-e2e-'));
  mkdirSync(path.join(root, 'policies'));
  const settings = [
    'version: 1',
    'settings:',
    '  github:',
    `    repository: ${OWNER}/${REPO}`,
    '    base_branch: master',
    '  identities:',
    `    ${pgInfo().user}: the-requester`,
  ];
  writeFileSync(path.join(root, 'policies', 'settings.yml'), settings.join('\n'));
  if (o.rules) writeFileSync(path.join(root, 'policies', 'rules.yml'), o.rules);
  writeFileSync(path.join(root, 'CODEOWNERS'), o.codeowners);
  const policy = await PolicyStore.open({ dir: path.join(root, 'policies'), repoRoot: root });
  const approvals: Approvals = await openApprovals({ stateDir: root, logger: silentLogger });
  const adminServer = new AdminServer({
    broker: approvals.broker,
    token: 'admin-token-for-tests-0123456789',
    port: 0,
  });
  const gh = await startGitHub({
    broker: approvals.broker,
    policy,
    admin: adminServer,
    audit: approvals.audit,
    env: appEnv(),
    estimateUrl: upstreamUrl('postgres'),
    tuning: { retries: 1, retryBaseMs: 1, rateLimitBaseMs: 1, pacing: false },
  });
  const adminUrl = (await adminServer.listen()).url;
  const proxy = await startTestProxy({
    policy,
    gate: approvals.broker,
    classifierFactory: () => new SessionClassifier(policy.classifierOptions()),
    requesterFor: (u) => policy.githubLoginFor(u),
  });
  return {
    db,
    admin,
    proxy,
    gh,
    adminUrl,
    async close() {
      await proxy.close();
      await gh.close();
      await adminServer.close();
      await approvals.close();
      policy.close();
      await admin.end();
    },
  };
}

export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface AnyPr {
  ref: Bodies;
  file: Bodies;
  pr: Bodies;
  /** The request id, from the branch Sluice created. */
  id(): string;
  /** The committed request file. */
  text(): string;
  path(): string;
}

/** The PR-open calls for a request on `table`, whatever its (random) id. */
export function nockOpenAnyPr(api: nock.Scope, db: string, table: string): AnyPr {
  const ref = new Bodies();
  const file = new Bodies();
  const pr = new Bodies();
  api
    .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2Fmaster`)
    .reply(200, { object: { sha: BASE_SHA } });
  api.post(`/repos/${OWNER}/${REPO}/git/refs`, ref.match).reply(201, {});
  api
    .put(
      new RegExp(
        `^/repos/${OWNER}/${REPO}/contents/requests%2F${db}%2Fpublic%2F${table}%2Fr_[a-z2-7]{10}\\.sql$`,
      ),
      file.match,
    )
    .reply(201, { commit: { sha: HEAD_SHA } });
  api
    .post(`/repos/${OWNER}/${REPO}/pulls`, pr.match)
    .reply(201, { number: PR_NUMBER, html_url: 'https://github.com/pr/2' });
  const id = () => /sluice\/(r_[a-z2-7]{10})$/.exec(String(ref.only.ref))![1]!;
  return {
    ref,
    file,
    pr,
    id,
    text: () => Buffer.from(String(file.only.content), 'base64').toString('utf8'),
    path: () => `requests/${db}/public/${table}/${id()}.sql`,
  };
}

/** The close sequence after a cancel/deny/expiry: reason comment, PR closed, branch deleted. */
export function nockCloseAnyPr(api: nock.Scope): { comment: Bodies; update: Bodies } {
  const comment = new Bodies();
  const update = new Bodies();
  api.post(`/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`, comment.match).reply(201, {});
  api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, update.match).reply(200, {});
  api
    .delete(/^\/repos\/Codertocat\/Hello-World\/git\/refs\/heads%2Fsluice%2Fr_[a-z2-7]{10}$/)
    .reply(204);
  return { comment, update };
}
