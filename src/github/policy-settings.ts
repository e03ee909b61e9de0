// Adapts the policy store to what the GitHub App reads: the approvals repository and base
// branch (settings.github), the identity map, and each tier's Slack webhook (`env:NAME`
// resolved at send time, so the secret URL stays out of the policy repository).
import type { GithubSettings } from '../policy/policy-set.js';
import { resolveSlackWebhook } from '../policy/slack-webhook.js';
import type { GitHubSettings, GitHubSettingsSource } from './github-settings.js';

/** The slice of PolicyStore used here. */
export interface PolicyGitHubView {
  githubSettings(): GithubSettings;
  githubLoginFor(pgUser: string): string | undefined;
}

export function githubSettingsFromPolicy(
  policy: PolicyGitHubView,
  env: NodeJS.ProcessEnv = process.env,
): GitHubSettingsSource {
  return (): GitHubSettings | undefined => {
    const g = policy.githubSettings();
    if (!g.repository) return undefined;
    return {
      owner: g.repository.owner,
      repo: g.repository.repo,
      baseBranch: g.baseBranch,
      githubLoginFor: (pgUser) => policy.githubLoginFor(pgUser),
      slackWebhookFor: (request) => resolveSlackWebhook(request.tier.slackWebhook, env),
    };
  };
}
