// The gate in front of broker.approve/deny for GitHub votes. An approval counts only when
// ALL hold: the request is pending; the reviewer is not the requester; the review is on
// the PR's head commit, fetched fresh; what the reviewers were shown carries the request's
// binding hash; the reviewer actively owns every request path per the base branch's
// CODEOWNERS. The broker then checks the hash again and decides release by the tier.
import type { ApprovalRequest, ResolveResult } from '../approval/types.js';
import { Channel } from '../policy/types.js';
import { errorMessage, sameLogin, type GitHubClient } from './github-client.js';
import type { GitHubDeps } from './github-deps.js';
import type { GitHubSettings } from './github-settings.js';
import { checkOwnership } from './owner-check.js';
import { readRequestMarker } from './request-body.js';
import type { ExternalRef } from './request-channel.js';
import { parseRequestHeader, requestFilePaths } from './request-file.js';

export type VoteOutcome =
  | { ok: true; result: Extract<ResolveResult, { ok: true }> }
  | {
      ok: false;
      reason: string;
      /** not_owner, stale_commit, self_approval, hash_not_shown, github_error, ... */
      code: string;
      /** The broker refused it and already wrote the audit record. */
      audited?: boolean;
    };

export interface VoteInput {
  request: ApprovalRequest;
  ref: ExternalRef;
  login: string;
  /** 'github:review:<id>' or 'github:comment:<id>'. */
  source: string;
  reason?: string;
  /** The review's commit_id (review-based channels). */
  commitId?: string;
  /** Client for the repo the webhook came from (where the PR/issue lives). */
  octokit: GitHubClient;
}

function refuse(code: string, reason: string): VoteOutcome {
  return { ok: false, code, reason };
}

function brokerRefused(result: Extract<ResolveResult, { ok: false }>): VoteOutcome {
  // The broker audits its own refusals (hash mismatch, self-approval), not the rest.
  const audited = result.code === 'hash_mismatch' || result.code === 'forbidden';
  return { ok: false, code: result.code, reason: `${result.code}: ${result.message}`, audited };
}

/** The requester's GitHub identity via the identity map (and what the proxy recorded). */
export function isRequester(
  settings: GitHubSettings,
  request: ApprovalRequest,
  login: string,
): boolean {
  const mapped = settings.githubLoginFor(request.session.user);
  return sameLogin(mapped, login) || sameLogin(request.session.requester, login);
}

/** The binding hash in what the reviewers see, read fresh from GitHub (never from our memory). */
async function shownBindingHash(
  input: VoteInput,
  headSha: string | undefined,
): Promise<string | undefined> {
  const { ref, request, octokit } = input;
  switch (ref.channel) {
    case Channel.pullRequest: {
      // Every request file at the reviewed commit must carry the same hash.
      let hash: string | undefined;
      for (const path of requestFilePaths(request)) {
        const { data } = await octokit.rest.repos.getContent({
          owner: ref.owner,
          repo: ref.repo,
          path,
          ...(headSha ? { ref: headSha } : {}),
        });
        if (Array.isArray(data) || data.type !== 'file' || typeof data.content !== 'string')
          return undefined;
        const found = parseRequestHeader(Buffer.from(data.content, 'base64').toString('utf8')).get(
          'binding-hash',
        );
        if (!found || (hash !== undefined && found !== hash)) return undefined;
        hash = found;
      }
      return hash;
    }
    case Channel.comment: {
      if (ref.commentId === undefined) return undefined;
      const { data } = await octokit.rest.issues.getComment({
        owner: ref.owner,
        repo: ref.repo,
        comment_id: ref.commentId,
      });
      const marker = readRequestMarker(data.body);
      return marker?.id === request.id ? marker.bindingHash : undefined;
    }
    case Channel.issue: {
      const { data } = await octokit.rest.issues.get({
        owner: ref.owner,
        repo: ref.repo,
        issue_number: ref.number,
      });
      if (data.state !== 'open') return undefined;
      const marker = readRequestMarker(data.body);
      return marker?.id === request.id ? marker.bindingHash : undefined;
    }
  }
}

