// Startup configuration: setup mode without credentials, refusal without a webhook secret,
// GHE URLs, and the private key from a path or an escaped .env value.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitHubConfigError, githubUrls, readGitHubEnv } from '../../src/github/github-env.js';
import { startGitHub } from '../../src/github/start-github.js';
import { Broker } from '../../src/approval/broker.js';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { appPrivateKey, settings } from './fixtures.js';

describe('readGitHubEnv', () => {
  it('is in setup mode when no credentials are set', () => {
    expect(readGitHubEnv({})).toEqual({
      mode: 'setup',
      baseUrl: 'https://api.github.com',
      webUrl: 'https://github.com',
    });
    expect(readGitHubEnv({ GH_ORG: 'acme' })).toMatchObject({ mode: 'setup', org: 'acme' });
  });

  it('refuses credentials without a webhook secret (empty or blank too)', () => {
    for (const secret of [undefined, '', '   ']) {
      const env = {
        APP_ID: '1',
        PRIVATE_KEY: appPrivateKey(),
        ...(secret !== undefined ? { WEBHOOK_SECRET: secret } : {}),
      };
      expect(() => readGitHubEnv(env)).toThrow(GitHubConfigError);
      expect(() => readGitHubEnv(env)).toThrow(/WEBHOOK_SECRET is required/);
    }
  });

  it('refuses half-configured or malformed credentials', () => {
    expect(() => readGitHubEnv({ APP_ID: '1' })).toThrow(/PRIVATE_KEY/);
    expect(() => readGitHubEnv({ PRIVATE_KEY: appPrivateKey() })).toThrow(/APP_ID is missing/);
    expect(() =>
      readGitHubEnv({ APP_ID: 'x1', PRIVATE_KEY: appPrivateKey(), WEBHOOK_SECRET: 's' }),
    ).toThrow(/positive integer/);
    expect(() =>
      readGitHubEnv({ APP_ID: '1', PRIVATE_KEY: 'not a key', WEBHOOK_SECRET: 's' }),
    ).toThrow(/not a PEM/);
    expect(() =>
      readGitHubEnv({ APP_ID: '1', PRIVATE_KEY_PATH: '/nonexistent/key.pem', WEBHOOK_SECRET: 's' }),
    ).toThrow(/cannot read PRIVATE_KEY_PATH/);
  });

  it('reads the key from PRIVATE_KEY_PATH, or from a one-line PRIVATE_KEY with \\n escapes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-key-'));
    const file = path.join(dir, 'app.pem');
    writeFileSync(file, appPrivateKey());
    const fromPath = readGitHubEnv({
      APP_ID: '7',
      PRIVATE_KEY_PATH: file,
      WEBHOOK_SECRET: 's3cret',
    });
    expect(fromPath).toMatchObject({
      mode: 'app',
      appId: 7,
      webhookSecret: 's3cret',
      privateKey: appPrivateKey(),
    });
    const escaped = `"${appPrivateKey().trim().replace(/\n/g, '\\n')}"`;
    const fromEnv = readGitHubEnv({ APP_ID: '7', PRIVATE_KEY: escaped, WEBHOOK_SECRET: 's3cret' });
    expect(fromEnv.mode === 'app' && fromEnv.privateKey).toBe(appPrivateKey().trim());
  });

  it('honours GHE_HOST and GHE_PROTOCOL', () => {
    expect(githubUrls({ GHE_HOST: 'ghe.acme.io' })).toEqual({
      baseUrl: 'https://ghe.acme.io/api/v3',
      webUrl: 'https://ghe.acme.io',
    });
    expect(githubUrls({ GHE_HOST: 'ghe.local:8443', GHE_PROTOCOL: 'http' })).toEqual({
      baseUrl: 'http://ghe.local:8443/api/v3',
      webUrl: 'http://ghe.local:8443',
    });
    expect(() => githubUrls({ GHE_HOST: 'ghe.acme.io/evil' })).toThrow(/host name/);
    expect(() => githubUrls({ GHE_HOST: 'ghe.acme.io', GHE_PROTOCOL: 'ftp' })).toThrow(
      /https or http/,
    );
  });
});

describe('startGitHub', () => {
  it('refuses to start without a webhook secret, before mounting anything', async () => {
    const broker = new Broker({ store: new MemoryRequestStore(), audit: new MemoryAuditLog() });
    const mounted: string[] = [];
    const admin = { use: (prefix: string) => void mounted.push(prefix) };
    await expect(
      startGitHub({
        broker,
        settings: () => settings(),
        admin,
        env: { APP_ID: '1', PRIVATE_KEY: appPrivateKey() },
      }),
    ).rejects.toThrow(/WEBHOOK_SECRET is required/);
    expect(mounted).toEqual([]);
  });

  it('mounts the setup flow at /probot when no credentials are set', async () => {
    const broker = new Broker({ store: new MemoryRequestStore(), audit: new MemoryAuditLog() });
    const mounted: string[] = [];
    const service = await startGitHub({
      broker,
      settings: () => settings(),
      admin: { use: (p: string) => void mounted.push(p) },
      env: {},
    });
    expect(service.mode).toBe('setup');
    expect(mounted).toEqual(['/probot']);
  });
});
