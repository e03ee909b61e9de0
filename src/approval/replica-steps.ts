// What each change to a shared request does, given the row under its lock: pure functions,
// so the rules read as a list and the transaction around them stays generic. Each returns
// the new state, the audit records committed with it, and what the broker does after.
import * as ev from './request-audit.js';
import { SESSION_ENDED } from './recover-requests.js';
import type { SharedRow, SharedStep } from './shared-requests.js';
import { normalizePrincipal, tierSatisfied } from './tier-check.js';
import { checkVote, stampVote, toApprover, type IncomingVote } from './vote-rules.js';
import {
  RequestStatus,
  type ApprovalRequest,
  type BrokerEvent,
  type ExecutionOutcome,
  type ResolveResult,
} from './types.js';

export interface StepOutcome {
  result: ResolveResult;
  /** The committed new state, when it changed. */
  changed?: ApprovalRequest;
  /** Broker events this replica announces (it made the change). */
  emit: BrokerEvent['type'][];
  /** Marked released by this replica in the same commit: the holder sends it now. */
  released: boolean;
}

type Step = SharedStep<StepOutcome>;

function same(result: ResolveResult): Step {
  return { value: { result, emit: [], released: false } };
}

/** Nothing to change. */
export function unchanged(): Step {
  return same({ ok: false, code: 'not_pending', message: 'nothing to change' });
}

function notFound(id: string): Step {
  return same({ ok: false, code: 'not_found', message: `no request ${id}` });
}

function notPending(r: ApprovalRequest): Step {
  return same({
    ok: false,
    code: 'not_pending',
    message: `request ${r.id} is ${r.status}, not pending`,
  });
}

function refused(
  r: ApprovalRequest,
  status: 'denied' | 'expired' | 'cancelled',
  by: string,
  reason: string | undefined,
  now: Date,
  result?: ResolveResult,
): Step {
  const next: ApprovalRequest = {
    ...r,
    status,
    resolution: { status, by, ...(reason !== undefined ? { reason } : {}), at: now.toISOString() },
  };
  return {
    next,
    events: [ev.refusedEvent(next, status, by, reason)],
    value: {
      result: result ?? { ok: true, request: next, released: false },
      changed: next,
      emit: ['resolved'],
      released: false,
    },
  };
}

/**
 * A pending request that can no longer be decided normally: its holder is gone, or it
 * expired. Undefined when it is still open for votes.
 */
function closedForVotes(row: SharedRow, now: Date): Step | undefined {
  const r = row.request;
  if (!row.ownerAlive) {
    return refused(r, 'cancelled', ev.SYSTEM_ACTOR, SESSION_ENDED, now, {
      ok: false,
      code: 'not_pending',
      message: `request ${r.id} was held by a Sluice replica that stopped (session ended)`,
    });
  }
  // A vote racing the expiry loses, whichever replica it reaches.
  if (now.getTime() >= Date.parse(r.expiresAt)) {
    return refused(r, 'expired', ev.SYSTEM_ACTOR, undefined, now, {
      ok: false,
      code: 'not_pending',
      message: `request ${r.id} has expired`,
    });
  }
  return undefined;
}

export function approveStep(
  id: string,
  row: SharedRow | undefined,
  vote: IncomingVote,
  now: Date,
  heldHere: boolean,
): Step {
  if (!row) return notFound(id);
  const req = row.request;
  if (req.status !== RequestStatus.pending) return notPending(req);
  const closed = closedForVotes(row, now);
  if (closed) return closed;
  const rules = checkVote(req, vote);
  if (rules.kind === 'reject') {
    const events =
      rules.reason === 'no_identity'
        ? []
        : [ev.voteRejectedEvent(req, vote.by, vote.source, rules.reason, rules.message)];
    return { events, value: same({ ok: false, code: rules.code, message: rules.message }).value };
  }
  if (rules.kind === 'duplicate') return same({ ok: true, request: req, released: false });
  const stamped = stampVote(vote, now);
  const voted: ApprovalRequest = { ...req, approvals: [...req.approvals, stamped] };
  const check = tierSatisfied(req.tier, req.paths, voted.approvals.map(toApprover));
  if (!check.ok) {
    return {
      next: voted,
      events: [ev.voteEvent(voted, stamped, check.missing)],
      value: {
        result: { ok: true, request: voted, released: false },
        changed: voted,
        emit: ['vote'],
        released: false,
      },
    };
  }
  const approved: ApprovalRequest = {
    ...voted,
    status: RequestStatus.approved,
    resolution: {
      status: RequestStatus.approved,
      by: voted.approvals.map((v) => v.by).join(', '),
      reason: stamped.reason,
      at: now.toISOString(),
    },
  };
  // Held here: released in the same commit. Elsewhere: its holder claims it when woken.
  const release = row.mine && heldHere;
  return {
    next: approved,
    events: [ev.voteEvent(voted, stamped, check.missing), ev.approvedEvent(approved, stamped)],
    release,
    value: {
      result: { ok: true, request: approved, released: true },
      changed: approved,
      emit: ['vote', 'resolved'],
      released: release,
    },
  };
}

