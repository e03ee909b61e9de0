// What `sluice proxy` prints once it is ready: how to connect and how to approve.
import type { RunningProxy } from '../proxy/server.js';
import type { RunningPostgres } from './embedded-postgres.js';

export function printBanner(o: {
  proxy: RunningProxy;
  adminUrl: string;
  tokenFile: string;
  embedded?: RunningPostgres;
  policySource: string;
  stateDir: string;
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
    `GitHub App: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET, or register one at ${o.adminUrl}/probot`,
    '',
    'Ctrl-C stops Sluice' + (o.embedded ? ' and the embedded PostgreSQL.' : '.'),
    '',
  );
  process.stdout.write(lines.join('\n'));
}
