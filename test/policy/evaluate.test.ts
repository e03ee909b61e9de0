// Evaluation order, the built-in defaults, scopes and every match condition.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/policy/evaluate.js';
import { defaultPolicy } from '../../src/policy/policy-set.js';
import type { Decision } from '../../src/policy/types.js';
import { classification, policyFrom, rel, session, stmt } from './helpers.js';

const select = (...tables: string[]) =>
  stmt('SelectStmt', { relations: tables.map((t) => rel(t, 'read')) });
const insert = (table: string, ...reads: string[]) =>
  stmt('InsertStmt', { relations: [rel(table), ...reads.map((t) => rel(t, 'read'))] });
const del = (table: string, flags: ('no_where' | 'modifying_cte')[] = []) =>
  stmt('DeleteStmt', { relations: [rel(table)], flags });

function expectAction(d: Decision, action: Decision['action'], ruleId: string) {
  expect({ action: d.action, rule: d.rule.id }).toEqual({ action, rule: ruleId });
}

describe('built-in defaults (no policy files)', () => {
  const p = defaultPolicy();
  it('reads and session statements are allowed', () => {
    expectAction(evaluate(p, session(), classification(select('t'))), 'allow', 'default:read');
    expectAction(
      evaluate(p, session(), classification(stmt('VariableSetStmt'))),
      'allow',
      'default:session',
    );
  });

  it('writes are reviewed with the documented default tier', () => {
    const d = evaluate(p, session(), classification(insert('payments')));
    expectAction(d, 'review', 'default:write');
    if (d.action !== 'review') throw new Error('unreachable');
    expect(d.tier).toEqual({
      approvals: 1,
      owners: { codeowners: true, allOf: [] },
      allowSelfApproval: false,
      timeoutMs: 15 * 60_000,
      requireJustification: false,
      inTransaction: 'hold',
      channel: 'pull_request',
    });
    expect(d.paths).toEqual([{ path: 'requests/production/public/payments/', owners: [] }]);
  });

  it('forbidden and invalid queries are denied', () => {
    const forbidden = {
      ...stmt('DoStmt', { class: 'forbidden' }),
      reasons: ['DO runs arbitrary code'],
    };
    const d = evaluate(p, session(), classification(select('t'), forbidden));
    expectAction(d, 'deny', 'default:forbidden');
    expect(d.action === 'deny' && d.message).toMatch(/DO runs arbitrary code/);
    const inv = evaluate(p, session(), {
      class: 'invalid',
      statements: [],
      error: { message: 'syntax error at or near "SELEC"', cursorPosition: 1 },
    });
    expectAction(inv, 'deny', 'default:invalid');
    expect(inv.action === 'deny' && inv.message).toMatch(/SELEC/);
  });

  it('an empty query is allowed; a write-classified query with no statements is reviewed', () => {
    expectAction(
      evaluate(p, session(), { class: 'read', statements: [] }),
      'allow',
      'default:empty',
    );
    expectAction(
      evaluate(p, session(), { class: 'write', statements: [] }),
      'review',
      'default:write',
    );
  });

  it('fails closed when the query is classified above its statements', () => {
    expectAction(
      evaluate(p, session(), { class: 'write', statements: [select('t')] }),
      'review',
      'default:write',
    );
  });

  it('fails closed on a class it does not know (a newer classifier)', () => {
    const odd = stmt('FutureStmt', { class: 'quantum' as never });
    expectAction(evaluate(p, session(), classification(odd)), 'review', 'default:unmatched');
    expectAction(
      evaluate(p, session(), { class: 'quantum' as never, statements: [select('t')] }),
      'review',
      'default:unmatched',
    );
  });
});

