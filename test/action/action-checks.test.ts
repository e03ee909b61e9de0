// The Action's entry (action/src/main.ts) run in-process on the invalid and unowned fixture
// repositories and on broken input: annotations, outputs, summary and exit status. None of
// these runs needs GitHub (no pull request event): the network is closed to prove it.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { at, FIXTURES, runInProcess, Workdir, type RunOptions } from './harness.js';

const work = new Workdir();
const fixture = (name: string) => path.join(FIXTURES, name);
const run = (o: RunOptions) => runInProcess(o, work);

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(async () => {
  nock.enableNetConnect();
  await work.cleanup();
});

describe('broken input', () => {
  it('an invalid policy and CODEOWNERS: errors at file:line:column, valid=false, exit 1', async () => {
    const r = await run({
      cwd: fixture('invalid'),
      with: { sql: 'migrations/*.sql', 'changed-only': 'false' },
    });
    const errors = r.annotations.filter((a) => a.level === 'error');
    expect(errors.slice(0, 2)).toEqual([
      {
        level: 'error',
        title: 'Sluice: Invalid CODEOWNERS',
        file: 'CODEOWNERS',
        line: 2,
        col: 1,
        message: expect.stringMatching(/negation with "!" is not supported/),
      },
      {
        level: 'error',
        title: 'Sluice: Invalid policy',
        file: 'policies/app.yml',
        line: 4,
        col: 14,
        message: expect.stringMatching(/^unknown key in match/),
      },
    ]);
    expect(errors[2]!.message).toBe(
      'Failed: 2 errors in policies, CODEOWNERS or SQL (fail-on: invalid)',
    );
    expect(r.outputs).toEqual({ 'held-count': '0', 'denied-count': '0', valid: 'false' });
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('<h3>Problems</h3>');
    expect(r.summary).toContain(
      '❌ <code>policies/app.yml:4:14</code> <b>Invalid policy</b>: unknown key in match',
    );
    // SQL is not judged against a policy that does not load.
    expect(r.summary).not.toContain('<h3>Statements</h3>');
  });

  it('SQL that does not parse is an error at its line', async () => {
    const r = await run({
      cwd: fixture('valid'),
      with: { sql: 'broken/*.sql', 'changed-only': 'false', database: 'production' },
    });
    expect(r.annotations.map(at)).toEqual(['error broken/typo.sql:3', 'error -:-']);
    expect(r.annotations[0]).toMatchObject({
      title: 'Sluice: SQL does not parse',
      message: expect.stringMatching(/could not be parsed: syntax error at or near "WHERE"/),
    });
    expect(r.outputs).toEqual({ 'held-count': '0', 'denied-count': '1', valid: 'false' });
    expect(r.exitCode).toBe(1);
  });

  it('a bad input value fails with a message naming it', async () => {
    const r = await run({ cwd: fixture('valid'), with: { 'fail-on': 'sometimes' } });
    expect(r.exitCode).toBe(1);
    expect(r.annotations.map((a) => a.message)).toEqual([
      'sluice: input fail-on: "sometimes" is not one of invalid, unowned, review',
    ]);
  });
});

describe('unowned tables and shadowed rules', () => {
  const options = (failOn?: string): RunOptions => ({
    cwd: fixture('unowned'),
    with: {
      sql: 'migrations/*.sql',
      'changed-only': 'false',
      ...(failOn ? { 'fail-on': failOn } : {}),
    },
  });

  it('are warnings by default', async () => {
    const r = await run(options());
    expect(r.annotations.map(at)).toEqual([
      'warning policies/app.yml:9',
      'warning migrations/001_customers.sql:2',
      'notice migrations/001_customers.sql:1',
      'notice migrations/001_customers.sql:2',
    ]);
    expect(r.annotations[0]).toMatchObject({
      title: 'Sluice: Shadowed rule',
      message: expect.stringMatching(
        /^rule "deletes" can never match: rule "writes" \(policies\/app\.yml:3\)/,
      ),
    });
    expect(r.annotations[1]).toMatchObject({
      title: 'Sluice: Unowned table',
      message: 'reviewed InsertStmt: no CODEOWNERS owner for requests/postgres/public/invoices/',
    });
    expect(r.annotations[3]!.message).toMatch(/held until approved by nobody/);
    expect(r.exitCode).toBe(0);
    expect(r.summary).toContain('⚠️ no CODEOWNERS owner for requests/postgres/public/invoices/');
  });

  it('fail-on: unowned fails on the unowned table, not on the shadowed rule', async () => {
    const r = await run(options('unowned'));
    expect(r.annotations.map(at)).toEqual([
      'warning policies/app.yml:9',
      'error migrations/001_customers.sql:2',
      'notice migrations/001_customers.sql:1',
      'notice migrations/001_customers.sql:2',
      'error -:-',
    ]);
    expect(r.annotations[4]!.message).toBe(
      'Failed: 1 review nobody can approve (fail-on: unowned)',
    );
    expect(r.outputs).toEqual({ 'held-count': '2', 'denied-count': '0', valid: 'true' });
    expect(r.exitCode).toBe(1);
  });
});

describe('no policies directory', () => {
  it('the default policies/ may be missing: built-in defaults, with notes', async () => {
    const repo = await work.path('no-policies');
    await mkdir(path.join(repo, 'db'), { recursive: true });
    await writeFile(path.join(repo, 'db/1.sql'), 'SELECT 1;\nDELETE FROM t WHERE id = 1;\n');
    const r = await run({ cwd: repo, with: { sql: 'db/*.sql', 'changed-only': 'false' } });
    expect(r.annotations.map((a) => `${at(a)} ${a.title}`)).toEqual([
      'warning -:- Sluice: Review nobody can approve',
      'warning db/1.sql:2 Sluice: Unowned table',
      'notice db/1.sql:2 Sluice: Statement will be held for approval',
      'notice -:- Sluice',
      'notice -:- Sluice',
    ]);
    expect(r.annotations[3]!.message).toMatch(/^no CODEOWNERS file/);
    expect(r.annotations[4]!.message).toMatch(
      /^no policies\/ directory: using the built-in defaults/,
    );
    expect(r.outputs).toEqual({ 'held-count': '1', 'denied-count': '0', valid: 'true' });
    expect(r.exitCode).toBe(0);
    expect(r.summary).toContain(
      '<li>Policies: built-in defaults (no <code>policies/</code> directory)</li>',
    );
  });

  it('an explicit policies directory must exist', async () => {
    const r = await run({ cwd: fixture('valid'), with: { policies: 'db/policies' } });
    expect(r.annotations.map((a) => `${at(a)} ${a.message}`)).toEqual([
      'error db/policies:- policies directory not found',
      'error -:- Failed: 1 error in policies, CODEOWNERS or SQL (fail-on: invalid)',
    ]);
    expect(r.exitCode).toBe(1);
  });
});
