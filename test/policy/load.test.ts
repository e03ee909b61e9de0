import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatPolicyError,
  loadPolicies,
  loadPolicyTexts,
  type PolicyError,
} from '../../src/policy/load.js';

function errorsOf(text: string, more: Record<string, string> = {}): string[] {
  const texts = [
    { file: 'p.yml', text },
    ...Object.entries(more).map(([file, t]) => ({ file, text: t })),
  ];
  const r = loadPolicyTexts(texts);
  if (r.ok) throw new Error('expected the policy to be rejected');
  return r.errors.map(formatPolicyError);
}

describe('policy errors name file, line and column and what was expected', () => {
  it('bad YAML', () => {
    expect(errorsOf('rules:\n  - name: a\n    match: [\n')).toEqual([
      expect.stringMatching(/^p\.yml:4:1: invalid YAML: Flow sequence/),
    ]);
    expect(errorsOf('a: 1\na: 2\n')).toEqual(['p.yml:2:1: invalid YAML: Map keys must be unique']);
    expect(errorsOf('rules:\n\t- name: a\n')[0]).toMatch(
      /^p\.yml:2:1: invalid YAML: Tabs are not allowed/,
    );
    expect(errorsOf('rules: []\n---\nrules: []\n')[0]).toMatch(
      /^p\.yml:2:1: invalid YAML: .*multiple documents/,
    );
    expect(errorsOf('scope: { database: *db }\n')[0]).toMatch(
      /^p\.yml:1:20: invalid YAML: alias \*db has no anchor/,
    );
    expect(errorsOf('x: !!nonsense foo\n')[0]).toMatch(/^p\.yml:1:\d+: invalid YAML: /);
  });

  it('empty files and files that are not a mapping', () => {
    expect(errorsOf('# only a comment\n')).toEqual([
      'p.yml:1:1: empty policy file: expected a mapping with rules: and/or settings:',
    ]);
    expect(errorsOf('- a\n- b\n')[0]).toMatch(
      /^p\.yml:1:1: expected a policy file \(a mapping with keys: version, scope, redact_params, review, settings, rules\)/,
    );
  });

  it('unknown keys, at the key, with the allowed keys', () => {
    const text =
      'rules:\n  - name: a\n    match:\n      class: write\n      tabels: [public.x]\n    action: allow\nrulez: []\n';
    expect(errorsOf(text)).toEqual([
      'p.yml:5:7: unknown key in match (allowed: class, kind, risk, flags, without_flags, tables, any_table, schemas, any_schema, statements): "tabels"',
      'p.yml:7:1: unknown key in a policy file (allowed: version, scope, redact_params, review, settings, rules): "rulez"',
    ]);
  });

  it('fields that do not belong to the action', () => {
    const text =
      'rules:\n  - name: a\n    match: {}\n    action: allow\n    message: no\n  - name: b\n    match: {}\n    action: deny\n    review: { approvals: 2 }\n';
    expect(errorsOf(text)).toEqual([
      'p.yml:5:5: unknown key in an allow rule (allowed: name, scope, match, redact_params, action): "message"',
      'p.yml:9:5: unknown key in a deny rule (allowed: name, scope, match, redact_params, action, message): "review"',
    ]);
  });

  it('wrong types and values', () => {
    const text = [
      'rules:',
      '  - name: a',
      '    match:',
      '      class: writ',
      '      kind: insert',
      '      risk: [low, extreme]',
      '      statements: { min: 0 }',
      '    action: review',
      '    review:',
      '      approvals: two',
      '      timeout: 15',
      '      in_transaction: wait',
      '      allow_self_approval: "no"',
      '  - name: b',
      '    match: { class: forbidden }',
      '    action: allow',
      '  - name: c',
      '    action: delete',
      '    match: {}',
      '',
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      'p.yml:4:14: expected a statement class: one of read, session, write; got "writ" (at rules.0.match.class.0)',
      'p.yml:5:13: expected a statement kind: a PostgreSQL parse node name such as InsertStmt, DeleteStmt, CreateStmt; got "insert" (at rules.0.match.kind.0)',
      'p.yml:6:19: expected a risk level: one of low, medium, high, critical; got "extreme" (at rules.0.match.risk.1)',
      'p.yml:7:26: expected at least 1; got 0 (at rules.0.match.statements.min)',
      'p.yml:10:18: expected a whole number; got "two" (at rules.0.review.approvals)',
      'p.yml:11:16: expected a duration like "15m" or "2h" (a string with a unit); got 15 (at rules.0.review.timeout)',
      'p.yml:12:23: expected what to do with a statement inside an open transaction: one of hold, deny; got "wait" (at rules.0.review.in_transaction)',
      'p.yml:13:28: expected true or false (whether the requester may approve their own statement); got "no" (at rules.0.review.allow_self_approval)',
      'p.yml:15:21: forbidden statements are always denied before any rule is consulted; a rule cannot match them; got "forbidden" (at rules.1.match.class.0)',
      'p.yml:18:13: expected action: allow, review or deny; got "delete" (at rules.2.action)',
    ]);
  });

  it('missing required keys point at the mapping that lacks them', () => {
    expect(errorsOf('rules:\n  - name: a\n    action: allow\n')).toEqual([
      'p.yml:2:5: missing "match": expected match (a mapping with keys: class, kind, risk, flags, without_flags, tables, any_table, schemas, any_schema, statements) (at rules.0.match)',
    ]);
    expect(errorsOf('rules:\n  - match: {}\n    action: allow\n')[0]).toMatch(
      /^p\.yml:2:5: missing "name"/,
    );
    expect(errorsOf('rules:\n  - name: a\n    match:\n    action: allow\n')[0]).toMatch(
      /^p\.yml:3:5: expected match \(a mapping .*\); got nothing \(null\)/,
    );
  });

  it('bad globs, CIDRs, owners and durations', () => {
    const text = [
      'scope:',
      '  database: "prod[12]"',
      '  address: [10.0.0.0/8, 10.0.0.0/33, 192.168.1.1/24, nonsense]',
      'rules:',
      '  - name: a',
      '    match: { tables: [payments, "public.{a,b}"] }',
      '    action: review',
      '    review:',
      '      timeout: 30d',
      '      owners: { codeowners: false, any_of: [bob, "@ok"] }',
      '  - name: b',
      '    match: {}',
      '    action: review',
      '    review: { owners: { codeowners: false } }',
      '',
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      'p.yml:2:13: bad glob "prod[12]": "[ ]" and "{ }" are not supported (use * and ?) (at scope.database.0)',
      'p.yml:3:25: prefix length /33 is out of range for "10.0.0.0" (at most /32); got "10.0.0.0/33" (at scope.address.1)',
      'p.yml:3:38: "192.168.1.1/24" has host bits set after /24; did you mean the network address? (at scope.address.2)',
      'p.yml:3:54: expected an IP address or CIDR like 10.0.0.0/8 or fd00::/8, got "nonsense" (at scope.address.3)',
      'p.yml:6:23: bad table glob "payments": expected schema.table, e.g. public.payments or *.payments (at rules.0.match.tables.0)',
      'p.yml:6:33: bad glob "{a,b}": "[ ]" and "{ }" are not supported (use * and ?) (table part of "public.{a,b}") (at rules.0.match.tables.1)',
      'p.yml:9:16: timeout 30d is longer than the maximum of 7d; got "30d" (at rules.0.review.timeout)',
      'p.yml:10:45: invalid owner "bob": expected @user, @org/team or an email address (at rules.0.review.owners.any_of.0)',
      'p.yml:14:23: these owners name nobody: set codeowners: true or list any_of/all_of (at rules.1.review.owners)',
    ]);
  });

  it('settings: allowed in one file only, and checked', () => {
    const errs = errorsOf(
      'settings:\n  github: { repository: acme }\n  identities: { alice: "not a login" }\n  review: { channel: issue }\n',
    );
    expect(errs).toEqual([
      'p.yml:2:25: expected the approvals repository as owner/name; got "acme" (at settings.github.repository)',
      'p.yml:3:24: expected a GitHub login such as octocat; got "not a login" (at settings.identities.alice)',
      'p.yml:4:13: unknown key in settings.review (the channel is set in settings.github) (allowed: approvals, owners, allow_self_approval, timeout, require_justification, in_transaction, slack_webhook): "channel"',
    ]);
    expect(
      errorsOf('settings: {}\n', { 'q.yml': '# more\nsettings:\n  redact_params: true\n' }),
    ).toEqual(['q.yml:2:1: settings are already defined in p.yml: keep all settings in one file']);
  });

  it('duplicate rule names in one file', () => {
    expect(
      errorsOf(
        'rules:\n  - { name: a, match: {}, action: allow }\n  - { name: a, match: {}, action: deny }\n',
      ),
    ).toEqual(['p.yml:3:13: duplicate rule name "a" in this file (at rules.1.name)']);
  });

  it('a single scalar where a list is allowed', () => {
    const r = loadPolicyTexts([
      {
        file: 'p.yml',
        text: 'rules:\n  - name: a\n    match: { kind: DeleteStmt, flags: no_where, tables: public.t }\n    action: deny\n',
      },
    ]);
    expect(r.ok).toBe(true);
  });
});

