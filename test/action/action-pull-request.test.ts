// The Action's entry (action/src/main.ts) run in-process on a pull request, as the runner
// would run it: inputs from action.yml + `with:`, the recorded pull_request payload, and
// GitHub's REST API (the PR's files) faked with nock.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  at,
  example,
  FIXTURES,
  GH_REPO,
  PR_NUMBER,
  REPO_ROOT,
  runInProcess,
  TOKEN,
  Workdir,
  type RunOptions,
} from './harness.js';

const work = new Workdir();
const fixture = (name: string) => path.join(FIXTURES, name);
const run = (o: RunOptions) => runInProcess(o, work);

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(async () => {
  nock.enableNetConnect();
  await work.cleanup();
});

/** The recorded pull_request.opened payload; only changed_files is set to what the API lists. */
function pullRequestEvent(changedFiles: number) {
  const payload = example('pull_request', 'opened');
  expect(payload.pull_request.number).toBe(PR_NUMBER);
  expect(payload.repository.full_name).toBe(GH_REPO);
  payload.pull_request.changed_files = changedFiles;
  return { name: 'pull_request', payload };
}

/** A file entry as GET /repos/{owner}/{repo}/pulls/{n}/files returns it. */
function diffEntry(filename: string, status: 'added' | 'modified' | 'removed' | 'renamed') {
  const raw = `https://github.com/${GH_REPO}/raw/ec26c3e57ca3a959ca5aad62de7213c562f8c821/${filename}`;
  return {
    sha: 'bbcd538c8e72b8c175046e27cc8f907076331401',
    filename,
    status,
    additions: status === 'removed' ? 0 : 3,
    deletions: status === 'removed' ? 3 : 0,
    changes: 3,
    blob_url: raw.replace('/raw/', '/blob/'),
    raw_url: raw,
    contents_url: `https://api.github.com/repos/${GH_REPO}/contents/${filename}?ref=ec26c3e57ca3a959ca5aad62de7213c562f8c821`,
    patch: '@@ -0,0 +1,3 @@',
  };
}

const FILES_PATH = `/repos/${GH_REPO}/pulls/${PR_NUMBER}/files`;

/** Two pages, as GitHub paginates: page 2 is only reached through the Link header. */
function nockPullRequestFiles(): { auth: string[] } {
  const seen = { auth: [] as string[] };
  nock('https://api.github.com')
    .get(FILES_PATH)
    .query({ per_page: '100' })
    .reply(function () {
      seen.auth.push(String(this.req.headers.authorization));
      return [
        200,
        [
          diffEntry('README.md', 'modified'),
          diffEntry('migrations/20230101_legacy.sql', 'removed'),
        ],
        {
          link: `<https://api.github.com${FILES_PATH}?per_page=100&page=2>; rel="next", <https://api.github.com${FILES_PATH}?per_page=100&page=2>; rel="last"`,
        },
      ];
    })
    .get(FILES_PATH)
    .query({ per_page: '100', page: '2' })
    .reply(200, [diffEntry('migrations/20240102_order_notes.sql', 'added')]);
  return seen;
}

