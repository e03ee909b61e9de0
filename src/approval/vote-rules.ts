// The rules a single vote must pass before it counts, kept pure so they read as a list.
import { normalizePrincipal, type TierApprover } from './tier-check.js';
import type { ApprovalRequest, ApprovalVote, DenyCause, Verdict } from './types.js';

export type IncomingVote = Omit<ApprovalVote, 'at'> & { bindingHash?: string };

export type VoteCheck =
  | {
      kind: 'reject';
      code: 'forbidden' | 'hash_mismatch';
      reason: 'no_identity' | 'hash_mismatch' | 'self_approval';
      message: string;
    }
  /** The same person approving again adds nothing (a re-review, a repeated CLI call). */
  | { kind: 'duplicate' }
  | { kind: 'count' };

export function checkVote(req: ApprovalRequest, vote: IncomingVote): VoteCheck {
  const voter = normalizePrincipal(vote.by);
  if (voter === '') {
    return {
      kind: 'reject',
      code: 'forbidden',
      reason: 'no_identity',
      message: 'an approval needs the approver’s identity',
    };
  }
  if (vote.bindingHash !== undefined && vote.bindingHash !== req.bindingHash) {
    const message = `the approval is for statement ${vote.bindingHash.slice(0, 12)}…, but ${req.id} holds ${req.bindingHash.slice(0, 12)}…`;
    return { kind: 'reject', code: 'hash_mismatch', reason: 'hash_mismatch', message };
  }
  if (!req.tier.allowSelfApproval && requesterIds(req).has(voter)) {
    const message = `${vote.by} asked for ${req.id} and rule ${req.rule.id} does not allow self-approval`;
    return { kind: 'reject', code: 'forbidden', reason: 'self_approval', message };
  }
  if (req.approvals.some((v) => normalizePrincipal(v.by) === voter)) return { kind: 'duplicate' };
  return { kind: 'count' };
}

/**
 * Who asked: the GitHub login the policy mapped the session to, and the PostgreSQL user.
 * Both count, so neither identity can approve its own statement.
 */
export function requesterIds(r: ApprovalRequest): Set<string> {
  const ids = [r.session.requester, r.session.user].filter((x): x is string => !!x);
  return new Set(ids.map(normalizePrincipal));
}

/** The vote as recorded: timestamped, without the binding hash it was checked against. */
export function stampVote(vote: IncomingVote, at: Date): ApprovalVote {
  const out: ApprovalVote = { by: vote.by, source: vote.source, at: at.toISOString() };
  if (vote.reason !== undefined) out.reason = vote.reason;
  if (vote.teams !== undefined) out.teams = [...vote.teams];
  if (vote.anyOwner) out.anyOwner = true;
  return out;
}

export function toApprover(v: ApprovalVote): TierApprover {
  return { login: v.by, teams: v.teams ?? [], ...(v.anyOwner ? { anyOwner: true } : {}) };
}

export function refusalVerdict(
  status: 'denied' | 'expired' | 'cancelled',
  by: string,
  reason: string | undefined,
  cause: DenyCause = 'decision',
): Verdict {
  switch (status) {
    case 'denied':
      return cause === 'channel_unreachable'
        ? { kind: 'unreachable', by, reason: reason ?? '' }
        : { kind: 'denied', by, reason: reason ?? '' };
    case 'expired':
      return { kind: 'expired' };
    case 'cancelled':
      return { kind: 'cancelled', reason: reason ?? '' };
  }
}