describe('rules', () => {
  it('forbidden always wins, even over a catch-all allow', () => {
    const p = policyFrom({
      'a.yml': 'rules:\n  - name: everything\n    match: {}\n    action: allow\n',
    });
    expectAction(
      evaluate(p, session(), classification(stmt('DoStmt', { class: 'forbidden' }))),
      'deny',
      'default:forbidden',
    );
    expectAction(
      evaluate(p, session(), classification(del('x'))),
      'allow',
      'policies/a.yml#everything',
    );
  });

  it('first match wins, files in name order, and the decision carries file and line', () => {
    const p = policyFrom({
      'b.yml': 'rules:\n  - name: b-deny\n    match: { class: write }\n    action: deny\n',
      'a.yml':
        '# first\nrules:\n  - name: a-allow\n    match: { kind: InsertStmt }\n    action: allow\n  - name: a-deny\n    match: { kind: InsertStmt }\n    action: deny\n',
    });
    const d = evaluate(p, session(), classification(insert('t')));
    expect(d.rule).toEqual({
      id: 'policies/a.yml#a-allow',
      name: 'a-allow',
      file: 'policies/a.yml',
      line: 3,
    });
    const d2 = evaluate(p, session(), classification(del('t')));
    expect(d2.rule).toEqual({
      id: 'policies/b.yml#b-deny',
      name: 'b-deny',
      file: 'policies/b.yml',
      line: 2,
    });
    expect(d2.action === 'deny' && d2.message).toBe('denied by policy rule b-deny');
  });

  it('scope: database, user, application globs and client address CIDRs, file and rule scope together', () => {
    const p = policyFrom({
      'a.yml': `
scope:
  database: [prod, prod_*]
rules:
  - name: bots
    scope:
      user: deploy_*
      application: [migrate, 'flyway?']
      address: [10.0.0.0/8, 'fd00::/8']
    match: { class: write }
    action: allow
`,
    });
    const c = classification(insert('t'));
    const bot = session({
      database: 'prod_eu',
      user: 'deploy_ci',
      applicationName: 'migrate',
      clientAddress: '10.9.8.7',
    });
    expectAction(evaluate(p, bot, c), 'allow', 'policies/a.yml#bots');
    expectAction(
      evaluate(p, { ...bot, clientAddress: '::ffff:10.1.1.1' }, c),
      'allow',
      'policies/a.yml#bots',
    );
    expectAction(
      evaluate(p, { ...bot, clientAddress: 'fd00::5' }, c),
      'allow',
      'policies/a.yml#bots',
    );
    expectAction(
      evaluate(p, { ...bot, applicationName: 'flyway1' }, c),
      'allow',
      'policies/a.yml#bots',
    );
    for (const other of [
      { database: 'staging' },
      { database: 'Prod' },
      { user: 'alice' },
      { applicationName: 'psql' },
      { clientAddress: '192.168.0.1' },
      { clientAddress: '' },
    ]) {
      expectAction(evaluate(p, { ...bot, ...other }, c), 'review', 'default:write');
    }
  });

  it('match: class, kind, risk, flags and without_flags', () => {
    const p = policyFrom({
      'a.yml': `
rules:
  - name: critical
    match: { risk: [critical] }
    action: deny
  - name: unbounded
    match: { kind: [UpdateStmt, DeleteStmt], flags: [no_where] }
    action: deny
    message: add a WHERE clause
  - name: plain-deletes
    match: { kind: DeleteStmt, without_flags: modifying_cte }
    action: allow
  - name: sessions
    match: { class: session }
    action: review
`,
    });
    expectAction(
      evaluate(p, session(), classification(del('t', ['no_where']))),
      'deny',
      'policies/a.yml#unbounded',
    );
    expect(evaluate(p, session(), classification(del('t', ['no_where']))).action === 'deny').toBe(
      true,
    );
    expectAction(
      evaluate(p, session(), classification(del('t'))),
      'allow',
      'policies/a.yml#plain-deletes',
    );
    expectAction(
      evaluate(p, session(), classification(del('t', ['modifying_cte']))),
      'review',
      'default:write',
    );
    expectAction(
      evaluate(p, session(), classification(stmt('VariableSetStmt'))),
      'review',
      'policies/a.yml#sessions',
    );
    expectAction(
      evaluate(p, session(), classification(stmt('InsertStmt', { risk: 'critical' }))),
      'deny',
      'policies/a.yml#critical',
    );
  });

  it('tables: every touched table must match; any_table: one is enough', () => {
    const p = policyFrom({
      'a.yml': `
rules:
  - name: audit
    match: { kind: InsertStmt, tables: [audit.*, public.audit_log] }
    action: allow
  - name: secrets
    match: { any_table: '*.secret_*' }
    action: deny
`,
    });
    expectAction(
      evaluate(p, session(), classification(insert('audit.events'))),
      'allow',
      'policies/a.yml#audit',
    );
    expectAction(
      evaluate(p, session(), classification(insert('public.audit_log'))),
      'allow',
      'policies/a.yml#audit',
    );
    // Copying another table into the audit log is not "an insert into the audit log" only.
    expectAction(
      evaluate(p, session(), classification(insert('audit.events', 'public.users'))),
      'review',
      'default:write',
    );
    expectAction(
      evaluate(p, session(), classification(stmt('InsertStmt'))),
      'review',
      'default:write',
    );
    expectAction(
      evaluate(p, session(), classification(select('public.users', 'app.secret_keys'))),
      'deny',
      'policies/a.yml#secrets',
    );
  });

  it('schemas and any_schema', () => {
    const p = policyFrom({
      'a.yml': `
rules:
  - name: scratch
    match: { schemas: [scratch, tmp_*] }
    action: allow
  - name: billing
    match: { any_schema: billing }
    action: deny
`,
    });
    expectAction(
      evaluate(p, session(), classification(del('scratch.a'))),
      'allow',
      'policies/a.yml#scratch',
    );
    expectAction(
      evaluate(p, session(), classification(insert('tmp_1.a', 'scratch.b'))),
      'allow',
      'policies/a.yml#scratch',
    );
    expectAction(
      evaluate(p, session(), classification(insert('scratch.a', 'billing.b'))),
      'deny',
      'policies/a.yml#billing',
    );
  });

  it('statements: the number of statements in the query', () => {
    const p = policyFrom({
      'a.yml': `
rules:
  - name: single-inserts
    match: { kind: InsertStmt, statements: { max: 1 } }
    action: allow
  - name: batches
    match: { statements: { min: 3 } }
    action: deny
`,
    });
    expectAction(
      evaluate(p, session(), classification(insert('t'))),
      'allow',
      'policies/a.yml#single-inserts',
    );
    expectAction(
      evaluate(p, session(), classification(insert('t'), insert('u'))),
      'review',
      'default:write',
    );
    expectAction(
      evaluate(p, session(), classification(select('t'), select('t'), select('t'))),
      'deny',
      'policies/a.yml#batches',
    );
  });
});
