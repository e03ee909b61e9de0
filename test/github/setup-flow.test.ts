// First run without credentials: /probot on the admin listener posts app.yml's manifest to
// GitHub, /probot/setup exchanges the code for the App's credentials and writes them to
// the env file, from which GitHub mode then starts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { AdminServer } from '../../src/admin/admin-server.js';
import { Broker } from '../../src/approval/broker.js';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { readGitHubEnv } from '../../src/github/github-env.js';
import { defaultManifestFile } from '../../src/github/setup-flow.js';
import { startGitHub } from '../../src/github/start-github.js';
import { Bodies, startNock, stopNock } from './harness.js';
import { github } from './github-nocks.js';
import { appPrivateKey, settings, type Loose } from './fixtures.js';

let admin: AdminServer;
let base: string;
let envFile: string;

beforeEach(async () => {
  startNock();
  const broker = new Broker({ store: new MemoryRequestStore(), audit: new MemoryAuditLog() });
  admin = new AdminServer({ broker, token: 'admin-token-for-tests-0123456789', port: 0 });
  envFile = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-setup-')), '.env');
  const gh = await startGitHub({
    broker,
    settings: () => settings(),
    admin,
    env: { GH_ORG: 'acme' },
    envFile,
  });
  expect(gh.mode).toBe('setup');
  base = (await admin.listen()).url;
});
afterEach(async () => {
  await admin.close();
  stopNock();
});

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

async function setupPage(): Promise<{ state: string; manifest: Loose; action: string }> {
  const res = await fetch(`${base}/probot`);
  expect(res.status).toBe(200);
  const html = await res.text();
  const action = unescapeHtml(/<form action="([^"]+)"/.exec(html)![1]!);
  const manifest = JSON.parse(unescapeHtml(/name="manifest" value="([^"]+)"/.exec(html)![1]!));
  return { state: new URL(action).searchParams.get('state')!, manifest, action };
}

describe('setup flow', () => {
  it('serves app.yml as the manifest, pointed at this listener', async () => {
    const { manifest, action } = await setupPage();
    expect(action).toMatch(
      /^https:\/\/github\.com\/organizations\/acme\/settings\/apps\/new\?state=[0-9a-f]{32}$/,
    );
    const shipped = YAML.parse(readFileSync(defaultManifestFile(), 'utf8'));
    expect(manifest.default_permissions).toEqual({
      contents: 'write',
      pull_requests: 'write',
      issues: 'write',
      metadata: 'read',
      members: 'read',
    });
    expect(manifest.default_permissions).toEqual(shipped.default_permissions);
    expect(manifest.default_events).toEqual([
      'pull_request',
      'pull_request_review',
      'issue_comment',
    ]);
    expect(manifest.hook_attributes).toEqual({ url: `${base}/api/github/webhooks`, active: true });
    expect(manifest.redirect_url).toBe(`${base}/probot/setup`);
    expect(manifest.public).toBe(false);
  });

  it('refuses a callback with an unknown state', async () => {
    const res = await fetch(`${base}/probot/setup?code=abc&state=${'0'.repeat(32)}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
  });

  it('exchanges the code, writes the credentials once, and GitHub mode starts from them', async () => {
    const { state } = await setupPage();
    const exchange = new Bodies();
    github().post('/app-manifests/code123/conversions', exchange.match).reply(201, {
      id: 4242,
      pem: appPrivateKey(),
      webhook_secret: 'generated-secret',
      client_id: 'Iv1.abc',
      client_secret: 'shh',
      html_url: 'https://github.com/apps/sluice-acme',
    });
    const res = await fetch(`${base}/probot/setup?code=code123&state=${state}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(
      'https://github.com/apps/sluice-acme/installations/new',
    );
    expect(exchange.all).toHaveLength(1);
    const env = parseEnv(readFileSync(envFile, 'utf8'));
    expect(env).toMatchObject({
      APP_ID: '4242',
      WEBHOOK_SECRET: 'generated-secret',
      GITHUB_CLIENT_ID: 'Iv1.abc',
    });
    expect(readGitHubEnv(env)).toMatchObject({
      mode: 'app',
      appId: 4242,
      privateKey: appPrivateKey().trim(),
    });

    // The same state cannot be used twice.
    const again = await fetch(`${base}/probot/setup?code=code123&state=${state}`, {
      redirect: 'manual',
    });
    expect(again.status).toBe(400);
  });
});
