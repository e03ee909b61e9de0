// What `sluice proxy` prints once it is ready: how to connect and how to approve.
import type { RunningPostgres } from './embedded-postgres.js';

/** What GitHub mode is doing, for the banner. */
export type GitHubBanner =
  | { mode: 'setup'; url: string }
  | {
      mode: 'app';
      appId: number;
      /** owner/repo from the policy's settings.github, or null when none is set. */
      repo: string | null;
      webhookUrl: string;
      codeowners: string | null;
    };

function githubLines(g: GitHubBanner | undefined, adminUrl: string): string[] {
  if (!g)
    return [
      `GitHub App: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET, or register one at ${adminUrl}/probot`,
    ];
  switch (g.mode) {
    case 'setup':
      return [
        `GitHub App: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET, or register one at ${g.url}`,
      ];
    case 'app':
      return [
        `GitHub App ${g.appId} → ${g.repo ?? '(no repository: set settings.github.repository in the policy)'}`,
        `  webhook URL: ${g.webhookUrl} (or the public URL that forwards to it)`,
        `  CODEOWNERS: ${g.codeowners ?? '(none found)'}`,
      ];
  }
}

export function printBanner(o: {
  /** Where clients connect. */
  proxy: { host: string; port: number };
  adminUrl: string;
  tokenFile: string;
  embedded?: RunningPostgres;
  policySource: string;
  stateDir: string;
  github?: GitHubBanner;
}): void {
  const host = o.proxy.host;
  const lines = ['', `Sluice is listening on ${host}:${o.proxy.port}`];
  if (o.embedded) {
    const url = `postgres://${o.embedded.user}:${encodeURIComponent(o.embedded.password)}@${host}:${o.proxy.port}/postgres`;
    lines.push('', 'Connect through Sluice (embedded PostgreSQL behind it):', `  psql "${url}"`);
  } else {
    lines.push(
      `Point clients at ${host}:${o.proxy.port} with their usual user, password and database.`,
    );
  }
  lines.push(
    '',
    `Policy: ${o.policySource === 'defaults' ? 'built-in defaults (reads pass, writes wait for approval)' : 'from files'}`,
    `Approvals: ${o.adminUrl} (token in ${o.tokenFile})`,
    '  sluice requests                 list held statements',
    '  sluice approve ID --reason …    release one',
    '  sluice deny ID --reason …       refuse one',
    '  (from a checkout: npx sluice …)',
    ...githubLines(o.github, o.adminUrl),
    '',
    'Ctrl-C stops Sluice' + (o.embedded ? ' and the embedded PostgreSQL.' : '.'),
    '',
  );
  process.stdout.write(lines.join('\n'));
}
