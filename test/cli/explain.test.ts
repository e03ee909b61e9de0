import path from 'node:path';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/commands/explain.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = [
  '--policies',
  path.join(REPO, 'policies'),
  '--codeowners',
  path.join(REPO, 'policies/CODEOWNERS'),
];
const PROD = [...EXAMPLES, '--database', 'production', '--user', 'alice'];

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

describe('sluice explain', () => {
  it('a reviewed write: classification, rule with file:line, tier and owners', async () => {
    const r = await cli([...PROD, 'UPDATE payments SET note = $1 WHERE id = 7']);
    expect(r.code).toBe(0);
    const policyFile = path.join(REPO, 'policies/production.yml');
    const lines = r.out.split('\n');
    expect(lines).toContain('  class:      write (UpdateStmt), risk medium');
    expect(lines).toContain('  tables:     public.payments (write)');
    expect(lines.find((l) => l.startsWith('  rule:'))).toMatch(
      new RegExp(`^  rule: +${policyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+ \\(dml\\)$`),
    );
    expect(lines).toContain('  decision:   review');
    expect(lines).toContain(
      '  tier:       1 approval, including the CODEOWNERS of every written table',
    );
    expect(lines).toContain(
      '              timeout 15m; self-approval not allowed; justification optional',
    );
    expect(r.out).toMatch(
      /owners: +requests\/production\/public\/payments\/ {2}@acme\/payments \(.*policies\/CODEOWNERS:\d+\)/,
    );
    expect(r.out).toContain('requester:  @alice-acme (settings.identities)');
  });

  it('several statements: each one, then the query (strictest wins)', async () => {
    const r = await cli([
      ...PROD,
      'SELECT 1; DELETE FROM payments; INSERT INTO audit.events (kind) VALUES ($1)',
    ]);
    expect(r.code).toBe(0);
    const blocks = r.out.split('\n\n');
    expect(blocks[1]).toMatch(/^statement 1: SELECT 1\n[\s\S]*decision: +allow/);
    expect(blocks[2]).toMatch(
      /^statement 2: DELETE FROM payments\n[\s\S]*flags: +no_where[\s\S]*\(no-unbounded-writes\)\n {2}decision: +deny\n {2}message: +UPDATE and DELETE without a WHERE clause/,
    );
    expect(blocks[3]).toMatch(
      /^statement 3: INSERT INTO audit.events[\s\S]*\(audit-inserts\)\n {2}decision: +allow/,
    );
    expect(blocks[4]).toMatch(
      /^query \(3 statements, strictest wins\):\n {2}rule: +\S+ \(no-unbounded-writes\)\n {2}decision: +deny/,
    );
  });

  it('DDL needs two approvals including the DBA team; redacted parameters are shown', async () => {
    const r = await cli([...PROD, 'ALTER TABLE users ADD COLUMN nickname text']);
    expect(r.out).toContain('  decision:   review (parameters redacted)');
    expect(r.out).toContain(
      '  tier:       2 approvals, including the CODEOWNERS of every written table and @acme/dba',
    );
    expect(r.out).toContain(
      '              inside an open transaction: deny at once; channel: pull_request',
    );
    expect(r.out).toContain('  owners:     one of @acme/dba');
  });

  it('forbidden and invalid queries are denied by the built-in rules', async () => {
    const bad = await cli([...PROD, 'SELEC 1']);
    expect(bad.code).toBe(0);
    expect(bad.out).toMatch(/parse error: syntax error at or near "SELEC" \(at character 1\)/);
    expect(bad.out).toMatch(/rule: +default:invalid\n {2}decision: +deny/);
    const forbidden = await cli([...PROD, 'ALTER SYSTEM SET work_mem = 1']);
    expect(forbidden.out).toMatch(/class: +forbidden \(AlterSystemStmt\)/);
    expect(forbidden.out).toMatch(/rule: +default:forbidden\n {2}decision: +deny/);
  });

  it('--json carries the same data', async () => {
    const r = await cli([
      ...PROD,
      '--application',
      'psql',
      '--address',
      '10.0.0.1',
      '--json',
      'DELETE FROM orders WHERE id = 1',
    ]);
    const j = JSON.parse(r.out);
    expect(j.session).toEqual({
      database: 'production',
      user: 'alice',
      applicationName: 'psql',
      clientAddress: '10.0.0.1',
    });
    expect(j.statements[0].statement.kind).toBe('DeleteStmt');
    expect(j.decision).toMatchObject({
      action: 'review',
      rule: { name: 'dml' },
      paths: [{ path: 'requests/production/public/orders/', owners: ['@acme/backend'] }],
    });
  });

  it('usage errors exit 2; an invalid policy exits 1', async () => {
    expect((await cli([...EXAMPLES, '--user', 'u', 'SELECT 1'])).code).toBe(2);
    expect((await cli([...PROD])).code).toBe(2);
    expect((await cli([...PROD, 'SELECT 1', 'SELECT 2'])).code).toBe(2);
    const root = await mkdtemp(path.join(tmpdir(), 'sluice-explain-'));
    dirs.push(root);
    await mkdir(path.join(root, 'policies'));
    await writeFile(
      path.join(root, 'policies/a.yml'),
      'rules:\n  - name: x\n    match: {}\n    action: allow\n    review: {}\n',
    );
    const r = await cli([
      '--policies',
      path.join(root, 'policies'),
      '--codeowners',
      path.join(REPO, 'policies/CODEOWNERS'),
      '--database',
      'd',
      '--user',
      'u',
      'SELECT 1',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${path.join(root, 'policies/a.yml')}:5:5: unknown key in an allow rule`,
    );
  });
});
