// Review tiers and owners, settings, queries of several statements, redaction.
import { describe, expect, it } from 'vitest';
import { parseCodeowners } from '../../src/policy/codeowners.js';
import { evaluate, evaluateStatements } from '../../src/policy/evaluate.js';
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

describe('review tiers and owners', () => {
  const settings = `
settings:
  github: { repository: acme/approvals, base_branch: trunk, channel: issue }
  review: { timeout: 30m, approvals: 2 }
`;
  const rules = `
review:
  require_justification: true
rules:
  - name: teams
    match: { kind: DeleteStmt }
    action: review
    review:
      owners:
        codeowners: false
        any_of: ['@acme/dba', dba@example.com]
        all_of:
          - ['@acme/sre']
          - any_of: ['@carol', '@dave']
      allow_self_approval: true
      timeout: 1h30m
      in_transaction: deny
      channel: comment
      slack_webhook: env:SLACK_DBA
  - name: plain
    match: { kind: InsertStmt }
    action: review
`;
  const p = policyFrom({ 'a.yml': settings, 'b.yml': rules });

  it('rule fields override file defaults, which override settings, which override built-ins', () => {
    const d = evaluate(p, session(), classification(del('t')));
    if (d.action !== 'review') throw new Error(`expected review, got ${d.action}`);
    expect(d.tier).toEqual({
      approvals: 2,
      owners: {
        codeowners: false,
        allOf: [
          { anyOf: ['@acme/dba', 'dba@example.com'] },
          { anyOf: ['@acme/sre'] },
          { anyOf: ['@carol', '@dave'] },
        ],
      },
      allowSelfApproval: true,
      timeoutMs: 90 * 60_000,
      requireJustification: true,
      inTransaction: 'deny',
      channel: 'comment',
      slackWebhook: 'env:SLACK_DBA',
    });
    // The policy's own tier objects are handed out, frozen so nobody can change the policy.
    expect(Object.isFrozen(d.tier) && Object.isFrozen(d.tier.owners.allOf)).toBe(true);
    const plain = evaluate(p, session(), classification(insert('t')));
    if (plain.action !== 'review') throw new Error('expected review');
    expect(plain.tier).toEqual({
      approvals: 2,
      owners: { codeowners: true, allOf: [] },
      allowSelfApproval: false,
      timeoutMs: 30 * 60_000,
      requireJustification: true,
      inTransaction: 'hold',
      channel: 'issue',
    });
    // The built-in write default uses settings but not a file's defaults.
    const def = evaluate(
      p,
      session(),
      classification(stmt('UpdateStmt', { relations: [rel('t')] })),
    );
    expect(def.action === 'review' && def.tier.requireJustification).toBe(false);
    expect(def.action === 'review' && def.tier.timeoutMs).toBe(30 * 60_000);
  });

  it('settings: GitHub, identities and classifier options', () => {
    const q = policyFrom({
      's.yml': `
settings:
  github: { repository: acme/approvals }
  identities: { alice: '@alice-gh', deploy_bot: octo-bot }
  classifier: { safe_functions: [reporting.*, fmt], locking_clause_is_write: false, force_read_only: true }
`,
    });
    expect(q.settings.github).toEqual({
      repository: { owner: 'acme', repo: 'approvals' },
      baseBranch: 'main',
      channel: 'pull_request',
    });
    expect([...q.settings.identities]).toEqual([
      ['alice', 'alice-gh'],
      ['deploy_bot', 'octo-bot'],
    ]);
    expect(q.settings.classifier).toEqual({
      safeFunctions: ['reporting.*', 'fmt'],
      lockingClauseIsWrite: false,
      forceReadOnly: true,
    });
    expect(defaultPolicy().settings.classifier).toEqual({
      safeFunctions: [],
      lockingClauseIsWrite: true,
      forceReadOnly: false,
    });
  });

  it('paths: one per written table, owners from CODEOWNERS', () => {
    const co = parseCodeowners(
      'requests/ @acme/dba\nrequests/production/public/payments/ @acme/payments\nrequests/production/public/ledger/\n',
    );
    const c = classification(
      stmt('InsertStmt', { relations: [rel('payments'), rel('users', 'read')] }),
      stmt('UpdateStmt', { relations: [rel('public.payments'), rel('audit.log'), rel('ledger')] }),
    );
    const d = evaluate(defaultPolicy(), session(), c, co);
    expect(d.action === 'review' && d.paths).toEqual([
      { path: 'requests/production/public/payments/', owners: ['@acme/payments'] },
      { path: 'requests/production/audit/log/', owners: ['@acme/dba'] },
      { path: 'requests/production/public/ledger/', owners: [] },
    ]);
  });
});

