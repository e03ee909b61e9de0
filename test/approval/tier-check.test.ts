import { describe, expect, it } from 'vitest';
import { tierSatisfied } from '../../src/approval/tier-check.js';
import { tier } from './fixtures.js';

const paths = [
  { path: 'requests/app/public/orders/', owners: ['@acme/dba', '@carol'] },
  { path: 'requests/app/public/users/', owners: ['@acme/identity'] },
];

describe('tierSatisfied', () => {
  it('counts distinct approvers, at least one even when the tier says 0', () => {
    expect(tierSatisfied(tier({ approvals: 0 }), [], []).ok).toBe(false);
    expect(
      tierSatisfied(
        tier({ approvals: 2 }),
        [],
        [
          { login: 'a', teams: [] },
          { login: '@A', teams: [] },
        ],
      ),
    ).toEqual({
      ok: false,
      missing: ['1 more approval (1 of 2)'],
    });
    expect(
      tierSatisfied(
        tier({ approvals: 2 }),
        [],
        [
          { login: 'a', teams: [] },
          { login: 'b', teams: [] },
        ],
      ).ok,
    ).toBe(true);
  });

  it('codeowners: every path needs one of its owners, by login or verified team', () => {
    const t = tier({ owners: { codeowners: true, allOf: [] } });
    const carol = { login: 'Carol', teams: [] };
    const idTeam = { login: 'dave', teams: ['@Acme/Identity'] };
    const r1 = tierSatisfied(t, paths, [carol]);
    expect(r1.ok).toBe(false);
    expect(r1.missing).toEqual([
      'an approval from an owner of requests/app/public/users/ (@acme/identity)',
    ]);
    expect(tierSatisfied(t, paths, [carol, idTeam]).ok).toBe(true);
    // A team name passed as a login does not make someone a member.
    expect(tierSatisfied(t, paths, [{ login: 'acme/dba', teams: [] }, idTeam]).ok).toBe(false);
  });

  it('codeowners: an unowned path is not satisfiable except by an any-owner vote', () => {
    const t = tier({ owners: { codeowners: true, allOf: [] } });
    const unowned = [{ path: 'requests/app/public/logs/', owners: [] }];
    expect(tierSatisfied(t, unowned, [{ login: 'x', teams: ['@acme/dba'] }]).missing).toEqual([
      'an owner for requests/app/public/logs/, which has no CODEOWNERS entry',
    ]);
    expect(tierSatisfied(t, unowned, [{ login: 'dba', teams: [], anyOwner: true }]).ok).toBe(true);
  });

  it('allOf: each group needs one of its principals', () => {
    const t = tier({
      approvals: 2,
      owners: {
        codeowners: false,
        allOf: [{ anyOf: ['@acme/dba'] }, { anyOf: ['@acme/sec', '@erin'] }],
      },
    });
    const dba = { login: 'bob', teams: ['acme/dba'] };
    expect(tierSatisfied(t, [], [dba, { login: 'zed', teams: [] }]).missing).toEqual([
      'an approval from one of @acme/sec, @erin',
    ]);
    expect(tierSatisfied(t, [], [dba, { login: 'erin', teams: [] }]).ok).toBe(true);
    // One person in both groups satisfies both groups but is still one approval.
    const both = { login: 'pat', teams: ['@acme/dba', '@acme/sec'] };
    expect(tierSatisfied(t, [], [both]).missing).toEqual(['1 more approval (1 of 2)']);
  });

  it('matches emails only against what the channel verified', () => {
    const t = tier({ owners: { codeowners: true, allOf: [] } });
    const p = [{ path: 'x/', owners: ['dba@example.com'] }];
    expect(tierSatisfied(t, p, [{ login: 'dba', teams: [] }]).ok).toBe(false);
    expect(tierSatisfied(t, p, [{ login: 'dba', teams: ['DBA@example.com'] }]).ok).toBe(true);
  });
});
