// nock stand-ins for the GitHub API calls one channel step makes; every request body is
// recorded (Bodies) so tests can assert it.
import nock from 'nock';
import { expect } from 'vitest';
import type { NewRequest } from '../../src/approval/types.js';
import { Bodies, hold, type Harness, type Held } from './harness.js';
import {
  API,
  BASE,
  BASE_SHA,
  base64,
  HEAD_SHA,
  INSTALLATION_ID,
  OWNER,
  PR_NUMBER,
  pullRequestResource,
  REPO,
} from './fixtures.js';

export function github(baseUrl = API): nock.Scope {
  return nock(baseUrl);
}

/** GET /repos/{o}/{r}/installation (JWT) and the installation token. */
export function nockAppAuth(
  scope: nock.Scope,
  repo = `${OWNER}/${REPO}`,
  installationId = INSTALLATION_ID,
): nock.Scope {
  return scope
    .get(`/repos/${repo}/installation`)
    .reply(200, { id: installationId, account: { login: repo.split('/')[0] } })
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, {
      token: 'ghs_installation_token',
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: {},
    });
}

export interface OpenedPr {
  ref: Bodies;
  files: Bodies;
  pr: Bodies;
  /** The request file as committed (for GET contents at the head). */
  fileText(i?: number): string;
}

/** The four calls of the pull_request channel's open(): base ref, branch, file(s), PR. */
export function nockOpenPr(scope: nock.Scope, id: string, paths: string[]): OpenedPr {
  const ref = new Bodies();
  const files = new Bodies();
  const pr = new Bodies();
  scope
    .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
    .reply(200, { ref: `refs/heads/${BASE}`, object: { sha: BASE_SHA, type: 'commit' } });
  scope
    .post(`/repos/${OWNER}/${REPO}/git/refs`, ref.match)
    .reply(201, { ref: `refs/heads/sluice/${id}`, object: { sha: BASE_SHA } });
  for (const path of paths) {
    scope
      .put(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(path)}`, files.match)
      .reply(201, { content: { path }, commit: { sha: HEAD_SHA } });
  }
  scope.post(`/repos/${OWNER}/${REPO}/pulls`, pr.match).reply(201, {
    number: PR_NUMBER,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR_NUMBER}`,
  });
  return {
    ref,
    files,
    pr,
    fileText: (i = 0) =>
      Buffer.from(String(files.all[i]?.content ?? ''), 'base64').toString('utf8'),
  };
}

/** CODEOWNERS on the base branch: not in .github/, found at the root. */
export function nockCodeowners(
  scope: nock.Scope,
  text: string,
  repo = `${OWNER}/${REPO}`,
): nock.Scope {
  return scope
    .get(`/repos/${repo}/contents/.github%2FCODEOWNERS`)
    .query({ ref: BASE })
    .reply(404, { message: 'Not Found' })
    .get(`/repos/${repo}/contents/CODEOWNERS`)
    .query({ ref: BASE })
    .reply(200, { type: 'file', path: 'CODEOWNERS', encoding: 'base64', content: base64(text) });
}

/** GET of a request file at a commit, answering with `text`. */
export function nockRequestFileAt(
  scope: nock.Scope,
  path: string,
  sha: string,
  text: string,
): nock.Scope {
  return scope
    .get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(path)}`)
    .query({ ref: sha })
    .reply(200, { type: 'file', path, encoding: 'base64', content: base64(text) });
}

export interface OpenRequest extends Held {
  api: nock.Scope;
  opened: OpenedPr;
  /** The request file as committed. */
  text: string;
  file: string;
}

/** Holds `request` and lets the pull_request channel open its PR (auth + four calls). */
export async function openRequest(
  h: Harness,
  request: NewRequest,
  id = 'r_aaaaaaaaaa',
): Promise<OpenRequest> {
  const api = github();
  nockAppAuth(api);
  const files = (request.paths.length > 0 ? request.paths.map((p) => p.path) : []).map(
    (p) => `${p}${id}.sql`,
  );
  const opened = nockOpenPr(api, id, files);
  const held = await hold(h, request);
  expect(held.handle.id).toBe(id);
  await h.gh.idle();
  expect(api.pendingMocks()).toEqual([]);
  return { ...held, api, opened, text: opened.fileText(), file: files[0]! };
}

/** The approval checks' reads: the PR (fresh head), the request file at the head, CODEOWNERS. */
export function nockApprovalReads(
  api: nock.Scope,
  o: { file: string; text: string; codeowners: string; headSha?: string },
): void {
  api
    .get(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`)
    .reply(200, pullRequestResource(o.headSha ? { headSha: o.headSha } : {}));
  nockRequestFileAt(api, o.file, o.headSha ?? HEAD_SHA, o.text);
  nockCodeowners(api, o.codeowners);
}

/** A comment Sluice posts on the PR; returns its recorded body. */
export function nockComment(api: nock.Scope, number = PR_NUMBER): Bodies {
  const b = new Bodies();
  api
    .post(`/repos/${OWNER}/${REPO}/issues/${number}/comments`, b.match)
    .reply(201, { id: 99, html_url: 'https://github.com/x' });
  return b;
}

/** PATCH of the PR body (re-render); returns its recorded bodies. */
export function nockPrUpdate(api: nock.Scope, times = 1): Bodies {
  const b = new Bodies();
  api.patch(`/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`, b.match).times(times).reply(200, {});
  return b;
}