describe('queries of several statements', () => {
  const p = policyFrom({
    'a.yml': `
rules:
  - name: no-unbounded
    match: { flags: no_where }
    action: deny
  - name: inserts
    match: { kind: InsertStmt }
    action: review
    review: { approvals: 1, timeout: 1h }
  - name: deletes
    match: { kind: DeleteStmt }
    action: review
    review: { approvals: 3, timeout: 10m, owners: { codeowners: true, any_of: ['@acme/dba'] }, in_transaction: deny }
`,
  });

  it('any deny denies, with the denying statement rule', () => {
    const d = evaluate(
      p,
      session(),
      classification(select('t'), del('t', ['no_where']), insert('u')),
    );
    expectAction(d, 'deny', 'policies/a.yml#no-unbounded');
    expect(d.reasons).toEqual([
      'statement 1: SelectStmt: no rule matched',
      'statement 2: DeleteStmt: rule policies/a.yml#no-unbounded',
      'statement 3: InsertStmt: rule policies/a.yml#inserts',
    ]);
  });

  it('reviews combine to the strictest tier and every path; allow-only stays allow', () => {
    const d = evaluate(p, session(), classification(insert('a'), select('x'), del('b')));
    expectAction(d, 'review', 'policies/a.yml#inserts');
    if (d.action !== 'review') throw new Error('unreachable');
    expect(d.tier).toMatchObject({
      approvals: 3,
      timeoutMs: 10 * 60_000,
      inTransaction: 'deny',
      owners: { codeowners: true, allOf: [{ anyOf: ['@acme/dba'] }] },
    });
    expect(d.paths.map((x) => x.path)).toEqual([
      'requests/production/public/a/',
      'requests/production/public/b/',
    ]);
    expectAction(
      evaluate(p, session(), classification(select('a'), stmt('VariableSetStmt'))),
      'allow',
      'default:read',
    );
  });

  it('evaluateStatements gives each statement its own decision', () => {
    const each = evaluateStatements(p, session(), classification(select('x'), del('b')));
    expect(each.map((e) => [e.index, e.decision.action, e.decision.rule.id])).toEqual([
      [0, 'allow', 'default:read'],
      [1, 'review', 'policies/a.yml#deletes'],
    ]);
  });
});

describe('parameter redaction', () => {
  it('rule, file and settings levels, and redact_tables whatever the rule', () => {
    const p = policyFrom({
      'a.yml':
        'settings:\n  redact_tables: [public.users]\nrules:\n  - name: r\n    match: { kind: DeleteStmt }\n    action: review\n    redact_params: true\n',
      'b.yml':
        'redact_params: true\nrules:\n  - name: ins\n    match: { kind: InsertStmt, tables: public.logs }\n    action: allow\n  - name: upd\n    match: { kind: UpdateStmt }\n    action: review\n    redact_params: false\n',
    });
    expect(evaluate(p, session(), classification(del('t'))).redactParams).toBe(true);
    expect(evaluate(p, session(), classification(insert('logs'))).redactParams).toBe(true);
    expect(
      evaluate(p, session(), classification(stmt('UpdateStmt', { relations: [rel('t')] })))
        .redactParams,
    ).toBe(false);
    expect(
      evaluate(p, session(), classification(stmt('UpdateStmt', { relations: [rel('users')] })))
        .redactParams,
    ).toBe(true);
    expect(evaluate(p, session(), classification(select('users'))).redactParams).toBe(true);
    expect(evaluate(p, session(), classification(select('orders'))).redactParams).toBe(false);
    // One redacted statement redacts the whole query.
    expect(evaluate(p, session(), classification(select('orders'), del('t'))).redactParams).toBe(
      true,
    );
    const global = policyFrom({ 's.yml': 'settings:\n  redact_params: true\n' });
    expect(evaluate(global, session(), classification(insert('t'))).redactParams).toBe(true);
  });
});
