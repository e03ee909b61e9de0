// The default channel: a branch `sluice/<id>` off the base branch, one request file per
// written table (so CODEOWNERS review requests fire by themselves), and a PR whose body
// explains the statement. Executed requests are squash-merged, so the record of what ran
// and who approved it lands in the base branch's history; the rest are closed.
import type { ApprovalRequest } from '../approval/types.js';
import { Channel } from '../policy/types.js';
import { errorMessage } from './github-client.js';
import { channelBody } from './request-body.js';
import type { ChannelContext, ExternalRef, RequestChannel } from './request-channel.js';
import { requestTitle } from './request-channel.js';
import { renderRequestFile, requestFilePaths } from './request-file.js';

export function requestBranch(request: Pick<ApprovalRequest, 'id'>): string {
  return `sluice/${request.id}`;
}

function body(
  request: ApprovalRequest,
  ref: Pick<ExternalRef, 'estimate'>,
  missing?: string[],
): string {
  return channelBody(Channel.pullRequest, request, ref.estimate, missing);
}

export const pullRequestChannel: RequestChannel = {
  name: Channel.pullRequest,

  async open(
    ctx: ChannelContext,
    request: ApprovalRequest,
    estimate: string,
  ): Promise<ExternalRef> {
    const { owner, repo, baseBranch } = ctx.settings;
    const gh = ctx.octokit.rest;
    const files = requestFilePaths(request);
    const base = await gh.git.getRef({ owner, repo, ref: `heads/${baseBranch}` });
    const branch = requestBranch(request);
    await gh.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: base.data.object.sha });
    let headSha = base.data.object.sha;
    for (const path of files) {
      const commit = await gh.repos.createOrUpdateFileContents({
        owner,
        repo,
        path,
        branch,
        message: `Sluice request ${request.id}: ${path}`,
        content: Buffer.from(renderRequestFile(request, path), 'utf8').toString('base64'),
      });
      headSha = commit.data.commit.sha ?? headSha;
    }
    const pr = await gh.pulls.create({
      owner,
      repo,
      base: baseBranch,
      head: branch,
      title: requestTitle(request),
      body: body(request, { estimate }),
      maintainer_can_modify: false,
    });
    return {
      channel: Channel.pullRequest,
      owner,
      repo,
      number: pr.data.number,
      url: pr.data.html_url,
      branch,
      headSha,
      estimate,
    };
  },

  async refresh(ctx, request, ref, missing) {
    await ctx.octokit.rest.pulls.update({
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.number,
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
    await gh.pulls.update({
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.number,
      state: 'closed',
      body: body(request, ref),
    });
    if (ref.branch) {
      await gh.git
        .deleteRef({ owner: ref.owner, repo: ref.repo, ref: `heads/${ref.branch}` })
        .catch((err: unknown) =>
          ctx.logger.warn({ err: errorMessage(err) }, 'could not delete request branch'),
        );
    }
  },

  async finish(ctx, request, ref, outcome) {
    const gh = ctx.octokit.rest;
    await gh.issues.createComment({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      body: outcome,
    });
    await gh.pulls.update({
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.number,
      body: body(request, ref),
    });
    const approvers = request.approvals.map((a) => `@${a.by}`).join(', ');
    // A refused merge (branch protection, a push since) must not hide the outcome: say so
    // on the PR and leave it open for a human.
    await gh.pulls
      .merge({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
        merge_method: 'squash',
        // Only what Sluice committed: if anyone pushed since, GitHub refuses (409).
        ...(ref.headSha ? { sha: ref.headSha } : {}),
        commit_title: `${requestTitle(request)} ${request.status}`,
        commit_message: `${outcome}\nApproved by ${approvers || '(nobody)'}.\nBinding hash ${request.bindingHash}.`,
      })
      .catch(async (err: unknown) => {
        ctx.logger.warn(
          { err: errorMessage(err), request: request.id },
          'could not merge the request PR',
        );
        await gh.issues.createComment({
          owner: ref.owner,
          repo: ref.repo,
          issue_number: ref.number,
          body: `Sluice could not merge this PR (${errorMessage(err)}); merge it by hand to keep the record.`,
        });
      });
  },
};
