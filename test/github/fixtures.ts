// Builders for the GitHub tests: held requests as the proxy submits them, real webhook
// payloads from @octokit/webhooks-examples (only the fields a test needs are changed), and
// the App's throwaway credentials.
import { createHash, createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import type { NewRequest } from '../../src/approval/types.js';
import type { ApprovalTier, PathOwners } from '../../src/policy/types.js';
import type { GitHubSettings } from '../../src/github/github-settings.js';

// The examples' repository, PR and installation: Codertocat/Hello-World, PR #2 on master.
export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const BASE = 'master';
export const PR_NUMBER = 2;
export const INSTALLATION_ID = 1;
export const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
export const BASE_SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
export const SECRET = 'test-webhook-secret-3c7f1e9a';
export const API = 'https://api.github.com';

let key: string | undefined;
/** A throwaway RSA key for the App's JWT (generated once per test file). */
export function appPrivateKey(): string {
  key ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return key;
}

export function appEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { APP_ID: '123', PRIVATE_KEY: appPrivateKey(), WEBHOOK_SECRET: SECRET, ...extra };
}

export function settings(over: Partial<GitHubSettings> = {}): GitHubSettings {
  return {
    owner: OWNER,
    repo: REPO,
    baseBranch: BASE,
    githubLoginFor: (user) => (user === 'app_writer' ? 'alice' : undefined),
    slackWebhookFor: () => undefined,
    ...over,
  };
}

export function tier(over: Partial<ApprovalTier> = {}): ApprovalTier {
  return {
    approvals: 1,
    owners: { codeowners: true, allOf: [] },
    allowSelfApproval: false,
    timeoutMs: 60_000,
    requireJustification: false,
    inTransaction: 'hold',
    channel: 'pull_request',
    ...over,
  };
}

export const ORDERS_PATH = 'requests/app/public/orders/';

export function newRequest(
  over: Partial<Omit<NewRequest, 'tier'>> & { tier?: Partial<ApprovalTier>; table?: string } = {},
): NewRequest {
  const table = over.table ?? 'orders';
  const sql = over.sql ?? `DELETE FROM ${table} WHERE id = 42`;
  const paths: PathOwners[] = over.paths ?? [
    { path: `requests/app/public/${table}/`, owners: ['@Codertocat'] },
  ];
  const { tier: tierOver, ...withTable } = over;
  delete withTable.table;
  const rest = withTable;
  return {
    sql,
    params: [],
    bindingHash: createHash('sha256').update(sql).digest('hex'),
    session: {
      user: 'app_writer',
      database: 'app',
      applicationName: 'billing-job',
      clientAddress: '10.0.0.7',
      sessionId: 'sess-1',
    },
    transactionStatus: 'I',
    classification: {
      class: 'write',
      statements: [
        {
          sql,
          location: 0,
          length: Buffer.byteLength(sql),
          kind: 'DeleteStmt',
          class: 'write',
          relations: [{ schema: 'public', name: table, qualified: false, access: 'write' }],
          functions: [],
          flags: [],
          risk: 'medium',
          reasons: ['deletes rows'],
          fingerprint: 'f00d',
        },
      ],
    },
    rule: { id: 'policies/prod.yml#deletes', name: 'deletes', file: 'policies/prod.yml', line: 7 },
    paths,
    ...rest,
    tier: tier(tierOver),
  };
}

type Example = Record<string, unknown> & { action: string };

/** Webhook payloads and API resources are edited field by field in tests: loosely typed on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

// The package is CommonJS JSON: load it as such.
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples',
) as WebhookDefinition[];

/** A deep copy of the first example of `event` with `action` (and installation, when asked). */
export function example(event: string, action: string): Loose {
  const def = examples.find((d) => d.name === event);
  const found = (def?.examples as Example[] | undefined)?.find(
    (e) => e.action === action && 'installation' in e,
  );
  if (!found) throw new Error(`no ${event}.${action} example with an installation`);
  return structuredClone(found);
}

export function reviewPayload(o: {
  action?: 'submitted' | 'dismissed';
  state: 'approved' | 'changes_requested' | 'commented' | 'dismissed';
  login: string;
  commitId?: string;
  reviewId?: number;
  body?: string | null;
  number?: number;
  repo?: { owner: string; name: string };
}): Loose {
  const p = example('pull_request_review', o.action ?? 'submitted');
  p.review.state = o.state;
  p.review.user.login = o.login;
  if (o.commitId !== undefined) p.review.commit_id = o.commitId;
  if (o.reviewId !== undefined) p.review.id = o.reviewId;
  if (o.body !== undefined) p.review.body = o.body;
  if (o.number !== undefined) p.pull_request.number = o.number;
  if (o.repo) {
    p.repository.owner.login = o.repo.owner;
    p.repository.name = o.repo.name;
    p.repository.full_name = `${o.repo.owner}/${o.repo.name}`;
  }
  return p;
}

export function commentPayload(o: {
  body: string;
  login: string;
  action?: 'created' | 'edited';
  commentId?: number;
  number?: number;
  onPullRequest?: boolean;
}): Loose {
  const def = examples.find((d) => d.name === 'issue_comment');
  const found = (def?.examples as Example[]).find(
    (e) => e.action === (o.action ?? 'created') && 'installation' in e,
  );
  // The examples have no installation on `edited`: borrow the created one's.
  const p = structuredClone(
    found ?? (def?.examples as Example[]).find((e) => e.action === (o.action ?? 'created')),
  ) as Loose;
  p.installation ??= example('issue_comment', 'created').installation;
  p.comment.body = o.body;
  p.comment.user.login = o.login;
  if (o.commentId !== undefined) p.comment.id = o.commentId;
  if (o.number !== undefined) p.issue.number = o.number;
  if (o.onPullRequest)
    p.issue.pull_request = { url: `${API}/repos/${OWNER}/${REPO}/pulls/${p.issue.number}` };
  return p;
}

export function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Delivery {
  status: number;
  text: string;
}

/** POSTs a webhook to the running admin listener, signed like GitHub does. */
export async function deliver(
  baseUrl: string,
  event: string,
  payload: unknown,
  o: { id?: string; secret?: string; signature?: string | null } = {},
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': o.id ?? randomUUID(),
    'user-agent': 'GitHub-Hookshot/test',
  };
  const signature = o.signature === undefined ? sign(body, o.secret) : o.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const res = await fetch(`${baseUrl}/api/github/webhooks`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

/** The example pull request, as GET /repos/{o}/{r}/pulls/{n} would return it, at `headSha`. */
export function pullRequestResource(
  o: { headSha?: string; state?: 'open' | 'closed'; baseRef?: string; number?: number } = {},
): Loose {
  const pr = example('pull_request_review', 'submitted').pull_request;
  pr.head.sha = o.headSha ?? HEAD_SHA;
  pr.state = o.state ?? 'open';
  pr.base.ref = o.baseRef ?? BASE;
  if (o.number !== undefined) pr.number = o.number;
  return pr;
}

export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function fromBase64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}