describe('a pull request with a migration that needs review', () => {
  const options = (failOn?: string): RunOptions => ({
    cwd: fixture('valid'),
    with: {
      sql: 'migrations/**/*.sql',
      database: 'production',
      ...(failOn ? { 'fail-on': failOn } : {}),
    },
    event: pullRequestEvent(3),
  });

  it('classifies only the changed SQL files, with decisions and owners; passes by default', async () => {
    const seen = nockPullRequestFiles();
    const r = await run(options());
    expect(seen.auth).toEqual([`token ${TOKEN}`]);
    expect(r.annotations.map(at)).toEqual([
      'notice migrations/20240102_order_notes.sql:2',
      'notice migrations/20240102_order_notes.sql:4',
      'warning migrations/20240102_order_notes.sql:7',
    ]);
    expect(r.annotations[0]).toMatchObject({
      title: 'Sluice: Statement will be held for approval',
      message:
        'AlterTableStmt would be held until approved by @acme/orders, @acme/dba (2 approvals; rule policies/production.yml:14 (schema-changes))',
    });
    expect(r.annotations[2]!.message).toBe(
      'DeleteStmt would be denied by policies/production.yml:7 (no-unbounded-writes): UPDATE and DELETE without a WHERE clause are not allowed on production',
    );
    expect(r.outputs).toEqual({ 'held-count': '2', 'denied-count': '1', valid: 'true' });
    expect(r.exitCode).toBe(0);

    // The unchanged migration is not in the summary; the changed one is, row by row.
    expect(r.summary).not.toContain('20240101_orders.sql');
    expect(r.summary).toContain('<p>✅ Passed (fail-on: <code>invalid</code>)</p>');
    expect(r.summary).toContain(
      'SQL (files changed in #2 and matching migrations/**/*.sql): 1 file, 4 statements, 2 held for approval, 1 denied',
    );
    expect(r.summary).toContain(
      '<tr><th>Statement</th><th>File:line</th><th>Class</th><th>Decision</th><th>Rule</th><th>Owners</th></tr>',
    );
    const rows = [...r.summary.matchAll(/<tr><td>(.*?)<\/td><\/tr>/g)].map((m) =>
      m[1]!.split('</td><td>'),
    );
    expect(rows).toEqual([
      [
        '<code>ALTER TABLE orders ADD COLUMN note text</code>',
        '<code>migrations/20240102_order_notes.sql:2</code>',
        'write',
        '⏸️ review (2 approvals)',
        'policies/production.yml:14 (schema-changes)',
        '@acme/orders, @acme/dba',
      ],
      [
        '<code>UPDATE orders SET note = &#39;&#39; WHERE id &gt; 0</code>',
        '<code>migrations/20240102_order_notes.sql:4</code>',
        'write',
        '⏸️ review (1 approval)',
        'policies/production.yml:24 (writes)',
        '@acme/orders',
      ],
      [
        '<code>SELECT count(*) FROM orders</code>',
        '<code>migrations/20240102_order_notes.sql:6</code>',
        'read',
        '✅ allow',
        'policies/production.yml:31 (reads)',
        '—',
      ],
      [
        '<code>DELETE FROM orders</code>',
        '<code>migrations/20240102_order_notes.sql:7</code>',
        'write',
        '⛔ deny: UPDATE and DELETE without a WHERE clause are not allowed on production',
        'policies/production.yml:7 (no-unbounded-writes)',
        '—',
      ],
    ]);
  });

  it('fail-on: review fails the job, and the held and denied statements become errors', async () => {
    nockPullRequestFiles();
    const r = await run(options('review'));
    expect(r.exitCode).toBe(1);
    expect(r.annotations.map(at)).toEqual([
      'error migrations/20240102_order_notes.sql:2',
      'error migrations/20240102_order_notes.sql:4',
      'error migrations/20240102_order_notes.sql:7',
      'error -:-',
    ]);
    expect(r.annotations[3]!.message).toBe(
      'Failed: 2 statements would be held for approval; 1 statement would be denied (fail-on: review)',
    );
    expect(r.summary).toContain(
      '<p>❌ Failed: 2 statements would be held for approval; 1 statement would be denied (fail-on: <code>review</code>)</p>',
    );
    // docs/action.md shows this very run's summary: keep it true.
    const doc = await readFile(path.join(REPO_ROOT, 'docs/action.md'), 'utf8');
    const quoted = doc
      .split('\n')
      .filter((l) => l.startsWith('> '))
      .map((l) => l.slice(2));
    expect(quoted.join('\n')).toBe(r.summary.trim());
  });

  it('fails, and says why, when GitHub cannot list the files', async () => {
    nock('https://api.github.com')
      .get(FILES_PATH)
      .query({ per_page: '100' })
      .reply(403, { message: 'Resource not accessible by integration' });
    const r = await run(options());
    expect(r.exitCode).toBe(1);
    expect(r.annotations).toHaveLength(1);
    expect(r.annotations[0]).toMatchObject({ level: 'error' });
    expect(r.annotations[0]!.message).toMatch(
      /^sluice: cannot list the files of Codertocat\/Hello-World#2 \(the token needs pull-requests: read\): Resource not accessible by integration/,
    );
    expect(r.outputs).toEqual({});
  });

  it('a push event checks every matching file (no API call)', async () => {
    const r = await run({ ...options(), event: { name: 'push', payload: example('push') } });
    expect(r.annotations.map(at)).toEqual([
      'notice -:-',
      'notice migrations/20240101_orders.sql:2',
      'notice migrations/20240102_order_notes.sql:2',
      'notice migrations/20240102_order_notes.sql:4',
      'warning migrations/20240102_order_notes.sql:7',
    ]);
    expect(r.annotations[0]!.message).toBe(
      'changed-only: "push" is not a pull request event, so every file matching sql is checked',
    );
    expect(r.outputs['held-count']).toBe('3');
    expect(r.exitCode).toBe(0);
  });
});
