import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { run, type CheckReport } from '../../src/cli/commands/check.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = [
  '--policies',
  path.join(REPO, 'policies'),
  '--codeowners',
  path.join(REPO, 'policies/CODEOWNERS'),
];

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return { code: await run(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-check-'));
  dirs.push(root);
  await mkdir(path.join(root, 'policies'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}

const MIGRATION = `-- 042: add a note to payments
ALTER TABLE payments ADD COLUMN note text;

UPDATE payments SET note = '' WHERE id > 0;
DELETE FROM payments;
/* audit trail */ INSERT INTO audit.events (kind) VALUES ('migration-042');
SELECT count(*) FROM payments;
UPDATE
  orders SET x = 1 WHERE id = 2;
`;

describe('sluice check on the shipped examples', () => {
  it('the example policies and CODEOWNERS are valid, with no warnings', async () => {
    const r = await cli([...EXAMPLES, '--json']);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.policies.files.map((f) => path.basename(f))).toEqual([
      'production.yml',
      'settings.yml',
    ]);
    expect(r.code).toBe(0);
  });

  it('one row per statement with file:line, decision, rule and owners', async () => {
    const root = await tree({ 'migrations/042.sql': MIGRATION });
    const sql = path.join(root, 'migrations/042.sql');
    const r = await cli([
      ...EXAMPLES,
      '--database',
      'production',
      '--user',
      'alice',
      '--json',
      sql,
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as CheckReport;
    const rows = report.files[0]!.statements.map((s) => [
      s.line,
      s.decision,
      s.rule.name,
      s.owners,
    ]);
    expect(rows).toEqual([
      [2, 'review', 'ddl', ['@acme/payments', '@acme/dba']],
      [4, 'review', 'dml', ['@acme/payments']],
      [5, 'deny', 'no-unbounded-writes', []],
      [6, 'allow', 'audit-inserts', []],
      [7, 'allow', 'reads', []],
      [8, 'review', 'dml', ['@acme/backend']],
    ]);
    expect(report.files[0]!.statements[2]!.message).toBe(
      'UPDATE and DELETE without a WHERE clause are not allowed on production',
    );
    expect(report.files[0]!.statements[0]!.rule.file).toBe(
      path.join(REPO, 'policies/production.yml'),
    );
    expect(report.files[0]!.statements[0]!.tier).toMatchObject({
      approvals: 2,
      timeoutMs: 2 * 3_600_000,
    });

    const text = await cli([...EXAMPLES, '--database', 'production', sql]);
    expect(text.out).toMatch(
      /042\.sql:5 +deny +\S+production\.yml:\d+ \(no-unbounded-writes\) +- +DELETE FROM payments\n/,
    );
    expect(text.out).toContain(
      '042.sql:5: denied: UPDATE and DELETE without a WHERE clause are not allowed on production',
    );
    expect(text.out).toMatch(
      /042\.sql:2 +review +\S+production\.yml:\d+ \(ddl\) +@acme\/payments @acme\/dba +ALTER TABLE payments ADD COLUMN note text/,
    );
  });

  it('another database falls through to the built-in defaults', async () => {
    const root = await tree({ 'x.sql': 'DELETE FROM payments;\nSELECT 1;\n' });
    const r = await cli([...EXAMPLES, '--database', 'staging', '--json', path.join(root, 'x.sql')]);
    const rows = (JSON.parse(r.out) as CheckReport).files[0]!.statements.map((s) => [
      s.line,
      s.decision,
      s.rule.id,
    ]);
    expect(rows).toEqual([
      [1, 'review', 'default:write'],
      [2, 'allow', 'default:read'],
    ]);
  });
});

describe('sluice check on broken input', () => {
  it('an invalid policy exits 1 and names file:line:column', async () => {
    const root = await tree({
      'policies/a.yml': 'rules:\n  - name: a\n    match: { clas: write }\n    action: allow\n',
    });
    const r = await cli(['--policies', path.join(root, 'policies')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `error: ${path.join(root, 'policies/a.yml')}:3:14: unknown key in match`,
    );
    expect(r.out).toMatch(/1 error\(s\)/);
  });

  it('CODEOWNERS errors are policy errors', async () => {
    const root = await tree({ 'policies/a.yml': 'rules: []\n', CODEOWNERS: '* @a\n!secret/ @b\n' });
    const r = await cli([
      '--policies',
      path.join(root, 'policies'),
      '--codeowners',
      path.join(root, 'CODEOWNERS'),
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${path.join(root, 'CODEOWNERS')}:2:1: negation with "!" is not supported`,
    );
  });

  it('an explicit policies directory that does not exist is an error', async () => {
    const r = await cli(['--policies', '/nonexistent/sluice-policies']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('/nonexistent/sluice-policies: policies directory not found');
  });

  it('usage errors exit 2', async () => {
    const r = await cli(['--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown option '--bogus'/);
  });

  it('a statement that does not parse is denied at its line', async () => {
    const root = await tree({
      'policies/a.yml': 'rules: []\n',
      'bad.sql': 'SELECT 1;\n\nUPDATE t SET WHERE;\n',
    });
    const r = await cli([
      '--policies',
      path.join(root, 'policies'),
      '--json',
      path.join(root, 'bad.sql'),
    ]);
    expect(r.code).toBe(0);
    const s = (JSON.parse(r.out) as CheckReport).files[0]!.statements;
    expect(s.map((x) => [x.line, x.decision, x.rule.id])).toEqual([[3, 'deny', 'default:invalid']]);
  });
});

describe('warnings and --strict', () => {
  const policy = `
rules:
  - name: writes
    match: { class: write }
    action: review
  - name: deletes
    match: { kind: DeleteStmt }
    action: deny
`;
  it('shadowed rules and unowned tables are warnings; --strict fails on an unowned reviewed table', async () => {
    const root = await tree({
      'policies/a.yml': policy,
      CODEOWNERS: 'requests/postgres/public/owned/ @team/a\n',
      'm.sql': 'INSERT INTO owned VALUES (1);\nINSERT INTO orphan VALUES (1);\n',
    });
    const args = [
      '--policies',
      path.join(root, 'policies'),
      '--codeowners',
      path.join(root, 'CODEOWNERS'),
      path.join(root, 'm.sql'),
    ];
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `warning: ${path.join(root, 'policies/a.yml')}:6: rule "deletes" can never match: rule "writes" (${path.join(root, 'policies/a.yml')}:3) comes first`,
    );
    expect(r.out).toContain(
      `warning: ${path.join(root, 'm.sql')}:2: reviewed InsertStmt: no CODEOWNERS owner for requests/postgres/public/orphan/`,
    );
    expect(r.out).toMatch(/m\.sql:2 +review +.*\(writes\) +\(nobody\)/);
    const strict = await cli(['--strict', ...args]);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/--strict: a reviewed statement has a table without an owner/);
  });

  it('--strict passes when every reviewed table has an owner', async () => {
    const root = await tree({
      'policies/a.yml': policy,
      CODEOWNERS: 'requests/ @team/dba\n',
      'm.sql': 'INSERT INTO orphan VALUES (1);\n',
    });
    const r = await cli([
      '--strict',
      '--policies',
      path.join(root, 'policies'),
      '--codeowners',
      path.join(root, 'CODEOWNERS'),
      path.join(root, 'm.sql'),
    ]);
    expect(r.code).toBe(0);
  });
});

describe('the real binary', () => {
  it('exit status through src/cli/main.ts', async () => {
    const root = await tree({ 'policies/a.yml': 'rules: [\n' });
    const main = path.join(REPO, 'src/cli/main.ts');
    const ok = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', main, 'check', ...EXAMPLES],
      { cwd: REPO },
    );
    expect(ok.stdout).toMatch(/valid/);
    const bad = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', main, 'check', '--policies', path.join(root, 'policies')],
      { cwd: REPO },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/a\.yml:2:1: invalid YAML/);
  });
});
