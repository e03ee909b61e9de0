// Which channel a request uses: a PR named by the session wins (comment channel), else the
// tier's channel from the policy (pull_request by default).
import type { ApprovalRequest } from '../approval/types.js';
import { Channel } from '../policy/types.js';
import { commentChannel } from './channel-comment.js';
import { issueChannel } from './channel-issue.js';
import { pullRequestChannel } from './channel-pull-request.js';
import type { RequestChannel } from './request-channel.js';

export function channelFor(
  request: Pick<ApprovalRequest, 'linkedPullRequest' | 'tier'>,
): RequestChannel {
  if (request.linkedPullRequest) return commentChannel;
  switch (request.tier.channel) {
    case Channel.pullRequest:
      return pullRequestChannel;
    case Channel.issue:
      return issueChannel;
    case Channel.comment:
      // A comment channel without a named PR has nowhere to post: use a PR of its own.
      return pullRequestChannel;
  }
}
