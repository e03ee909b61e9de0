// What the GitHub App needs from the policy, read fresh for every request and webhook so a
// policy reload (new repo, new identity map) applies without a restart.
import type { ApprovalRequest } from '../approval/types.js';

export interface GitHubSettings {
  /** The approvals repository: request PRs and issues are opened here. */
  owner: string;
  repo: string;
  /** PRs target this branch; its CODEOWNERS decides who owns each request path. */
  baseBranch: string;
  /** PostgreSQL role -> GitHub login (the identity map), to refuse self-approval. */
  githubLoginFor(pgUser: string): string | undefined;
  /** Slack incoming-webhook URL for this request's policy, if any. */
  slackWebhookFor(request: ApprovalRequest): string | undefined;
}

/** Returns the current settings, or undefined when the policy configures no GitHub repo. */
export type GitHubSettingsSource = () => GitHubSettings | undefined;
