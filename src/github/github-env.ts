// Reads the GitHub App settings from the environment, once, at startup.
// No credentials at all means "setup mode" (the manifest flow at /probot); credentials
// without a webhook secret are refused, because an unsigned webhook could release writes.
import { readFileSync } from 'node:fs';

export interface GitHubAppEnv {
  mode: 'app';
  appId: number;
  privateKey: string;
  webhookSecret: string;
  /** REST base URL: https://api.github.com, or <GHE_PROTOCOL>://<GHE_HOST>/api/v3. */
  baseUrl: string;
  /** Web host for links and the App creation page (github.com or the GHE host). */
  webUrl: string;
}

export interface GitHubSetupEnv {
  mode: 'setup';
  baseUrl: string;
  webUrl: string;
  /** Register the App for this organization instead of the user account (GH_ORG). */
  org?: string;
}

export type GitHubEnv = GitHubAppEnv | GitHubSetupEnv;

export class GitHubConfigError extends Error {
  override name = 'GitHubConfigError';
}

/** REST and web base URLs; GHE_HOST/GHE_PROTOCOL select a GitHub Enterprise Server. */
export function githubUrls(env: NodeJS.ProcessEnv): { baseUrl: string; webUrl: string } {
  const host = env.GHE_HOST?.trim();
  if (!host) return { baseUrl: 'https://api.github.com', webUrl: 'https://github.com' };
  const protocol = (env.GHE_PROTOCOL?.trim() || 'https').replace(/:?\/*$/, '');
  if (protocol !== 'https' && protocol !== 'http') {
    throw new GitHubConfigError(`GHE_PROTOCOL must be https or http, not '${protocol}'`);
  }
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
    throw new GitHubConfigError(`GHE_HOST must be a host name (optionally :port), not '${host}'`);
  }
  return { baseUrl: `${protocol}://${host}/api/v3`, webUrl: `${protocol}://${host}` };
}

/** PEM from PRIVATE_KEY (literal newlines or `\n` escapes, as .env files store it) or PRIVATE_KEY_PATH. */
function privateKeyFrom(env: NodeJS.ProcessEnv): string | undefined {
  const inline = env.PRIVATE_KEY?.trim();
  if (inline) return inline.replace(/^"|"$/g, '').replace(/\\n/g, '\n');
  const path = env.PRIVATE_KEY_PATH?.trim();
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new GitHubConfigError(
      `cannot read PRIVATE_KEY_PATH ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function readGitHubEnv(env: NodeJS.ProcessEnv): GitHubEnv {
  const urls = githubUrls(env);
  const appIdText = env.APP_ID?.trim();
  const privateKey = privateKeyFrom(env);
  if (!appIdText && !privateKey) {
    const org = env.GH_ORG?.trim();
    return { mode: 'setup', ...urls, ...(org ? { org } : {}) };
  }
  if (!appIdText) throw new GitHubConfigError('PRIVATE_KEY is set but APP_ID is missing');
  if (!privateKey)
    throw new GitHubConfigError('APP_ID is set but PRIVATE_KEY (or PRIVATE_KEY_PATH) is missing');
  const appId = Number(appIdText);
  if (!Number.isSafeInteger(appId) || appId <= 0) {
    throw new GitHubConfigError(`APP_ID must be a positive integer, not '${appIdText}'`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    throw new GitHubConfigError('PRIVATE_KEY is not a PEM private key');
  }
  const webhookSecret = env.WEBHOOK_SECRET ?? '';
  if (webhookSecret.trim() === '') {
    // Probot would fall back to the secret "development": never acceptable here.
    throw new GitHubConfigError(
      'WEBHOOK_SECRET is required: Sluice refuses to accept unsigned GitHub webhooks',
    );
  }
  return { mode: 'app', appId, privateKey, webhookSecret, ...urls };
}
