import { describe, expect, it } from 'vitest';
import { parseCodeowners } from '../../src/policy/codeowners.js';
import { lintPolicy } from '../../src/policy/lint.js';
import { policyFrom } from './helpers.js';

function shadowed(rules: string, files: Record<string, string> = {}): string[] {
  const p = policyFrom({ 'a.yml': rules, ...files });
  return lintPolicy(p, parseCodeowners('* @someone'))
    .filter((w) => w.kind === 'shadowed')
    .map((w) => `${w.line}: ${w.message}`);
}

const rule = (name: string, match: string, extra = '') =>
  `  - name: ${name}\n    match: ${match}\n    action: review\n${extra}`;

describe('shadowed rules', () => {
  it('a catch-all shadows everything after it, with both lines named', () => {
    expect(
      shadowed(`rules:\n${rule('all', '{}')}${rule('inserts', '{ kind: InsertStmt }')}`),
    ).toEqual([
      '5: rule "inserts" can never match: rule "all" (policies/a.yml:2) comes first and matches everything it would',
    ]);
  });

  it('class, kind, risk and flag sets', () => {
    expect(
      shadowed(
        `rules:\n${rule('w', '{ class: [write, session] }')}${rule('w2', '{ class: write, kind: DeleteStmt }')}`,
      ),
    ).toHaveLength(1);
    expect(
      shadowed(`rules:\n${rule('del', '{ kind: DeleteStmt }')}${rule('w', '{ class: write }')}`),
    ).toEqual([]);
    expect(
      shadowed(
        `rules:\n${rule('w', '{ class: write }')}${rule('del', '{ kind: [DeleteStmt, UpdateStmt] }')}`,
      ),
    ).toHaveLength(1);
    expect(
      shadowed(`rules:\n${rule('w', '{ class: write }')}${rule('copy', '{ kind: CopyStmt }')}`),
    ).toEqual([]);
    expect(
      shadowed(
        `rules:\n${rule('nw', '{ flags: no_where }')}${rule('nw-del', '{ kind: DeleteStmt, flags: [no_where, modifying_cte] }')}`,
      ),
    ).toHaveLength(1);
    expect(
      shadowed(
        `rules:\n${rule('two-flags', '{ flags: [no_where, ddl] }')}${rule('one-flag', '{ flags: no_where }')}`,
      ),
    ).toEqual([]);
    expect(
      shadowed(
        `rules:\n${rule('hi', '{ risk: [high, critical] }')}${rule('crit', '{ risk: critical }')}`,
      ),
    ).toHaveLength(1);
    expect(
      shadowed(
        `rules:\n${rule('nocte', '{ without_flags: modifying_cte }')}${rule('plain', '{ kind: InsertStmt }')}`,
      ),
    ).toEqual([]);
  });

  it('table and schema globs', () => {
    expect(
      shadowed(
        `rules:\n${rule('pub', "{ tables: 'public.*' }")}${rule('pay', '{ tables: public.payments }')}`,
      ),
    ).toHaveLength(1);
    expect(
      shadowed(
        `rules:\n${rule('any', "{ any_table: 'public.pay*' }")}${rule('pay', '{ tables: [public.payments, public.payouts] }')}`,
      ),
    ).toHaveLength(1);
    expect(
      shadowed(
        `rules:\n${rule('pay', '{ tables: public.payments }')}${rule('pub', "{ tables: 'public.*' }")}`,
      ),
    ).toEqual([]);
    expect(
      shadowed(
        `rules:\n${rule('all', '{ tables: public.payments }')}${rule('any', '{ any_table: public.payments }')}`,
      ),
    ).toEqual([]);
    expect(
      shadowed(`rules:\n${rule('s', '{ schemas: audit }')}${rule('t', "{ tables: 'audit.*' }")}`),
    ).toHaveLength(1);
  });

  it('statement counts', () => {
    expect(
      shadowed(
        `rules:\n${rule('few', '{ statements: { max: 5 } }')}${rule('one', '{ statements: { max: 1 } }')}`,
      ),
    ).toHaveLength(1);
    expect(
      shadowed(`rules:\n${rule('one', '{ statements: { max: 1 } }')}${rule('any', '{}')}`),
    ).toEqual([]);
    expect(
      shadowed(`rules:\n${rule('min1', '{ statements: { min: 1 } }')}${rule('any', '{}')}`),
    ).toHaveLength(1);
  });

  it('scopes: a narrower earlier scope does not shadow, a wider one does; files count in order', () => {
    const scoped = `rules:\n  - name: bot\n    scope: { user: deploy_bot }\n    match: {}\n    action: allow\n${rule('all', '{}')}`;
    expect(shadowed(scoped)).toEqual([]);
    const wide = `scope: { database: 'prod*' }\nrules:\n${rule('all', '{}')}  - name: eu\n    scope: { database: prod_eu, address: 10.0.0.0/8 }\n    match: { class: write }\n    action: deny\n`;
    expect(shadowed(wide)).toHaveLength(1);
    const cidr = `rules:\n  - name: lan\n    scope: { address: 10.0.0.0/8 }\n    match: {}\n    action: allow\n  - name: sub\n    scope: { address: 10.1.0.0/16 }\n    match: {}\n    action: deny\n`;
    expect(shadowed(cidr)).toHaveLength(1);
    expect(
      shadowed(`rules:\n${rule('a', '{ kind: DropStmt }')}`, {
        'b.yml': `rules:\n${rule('b', '{ kind: DropStmt }')}`,
      }),
    ).toEqual([
      '2: rule "b" can never match: rule "a" (policies/a.yml:2) comes first and matches everything it would',
    ]);
  });
});

describe('owners that resolve to nobody', () => {
  const p = policyFrom({
    'a.yml': `
scope: { database: production }
rules:
  - name: payments
    match: { tables: [public.payments, public.ledger] }
    action: review
  - name: dba
    match: { flags: ddl }
    action: review
    review: { owners: { codeowners: false, any_of: ['@acme/dba'] } }
  - name: everything-else
    match: { class: write }
    action: review
`,
  });

  it('no CODEOWNERS file at all', () => {
    const w = lintPolicy(p, undefined).filter((x) => x.kind === 'no-owners');
    expect(w.map((x) => [x.file, x.line])).toEqual([
      ['policies/a.yml', 4],
      ['policies/a.yml', 11],
      ['(built-in defaults)', 0],
    ]);
    expect(w[0]!.message).toMatch(
      /review rule "payments" asks the tables' CODEOWNERS to approve, but there is no CODEOWNERS file/,
    );
  });

  it('a CODEOWNERS file with no line that can own request paths', () => {
    const w = lintPolicy(p, parseCodeowners('/src/ @dev\n/docs/* @docs\n', '.github/CODEOWNERS'));
    expect(w.filter((x) => x.kind === 'no-owners')).toHaveLength(3);
    expect(w[0]!.message).toMatch(
      /no line in \.github\/CODEOWNERS can own a requests\/<database>\/<schema>\/<table>\/ path/,
    );
  });

  it('named tables without an owner', () => {
    const w = lintPolicy(
      p,
      parseCodeowners('requests/production/public/payments/ @acme/payments\n'),
    );
    expect(w).toEqual([
      {
        kind: 'unowned-table',
        file: 'policies/a.yml',
        line: 4,
        message:
          'review rule "payments": no CODEOWNERS owner for requests/production/public/ledger/, so its owners resolve to nobody',
      },
    ]);
  });
});
