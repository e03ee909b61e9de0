// The policy store seen from the App: no repository means GitHub mode has nothing to do;
// otherwise repo, base branch, the identity map and the tier's Slack webhook (env:NAME).
import { describe, expect, it } from 'vitest';
import { githubSettingsFromPolicy } from '../../src/github/policy-settings.js';
import type { GithubSettings } from '../../src/policy/policy-set.js';
import { newRequest } from './fixtures.js';

function policy(github: GithubSettings, identities: Record<string, string> = {}) {
  return { githubSettings: () => github, githubLoginFor: (u: string) => identities[u] };
}

describe('githubSettingsFromPolicy', () => {
  it('is undefined without settings.github.repository', () => {
    expect(
      githubSettingsFromPolicy(policy({ baseBranch: 'main', channel: 'pull_request' }))(),
    ).toBeUndefined();
  });

  it('maps repository, base branch, identities and the Slack webhook', () => {
    const s = githubSettingsFromPolicy(
      policy(
        {
          repository: { owner: 'acme', repo: 'db-approvals' },
          baseBranch: 'prod',
          channel: 'issue',
        },
        { bob: 'bob-acme' },
      ),
      { SLACK_DB: 'https://hooks.slack.com/services/x' },
    )();
    expect(s).toMatchObject({ owner: 'acme', repo: 'db-approvals', baseBranch: 'prod' });
    expect(s?.githubLoginFor('bob')).toBe('bob-acme');
    expect(s?.githubLoginFor('eve')).toBeUndefined();
    const base = {
      ...newRequest(),
      id: 'r_x',
      status: 'pending' as const,
      createdAt: '',
      expiresAt: '',
      approvals: [],
    };
    expect(
      s?.slackWebhookFor({ ...base, tier: { ...base.tier, slackWebhook: 'env:SLACK_DB' } }),
    ).toBe('https://hooks.slack.com/services/x');
    expect(
      s?.slackWebhookFor({ ...base, tier: { ...base.tier, slackWebhook: 'env:MISSING' } }),
    ).toBeUndefined();
    expect(s?.slackWebhookFor(base)).toBeUndefined();
  });
});