describe('loadPolicies (files on disk)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function dir(files: Record<string, string>): Promise<string> {
    const d = await mkdtemp(path.join(tmpdir(), 'sluice-pol-'));
    dirs.push(d);
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(d, name), text);
    return d;
  }

  it('reads *.yml and *.yaml in name order, skipping dotfiles, other files and subdirectories', async () => {
    const d = await dir({
      'b.yaml': 'rules: [{ name: b, match: {}, action: allow }]\n',
      'a.yml': 'rules: [{ name: a, match: {}, action: allow }]\n',
      '.#a.yml': 'broken: [',
      'README.md': '# not a policy',
      'notes.txt': 'x',
    });
    await mkdir(path.join(d, 'sub.yml'));
    await symlink(path.join(d, 'a.yml'), path.join(d, 'c.yml'));
    const r = await loadPolicies(d);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.policy.files).toEqual([
      path.join(d, 'a.yml'),
      path.join(d, 'b.yaml'),
      path.join(d, 'c.yml'),
    ]);
    expect(r.policy.rules.map((x) => x.ref.id)).toEqual([
      `${path.join(d, 'a.yml')}#a`,
      `${path.join(d, 'b.yaml')}#b`,
      `${path.join(d, 'c.yml')}#a`,
    ]);
  });

  it('reports every broken file, and a missing directory', async () => {
    const d = await dir({ 'a.yml': 'rules: [\n', 'b.yml': 'nope: 1\n', 'c.yml': 'rules: []\n' });
    const r = await loadPolicies(d);
    expect(r.ok).toBe(false);
    const errs = (r as { errors: PolicyError[] }).errors;
    expect(errs.map((e) => [path.basename(e.file), e.line])).toEqual([
      ['a.yml', 2],
      ['b.yml', 1],
    ]);
    const missing = await loadPolicies(path.join(d, 'nope'));
    expect(missing).toEqual({
      ok: false,
      errors: [
        { file: path.join(d, 'nope'), line: 0, column: 0, message: 'policies directory not found' },
      ],
    });
  });

  it('an empty directory is valid: the built-in defaults apply', async () => {
    const r = await loadPolicies(await dir({}));
    expect(r.ok && r.policy.rules).toEqual([]);
  });
});