/** Head commit checks for review-based channels: the head SHA, or why the review is refused. */
async function freshHead(
  input: VoteInput,
  settings: GitHubSettings,
): Promise<{ sha: string } | { code: string; refused: string }> {
  const { ref, octokit } = input;
  const { data: pr } = await octokit.rest.pulls.get({
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
  });
  if (pr.state !== 'open') return { code: 'not_open', refused: 'the pull request is not open' };
  if (ref.channel === Channel.pullRequest && pr.base.ref !== settings.baseBranch) {
    // A retargeted base could bring a friendlier CODEOWNERS along.
    return {
      code: 'base_changed',
      refused: `the pull request no longer targets ${settings.baseBranch}`,
    };
  }
  if (!input.commitId || input.commitId !== pr.head.sha) {
    return {
      code: 'stale_commit',
      refused: `the review is on commit ${input.commitId ?? '(none)'}, not the head ${pr.head.sha}`,
    };
  }
  return { sha: pr.head.sha };
}

const NOT_CONFIGURED = 'GitHub approvals are not configured in the policy';

export async function approveFromGitHub(deps: GitHubDeps, input: VoteInput): Promise<VoteOutcome> {
  const settings = deps.settings();
  if (!settings) return refuse('not_configured', NOT_CONFIGURED);
  const request = await deps.broker.get(input.request.id);
  if (!request || request.status !== 'pending') {
    return refuse('not_pending', `request ${input.request.id} is no longer pending`);
  }
  if (!request.tier.allowSelfApproval && isRequester(settings, request, input.login)) {
    return refuse('self_approval', 'the requester cannot approve their own request');
  }
  try {
    let headSha: string | undefined;
    if (input.ref.channel !== Channel.issue) {
      const head = await freshHead(input, settings);
      if ('refused' in head) return refuse(head.code, head.refused);
      headSha = head.sha;
    }
    const shown = await shownBindingHash({ ...input, request }, headSha);
    if (!shown) {
      return refuse(
        'hash_not_shown',
        'the request on GitHub does not carry this request’s binding hash',
      );
    }
    const approvalsRepo = await deps.clients.forRepo({
      owner: settings.owner,
      repo: settings.repo,
    });
    const ownership = await checkOwnership(
      approvalsRepo,
      { owner: settings.owner, repo: settings.repo, baseBranch: settings.baseBranch },
      request,
      input.login,
    );
    if (!ownership.ok) return refuse('not_owner', ownership.reason);
    const result = await deps.broker.approve(request.id, {
      by: input.login,
      source: input.source,
      teams: ownership.teams,
      bindingHash: shown,
      ...(input.reason ? { reason: input.reason } : {}),
    });
    if (!result.ok) return brokerRefused(result);
    return { ok: true, result };
  } catch (err) {
    // GitHub unreachable while checking: the vote does not count (fail closed).
    deps.logger.warn(
      { err: errorMessage(err), request: request.id },
      'GitHub approval check failed',
    );
    return refuse(
      'github_error',
      `could not verify the approval with GitHub (${errorMessage(err)})`,
    );
  }
}

export async function denyFromGitHub(
  deps: GitHubDeps,
  input: Pick<VoteInput, 'request' | 'login'> & { reason: string },
): Promise<VoteOutcome> {
  const settings = deps.settings();
  if (!settings) return refuse('not_configured', NOT_CONFIGURED);
  try {
    const approvalsRepo = await deps.clients.forRepo({
      owner: settings.owner,
      repo: settings.repo,
    });
    const ownership = await checkOwnership(
      approvalsRepo,
      { owner: settings.owner, repo: settings.repo, baseBranch: settings.baseBranch },
      input.request,
      input.login,
      'any',
    );
    // The requester may always withdraw their own statement.
    if (!ownership.ok && !isRequester(settings, input.request, input.login)) {
      return refuse('not_owner', ownership.reason);
    }
    const result = await deps.broker.deny(input.request.id, input.login, input.reason);
    if (!result.ok) return brokerRefused(result);
    return { ok: true, result };
  } catch (err) {
    deps.logger.warn(
      { err: errorMessage(err), request: input.request.id },
      'GitHub denial check failed',
    );
    return refuse('github_error', `could not verify the denial with GitHub (${errorMessage(err)})`);
  }
}
