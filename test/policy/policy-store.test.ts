import { mkdtemp, mkdir, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PolicyStore } from '../../src/policy/policy-store.js';
import { classification, rel, session, stmt } from './helpers.js';

const roots: string[] = [];
const stores: PolicyStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

/** A repository with policies/ and optional CODEOWNERS files. */
async function repo(files: Record<string, string>): Promise<{ root: string; dir: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-store-'));
  roots.push(root);
  await mkdir(path.join(root, 'policies'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return { root, dir: path.join(root, 'policies') };
}

function capturingLogger() {
  const lines: { level: number; msg: string; line?: number; file?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function open(opts: Parameters<typeof PolicyStore.open>[0]): Promise<PolicyStore> {
  const s = await PolicyStore.open(opts);
  stores.push(s);
  return s;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ALLOW_INSERTS =
  'rules:\n  - name: inserts\n    match: { kind: InsertStmt }\n    action: allow\n';
const DENY_INSERTS =
  'rules:\n  - name: no-inserts\n    match: { kind: InsertStmt }\n    action: deny\n';
const insert = classification(stmt('InsertStmt', { relations: [rel('payments')] }));

describe('PolicyStore', () => {
  it('refuses to open on an invalid policy, naming file and line (fail closed)', async () => {
    const { dir } = await repo({
      'policies/a.yml': 'rules:\n  - name: x\n    match: { kind: nope }\n    action: allow\n',
    });
    await expect(PolicyStore.open({ dir })).rejects.toThrow(
      /policy failed to load:\n {2}.*a\.yml:3:20: expected a statement kind/,
    );
  });

  it('refuses a missing directory unless defaults are asked for', async () => {
    const { root } = await repo({});
    const dir = path.join(root, 'nowhere');
    await expect(PolicyStore.open({ dir })).rejects.toThrow(/policies directory not found/);
    const s = await open({ dir, defaultsIfMissing: true });
    expect(s.status()).toMatchObject({ source: 'defaults', files: [] });
    expect(s.decide(session(), insert)).toMatchObject({
      action: 'review',
      rule: { id: 'default:write' },
    });
    expect(s.decide(session(), classification(stmt('SelectStmt')))).toMatchObject({
      action: 'allow',
      rule: { id: 'default:read' },
    });
  });

  it('a broken edit keeps the last good policy, logs file:line and shows in status; a fix swaps in', async () => {
    const { dir } = await repo({ 'policies/a.yml': ALLOW_INSERTS });
    const { logger, lines } = capturingLogger();
    const s = await open({ dir, logger });
    expect(s.decide(session(), insert)).toMatchObject({ action: 'allow' });
    const firstLoad = s.status().loadedAt;

    await writeFile(
      path.join(dir, 'a.yml'),
      'rules:\n  - name: inserts\n    match: { kind: InsertStmt }\n    action: alow\n',
    );
    const bad = await s.reload();
    expect(bad.ok).toBe(false);
    expect(bad.errors).toEqual([
      {
        file: path.join(dir, 'a.yml'),
        line: 4,
        column: 13,
        message: expect.stringMatching(/expected action: allow, review or deny/),
      },
    ]);
    expect(s.decide(session(), insert)).toMatchObject({
      action: 'allow',
      rule: { name: 'inserts' },
    });
    expect(s.status()).toMatchObject({ loadedAt: firstLoad, lastError: { errors: bad.errors } });
    const logged = lines.find((l) => l.level === 50);
    expect(logged?.msg).toMatch(/keeping the last good policy: .*a\.yml:4:13: expected action/);
    expect(logged).toMatchObject({ line: 4 });

    await writeFile(path.join(dir, 'a.yml'), DENY_INSERTS);
    expect(await s.reload()).toEqual({ ok: true, errors: [] });
    expect(s.decide(session(), insert)).toMatchObject({
      action: 'deny',
      rule: { name: 'no-inserts' },
    });
    expect(s.status().lastError).toBeUndefined();
  });

  it('there is no moment without a policy: decisions during a reload use the old one', async () => {
    const { dir } = await repo({ 'policies/a.yml': ALLOW_INSERTS });
    const s = await open({ dir });
    await writeFile(path.join(dir, 'a.yml'), DENY_INSERTS);
    const pending = s.reload();
    expect(s.decide(session(), insert).action).toBe('allow');
    const again = s.reload(); // coalesced into the running one, plus one more pass
    await Promise.all([pending, again]);
    expect(s.decide(session(), insert).action).toBe('deny');
  });

  it('watch() reloads after a file change (including an editor-style rename) and close() stops it', async () => {
    const { dir } = await repo({ 'policies/a.yml': ALLOW_INSERTS });
    const s = await open({ dir, debounceMs: 20 });
    s.watch();
    await writeFile(path.join(dir, '.a.yml.tmp'), DENY_INSERTS);
    await rename(path.join(dir, '.a.yml.tmp'), path.join(dir, 'a.yml'));
    await until(() => s.decide(session(), insert).action === 'deny', 'the watcher to reload');
    await writeFile(path.join(dir, 'b.yml'), 'broken: [');
    await until(() => s.status().lastError !== undefined, 'the failed reload');
    expect(s.decide(session(), insert).action).toBe('deny');
    s.close();
  });

  it('CODEOWNERS: found in the repository, owners on review paths, errors fail the load', async () => {
    const { root, dir } = await repo({
      'policies/a.yml':
        'settings:\n  identities: { alice: alice-gh }\n  github: { repository: acme/approvals, channel: issue }\n  classifier: { safe_functions: [reporting.*] }\n',
      '.github/CODEOWNERS': 'requests/production/public/payments/ @acme/payments\n',
    });
    const s = await open({ dir });
    expect(s.status().codeowners).toBe(path.join(root, '.github/CODEOWNERS'));
    expect(s.decide(session(), insert)).toMatchObject({
      action: 'review',
      paths: [{ path: 'requests/production/public/payments/', owners: ['@acme/payments'] }],
    });
    expect(s.githubLoginFor('alice')).toBe('alice-gh');
    expect(s.githubLoginFor('mallory')).toBeUndefined();
    expect(s.githubSettings()).toEqual({
      repository: { owner: 'acme', repo: 'approvals' },
      baseBranch: 'main',
      channel: 'issue',
    });
    expect(s.classifierOptions()).toEqual({
      safeFunctions: ['reporting.*'],
      lockingClauseIsWrite: true,
      forceReadOnly: false,
    });

    await writeFile(
      path.join(root, '.github/CODEOWNERS'),
      'requests/ @acme/dba\n!requests/x/ @b\n',
    );
    const r = await s.reload();
    expect(r.errors).toEqual([
      {
        file: path.join(root, '.github/CODEOWNERS'),
        line: 2,
        column: 1,
        message: expect.stringMatching(/negation/),
      },
    ]);
    expect(s.decide(session(), insert)).toMatchObject({ paths: [{ owners: ['@acme/payments'] }] });
  });

  it('an evaluation error denies instead of throwing (fail closed)', async () => {
    const { dir } = await repo({ 'policies/a.yml': ALLOW_INSERTS });
    const s = await open({ dir });
    const broken = { class: 'write', statements: null } as unknown as Parameters<
      typeof s.decide
    >[1];
    expect(s.decide(session(), broken)).toMatchObject({
      action: 'deny',
      rule: { id: 'default:error' },
    });
  });

  it('an explicit CODEOWNERS file must exist', async () => {
    const { root, dir } = await repo({ 'policies/a.yml': ALLOW_INSERTS });
    await expect(
      PolicyStore.open({ dir, codeownersFile: path.join(root, 'missing') }),
    ).rejects.toThrow(/missing: cannot read/);
  });
});
