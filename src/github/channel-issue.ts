// The issue channel: the same content as an issue in the approvals repo; owners approve
// with a new `/approve <reason>` comment (edits are ignored) and deny with `/deny <reason>`.
import type { ApprovalRequest } from '../approval/types.js';
import { Channel } from '../policy/types.js';
import { channelBody } from './request-body.js';
import type { ExternalRef, RequestChannel } from './request-channel.js';
import { requestTitle } from './request-channel.js';

function body(
  request: ApprovalRequest,
  ref: Pick<ExternalRef, 'estimate'>,
  missing?: string[],
): string {
  return channelBody(Channel.issue, request, ref.estimate, missing);
}

export const issueChannel: RequestChannel = {
  name: Channel.issue,

  async open(ctx, request, estimate) {
    const { owner, repo } = ctx.settings;
    const issue = await ctx.octokit.rest.issues.create({
      owner,
      repo,
      title: requestTitle(request),
      body: body(request, { estimate }),
    });
    return {
      channel: Channel.issue,
      owner,
      repo,
      number: issue.data.number,
      url: issue.data.html_url,
      estimate,
    };
  },

  async refresh(ctx, request, ref, missing) {
    await ctx.octokit.rest.issues.update({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      body: body(request, ref, missing),
    });
  },

  async close(ctx, request, ref, why) {
    const gh = ctx.octokit.rest;
    await gh.issues.createComment({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      body: why,
    });
    await gh.issues.update({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      state: 'closed',
      state_reason: 'not_planned',
      body: body(request, ref),
    });
  },

  async finish(ctx, request, ref, outcome) {
    const gh = ctx.octokit.rest;
    await gh.issues.createComment({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      body: outcome,
    });
    await gh.issues.update({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      state: 'closed',
      state_reason: 'completed',
      body: body(request, ref),
    });
  },
};
