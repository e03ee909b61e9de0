// First-run registration, the same manifest flow as Probot's `/probot` page, served on the
// admin listener when no App credentials are set: GET /probot posts app.yml (with this
// listener's webhook and redirect URLs) to GitHub; GitHub redirects back to /probot/setup
// with a one-time code, which we exchange for the App id, key and webhook secret and write
// to an env file. A `state` nonce ties the callback to a page we served, and an env file
// that already holds an APP_ID is never overwritten.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { Octokit } from '@octokit/rest';
import YAML from 'yaml';
import type { Logger } from '../util/log.js';
import type { GitHubSetupEnv } from './github-env.js';
import { errorMessage } from './github-client.js';

export const WEBHOOK_PATH = '/api/github/webhooks';
export const SETUP_PATH = '/probot';

export interface SetupFlowOptions {
  env: GitHubSetupEnv;
  logger: Logger;
  /** Where the credentials go (default: .env in the working directory). */
  envFile?: string;
  /** app.yml location (default: the one shipped with Sluice). */
  manifestFile?: string;
}

/** app.yml next to package.json, whether running from src/ (tsx) or dist/src/ (built). */
export function defaultManifestFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'app.yml');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.join(process.cwd(), 'app.yml');
}

function baseUrlOf(req: IncomingMessage): string {
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  const host =
    (req.headers['x-forwarded-host'] as string | undefined) ?? req.headers.host ?? '127.0.0.1';
  return `${proto}://${host}`;
}

export function buildManifest(manifestFile: string, baseUrl: string): Record<string, unknown> {
  const parsed = (YAML.parse(readFileSync(manifestFile, 'utf8')) ?? {}) as Record<string, unknown>;
  return {
    ...parsed,
    url: typeof parsed.url === 'string' ? parsed.url : baseUrl,
    public: parsed.public === true,
    hook_attributes: { url: `${baseUrl}${WEBHOOK_PATH}`, active: true },
    redirect_url: `${baseUrl}${SETUP_PATH}/setup`,
  };
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(
    `<!doctype html><html><head><meta charset="utf-8"><title>Sluice setup</title></head><body>${body}</body></html>`,
  );
}

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function writeEnvFile(file: string, values: Record<string, string>): void {
  const current = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  if (current.APP_ID) throw new Error(`${file} already has an APP_ID; not overwriting it`);
  const merged: Record<string, string> = { ...(current as Record<string, string>), ...values };
  const text = Object.entries(merged)
    .map(
      ([k, v]) =>
        `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`,
    )
    .join('\n');
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
}

/** A handler for the admin listener's `use('/probot', ...)`. Returns true when it answered. */
export function createSetupHandler(
  opts: SetupFlowOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const states = new Map<string, number>();
  const manifestFile = opts.manifestFile ?? defaultManifestFile();
  const envFile = opts.envFile ?? path.join(process.cwd(), '.env');
  const newAppUrl = `${opts.env.webUrl}${opts.env.org ? `/organizations/${encodeURIComponent(opts.env.org)}` : ''}/settings/apps/new`;

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://setup.invalid');
    if (req.method !== 'GET') return false;
    if (url.pathname === SETUP_PATH) {
      const state = randomBytes(16).toString('hex');
      const now = Date.now();
      for (const [s, at] of states) if (now - at > 3600_000) states.delete(s);
      states.set(state, now);
      const manifest = JSON.stringify(buildManifest(manifestFile, baseUrlOf(req)));
      html(
        res,
        200,
        `<h1>Register the Sluice GitHub App</h1>
<p>This creates a private GitHub App from <code>app.yml</code> on ${escapeHtml(opts.env.webUrl)}${opts.env.org ? ` for ${escapeHtml(opts.env.org)}` : ''}.
Its webhooks will be sent to this address: make sure GitHub can reach it.</p>
<form action="${escapeHtml(newAppUrl)}?state=${state}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(manifest)}">
<button type="submit">Create the GitHub App</button></form>`,
      );
      return true;
    }
    if (url.pathname === `${SETUP_PATH}/setup`) {
      const code = url.searchParams.get('code') ?? '';
      const state = url.searchParams.get('state') ?? '';
      if (!/^[A-Za-z0-9_-]{1,200}$/.test(code) || !states.delete(state)) {
        html(
          res,
          400,
          '<p>Missing or unknown code/state: start again at <a href="/probot">/probot</a>.</p>',
        );
        return true;
      }
      try {
        const octokit = new Octokit({ baseUrl: opts.env.baseUrl, userAgent: 'sluice-setup' });
        const { data } = await octokit.rest.apps.createFromManifest({ code });
        writeEnvFile(envFile, {
          APP_ID: String(data.id),
          PRIVATE_KEY: data.pem,
          WEBHOOK_SECRET: data.webhook_secret ?? '',
          GITHUB_CLIENT_ID: data.client_id,
          GITHUB_CLIENT_SECRET: data.client_secret,
        });
        opts.logger.warn(
          { envFile, appId: data.id },
          'GitHub App registered: restart Sluice with these settings',
        );
        res
          .writeHead(302, {
            location: `${data.html_url}/installations/new`,
            'cache-control': 'no-store',
          })
          .end();
      } catch (err) {
        opts.logger.error({ err: errorMessage(err) }, 'GitHub App registration failed');
        html(res, 502, `<p>Registration failed: ${escapeHtml(errorMessage(err))}</p>`);
      }
      return true;
    }
    return false;
  };
}
