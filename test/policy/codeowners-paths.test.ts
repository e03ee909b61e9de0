// CODEOWNERS over request paths, and where GitHub looks for the file.
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCodeowners, ownersFor, parseCodeowners } from '../../src/policy/codeowners.js';
import { requestPath } from '../../src/policy/request-path.js';

const owners = (text: string, p: string) => ownersFor(parseCodeowners(text), p);

describe('request paths', () => {
  const text = [
    'requests/ @acme/dba',
    'requests/app/public/payments/ @acme/payments',
    'requests/app/audit/ @acme/security',
    'requests/*/public/users/ @acme/identity',
    'requests/app/public/*  @acme/too-shallow',
  ].join('\n');
  const file = parseCodeowners(text);

  it('a team owning requests/<db>/<schema>/<table>/ owns that table', () => {
    expect(ownersFor(file, requestPath('app', 'public', 'payments'))).toEqual(['@acme/payments']);
    expect(ownersFor(file, requestPath('app', 'audit', 'log'))).toEqual(['@acme/security']);
    expect(ownersFor(file, requestPath('other', 'public', 'users'))).toEqual(['@acme/identity']);
  });

  it('a path owns what GitHub would request review for on files inside it', () => {
    // requests/app/public/* only matches direct children of public/, never files in a
    // table's directory, so it does not own tables: the broader line applies.
    expect(ownersFor(file, requestPath('app', 'public', 'orders'))).toEqual(['@acme/dba']);
    expect(ownersFor(file, 'requests/app/public/orders/req-1.sql')).toEqual(['@acme/dba']);
    expect(ownersFor(file, 'requests/app/public/payments/req-1.sql')).toEqual(['@acme/payments']);
    expect(
      owners('requests/app/public/orders/* @o', requestPath('app', 'public', 'orders')),
    ).toEqual(['@o']);
  });
});

describe('findCodeowners', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function repo(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(path.join(tmpdir(), 'sluice-co-'));
    dirs.push(root);
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
    return root;
  }

  it('.github/CODEOWNERS, then the root, then docs/: the first found wins', async () => {
    const all = await repo({
      '.github/CODEOWNERS': 'gh',
      CODEOWNERS: 'root',
      'docs/CODEOWNERS': 'docs',
    });
    expect((await findCodeowners(all))?.text).toBe('gh');
    const rootAndDocs = await repo({ CODEOWNERS: 'root', 'docs/CODEOWNERS': 'docs' });
    expect(await findCodeowners(rootAndDocs)).toEqual({
      path: path.join(rootAndDocs, 'CODEOWNERS'),
      text: 'root',
    });
    const docs = await repo({ 'docs/CODEOWNERS': 'docs' });
    expect((await findCodeowners(docs))?.text).toBe('docs');
  });

  it('none: undefined; a directory named CODEOWNERS is skipped', async () => {
    expect(await findCodeowners(await repo({}))).toBeUndefined();
    const odd = await repo({ 'CODEOWNERS/x': 'not a file', 'docs/CODEOWNERS': 'docs' });
    expect((await findCodeowners(odd))?.text).toBe('docs');
  });
});
