// Is a tier met by these approvers? Pure, so the broker (which releases) and the channels
// (which explain what is still missing) agree by construction. Ownership itself (is this
// login in that team?) is established by the channel and arrives here as `teams`.
import type { ApprovalTier, PathOwners } from '../policy/types.js';

export interface TierApprover {
  login: string;
  /** Verified principals: '@org/team' (or 'org/team'), emails. */
  teams: string[];
  /** Counts as an owner of everything (local channel). */
  anyOwner?: boolean;
}

export interface TierCheck {
  ok: boolean;
  /** Human-readable unmet requirements, empty when ok. */
  missing: string[];
}

/** '@Alice' -> 'alice', '@Org/Team' -> 'org/team', 'A@B.com' -> 'a@b.com'. */
export function normalizePrincipal(p: string): string {
  return p.trim().replace(/^@/, '').toLowerCase();
}

function isOwner(principal: string, a: TierApprover): boolean {
  if (a.anyOwner) return true;
  const p = normalizePrincipal(principal);
  if (p === '') return false;
  // '@user' (and an email owner written as a login) match the login; teams and emails
  // match only what the channel verified.
  if (!p.includes('/') && p === normalizePrincipal(a.login)) return true;
  return a.teams.some((t) => normalizePrincipal(t) === p);
}

export function tierSatisfied(
  tier: ApprovalTier,
  paths: PathOwners[],
  approvers: TierApprover[],
): TierCheck {
  const distinct = new Map<string, TierApprover>();
  for (const a of approvers) {
    const key = normalizePrincipal(a.login);
    if (key === '') continue;
    const seen = distinct.get(key);
    // The same person voting twice is one voter; keep the widest authority shown.
    distinct.set(key, seen ? mergeApprover(seen, a) : a);
  }
  const people = [...distinct.values()];
  const missing: string[] = [];

  // A review tier always needs someone: approvals: 0 would release with nobody looking.
  const need = Math.max(1, tier.approvals);
  if (people.length < need) {
    const more = need - people.length;
    missing.push(`${more} more approval${more === 1 ? '' : 's'} (${people.length} of ${need})`);
  }

  if (tier.owners.codeowners) {
    for (const p of paths) {
      if (people.some((a) => a.anyOwner || p.owners.some((o) => isOwner(o, a)))) continue;
      // An unowned path cannot be approved by owners: fail closed, name it.
      missing.push(
        p.owners.length > 0
          ? `an approval from an owner of ${p.path} (${p.owners.join(', ')})`
          : `an owner for ${p.path}, which has no CODEOWNERS entry`,
      );
    }
  }

  for (const group of tier.owners.allOf) {
    if (people.some((a) => group.anyOf.some((o) => isOwner(o, a)))) continue;
    missing.push(`an approval from one of ${group.anyOf.join(', ') || '(nobody: empty group)'}`);
  }

  return { ok: missing.length === 0, missing };
}

function mergeApprover(a: TierApprover, b: TierApprover): TierApprover {
  return {
    login: a.login,
    teams: [...a.teams, ...b.teams],
    anyOwner: Boolean(a.anyOwner || b.anyOwner),
  };
}
