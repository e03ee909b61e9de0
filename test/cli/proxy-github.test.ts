// `sluice proxy` with GitHub App credentials: the banner names the mode (App id → repo, the
// webhook URL, the CODEOWNERS file in use) and never the registration hint; and a review that
// asks the tables' CODEOWNERS with no CODEOWNERS file refuses to start, naming where it looked.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgInfo } from '../helpers/pg.js';
import { run } from '../helpers/run.js';
import { appEnv } from '../github/fixtures.js';

const MAIN = path.resolve('src/cli/main.ts');
const TOKEN = 'cli-test-admin-token-0123456789';

/** An approvals checkout: policies/ asking CODEOWNERS to review writes, CODEOWNERS optional. */
function checkout(codeowners?: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-cli-gh-'));
  mkdirSync(path.join(root, 'policies'));
  writeFileSync(
    path.join(root, 'policies', 'settings.yml'),
    ['version: 1', 'settings:', '  github:', '    repository: Codertocat/Hello-World'].join('\n'),
  );
  writeFileSync(
    path.join(root, 'policies', 'rules.yml'),
    [
      'version: 1',
      'rules:',
      '  - name: orders-by-owners',
      '    match:',
      '      tables: public.orders',
      '    action: review',
      '    review:',
      '      owners: codeowners',
    ].join('\n'),
  );
  if (codeowners) {
    mkdirSync(path.join(root, '.github'));
    writeFileSync(path.join(root, '.github', 'CODEOWNERS'), codeowners);
  }
  return root;
}

function proxyArgs(root: string, extra: string[] = []): string[] {
  const info = pgInfo();
  return [
    '--import',
    'tsx',
    MAIN,
    'proxy',
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--upstream',
    `postgres://${info.host}:${info.port}/postgres`,
    '--state',
    path.join(root, 'state'),
    '--policies',
    path.join(root, 'policies'),
    ...extra,
  ];
}

const env = () => ({ ...appEnv(), SLUICE_ADMIN_TOKEN: TOKEN }) as Record<string, string>;

describe('sluice proxy in GitHub mode', () => {
  it('refuses to start without CODEOWNERS, naming every place it looked', async () => {
    const root = checkout();
    const r = await run(process.execPath, proxyArgs(root), { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GitHub mode needs a CODEOWNERS file');
    expect(r.stderr).toContain('review rule "orders-by-owners"');
    for (const rel of ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'])
      expect(r.stderr).toContain(path.join(root, rel));
    expect(r.stderr).toContain('--codeowners FILE');
    // --codeowners names the one place looked at.
    const missing = path.join(root, 'elsewhere', 'CODEOWNERS');
    const r2 = await run(process.execPath, proxyArgs(root, ['--codeowners', missing]), {
      env: env(),
    });
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain(missing);
  });

  it('says what GitHub mode is doing in the banner, without the registration hint', async () => {
    const root = checkout('/requests/ @Codertocat\n');
    const child = spawn(process.execPath, proxyArgs(root), {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('Ctrl-C stops Sluice')) resolve();
        });
        void exited.then((code) => reject(new Error(`proxy exited (${code}):\n${stderr}`)));
      });
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    expect(stdout).toContain('GitHub App 123 → Codertocat/Hello-World');
    expect(stdout).toMatch(
      /webhook URL: http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks \(or the public URL that forwards to it\)/,
    );
    expect(stdout).toContain(`CODEOWNERS: ${path.join(root, '.github', 'CODEOWNERS')}`);
    expect(stdout).not.toContain('/probot');
  });
});
