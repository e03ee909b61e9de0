// The comment channel: the session named a PR (say, a migration's deploy job), so the
// request is posted as a comment on that PR and the owners approve with a review on it,
// at its head commit. The PR belongs to its authors: Sluice never closes or merges it.
import type { ApprovalRequest } from '../approval/types.js';
import { Channel } from '../policy/types.js';
import { parsePullRequestRef } from './github-client.js';
import { channelBody } from './request-body.js';
import type { ExternalRef, RequestChannel } from './request-channel.js';

function body(
  request: ApprovalRequest,
  ref: Pick<ExternalRef, 'estimate'>,
  missing?: string[],
): string {
  return channelBody(Channel.comment, request, ref.estimate, missing);
}

export class LinkedPullRequestError extends Error {
  override name = 'LinkedPullRequestError';
}

export function linkedPullRequestOf(request: Pick<ApprovalRequest, 'linkedPullRequest'>) {
  const linked = request.linkedPullRequest
    ? parsePullRequestRef(request.linkedPullRequest)
    : undefined;
  if (!linked)
    throw new LinkedPullRequestError(
      `not a PR reference: ${JSON.stringify(request.linkedPullRequest)}`,
    );
  return linked;
}

export const commentChannel: RequestChannel = {
  name: Channel.comment,

  async open(ctx, request, estimate) {
    const pr = linkedPullRequestOf(request);
    const gh = ctx.octokit.rest;
    // Must be an open PR (not an issue, not merged): a review on it is the approval.
    const { data } = await gh.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number });
    if (data.state !== 'open')
      throw new LinkedPullRequestError(`${request.linkedPullRequest} is not open`);
    const comment = await gh.issues.createComment({
      owner: pr.owner,
      repo: pr.repo,
      issue_number: pr.number,
      body: body(request, { estimate }),
    });
    return {
      channel: Channel.comment,
      owner: pr.owner,
      repo: pr.repo,
      number: pr.number,
      url: comment.data.html_url,
      commentId: comment.data.id,
      estimate,
    };
  },

  async refresh(ctx, request, ref, missing) {
    if (ref.commentId === undefined) return;
    await ctx.octokit.rest.issues.updateComment({
      owner: ref.owner,
      repo: ref.repo,
      comment_id: ref.commentId,
      body: body(request, ref, missing),
    });
  },

  async close(ctx, request, ref, why) {
    await this.refresh(ctx, request, ref, []);
    await ctx.octokit.rest.issues.createComment({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      body: `Sluice request ${request.id}: ${why}`,
    });
  },

  async finish(ctx, request, ref, outcome) {
    await this.refresh(ctx, request, ref, []);
    await ctx.octokit.rest.issues.createComment({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      body: `Sluice request ${request.id}: ${outcome}`,
    });
  },
};