export function denyStep(
  id: string,
  row: SharedRow | undefined,
  by: string,
  reason: string,
  now: Date,
): Step {
  if (!row) return notFound(id);
  if (row.request.status !== RequestStatus.pending) return notPending(row.request);
  return closedForVotes(row, now) ?? refused(row.request, 'denied', by, reason, now);
}

export function revokeStep(
  id: string,
  row: SharedRow | undefined,
  by: string,
  reason: string,
  now: Date,
): Step {
  if (!row) return notFound(id);
  const req = row.request;
  if (req.status !== RequestStatus.pending) return notPending(req);
  const closed = closedForVotes(row, now);
  if (closed) return closed;
  const who = normalizePrincipal(by);
  const kept = req.approvals.filter((v) => normalizePrincipal(v.by) !== who);
  if (kept.length === req.approvals.length)
    return same({ ok: true, request: req, released: false });
  const next: ApprovalRequest = { ...req, approvals: kept };
  return {
    next,
    events: [ev.voteRevokedEvent(next, by, reason)],
    value: {
      result: { ok: true, request: next, released: false },
      changed: next,
      emit: ['vote'],
      released: false,
    },
  };
}

/**
 * The holder ends a request it will not send: expiry (`expired`), or its client went away
 * or the proxy stops (`cancelled`). An approved request not yet released never ran, so it
 * is cancelled too.
 */
export function endStep(
  id: string,
  row: SharedRow | undefined,
  status: 'expired' | 'cancelled',
  reason: string | undefined,
  now: Date,
): Step {
  if (!row) return notFound(id);
  const r = row.request;
  const open =
    r.status === RequestStatus.pending ||
    (r.status === RequestStatus.approved && !row.released && status === 'cancelled');
  if (!open) return notPending(r);
  if (status === 'expired' && now.getTime() < Date.parse(r.expiresAt)) return notPending(r);
  return refused(r, status, ev.SYSTEM_ACTOR, reason, now);
}

/** A request whose holder is gone: never sent → session ended; sent → outcome unknown. */
export function reapStep(id: string, row: SharedRow | undefined, now: Date): Step {
  if (!row) return notFound(id);
  const r = row.request;
  if (row.ownerAlive) return notPending(r);
  if (r.status === RequestStatus.pending || (r.status === RequestStatus.approved && !row.released))
    return refused(r, 'cancelled', ev.SYSTEM_ACTOR, SESSION_ENDED, now);
  if (r.status !== RequestStatus.approved) return notPending(r);
  const outcome: ExecutionOutcome = {
    ok: false,
    durationMs: 0,
    error: {
      code: 'unknown',
      message:
        'the Sluice replica holding it stopped before the outcome was recorded: check the database',
    },
  };
  return finished(r, outcome, { unknown: true });
}

/** The holder's report after a released statement ran. */
export function outcomeStep(
  id: string,
  row: SharedRow | undefined,
  outcome: ExecutionOutcome,
): Step {
  if (!row) return notFound(id);
  if (row.request.status !== RequestStatus.approved || !row.released)
    return notPending(row.request);
  return finished(row.request, outcome);
}

function finished(
  r: ApprovalRequest,
  outcome: ExecutionOutcome,
  data: Record<string, unknown> = {},
): Step {
  const next: ApprovalRequest = {
    ...r,
    status: outcome.ok ? RequestStatus.executed : RequestStatus.failed,
    outcome: structuredClone(outcome),
  };
  return {
    next,
    events: [ev.outcomeEvent(next, outcome, data)],
    value: {
      result: { ok: true, request: next, released: false },
      changed: next,
      emit: ['finished'],
      released: false,
    },
  };
}

export function externalStep(
  id: string,
  row: SharedRow | undefined,
  external: Record<string, string | number>,
): SharedStep<void> {
  if (!row) throw new Error(`no request ${id}`);
  return {
    next: { ...row.request, external: { ...row.request.external, ...external } },
    value: undefined,
  };
}
