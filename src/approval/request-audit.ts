// What the broker writes to the audit log for each request event: enough to reconstruct
// who asked for what, who decided, and what ran, without the parse tree.
import { AuditEventType, type AuditEvent } from '../audit/audit-types.js';
import type { ApprovalRequest, ApprovalVote, ExecutionOutcome } from './types.js';

export const SYSTEM_ACTOR = 'sluice';

export function createdEvent(r: ApprovalRequest): AuditEvent {
  return {
    type: AuditEventType.requestCreated,
    actor: r.session.requester ?? r.session.user,
    requestId: r.id,
    data: {
      sql: r.sql,
      params: r.params,
      bindingHash: r.bindingHash,
      session: r.session,
      transactionStatus: r.transactionStatus,
      class: r.classification.class,
      statements: r.classification.statements.map((s) => ({
        kind: s.kind,
        relations: s.relations.map((rel) => `${rel.schema}.${rel.name}:${rel.access}`),
        flags: s.flags,
      })),
      rule: r.rule,
      tier: r.tier,
      paths: r.paths,
      justification: r.justification,
      linkedPullRequest: r.linkedPullRequest,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
    },
  };
}

export function voteEvent(r: ApprovalRequest, vote: ApprovalVote, missing: string[]): AuditEvent {
  return {
    type: AuditEventType.requestVote,
    actor: vote.by,
    requestId: r.id,
    data: {
      reason: vote.reason,
      source: vote.source,
      teams: vote.teams,
      anyOwner: vote.anyOwner,
      missing,
    },
  };
}

export function voteRejectedEvent(
  r: ApprovalRequest,
  by: string,
  source: string,
  code: string,
  message: string,
): AuditEvent {
  return {
    type: AuditEventType.requestVoteRejected,
    actor: by,
    requestId: r.id,
    data: { source, code, message },
  };
}

export function voteRevokedEvent(r: ApprovalRequest, by: string, reason: string): AuditEvent {
  return { type: AuditEventType.requestVoteRevoked, actor: by, requestId: r.id, data: { reason } };
}

export function approvedEvent(r: ApprovalRequest, releasing: ApprovalVote): AuditEvent {
  return {
    type: AuditEventType.requestApproved,
    actor: releasing.by,
    requestId: r.id,
    data: {
      approvers: r.approvals.map((v) => v.by),
      reason: releasing.reason,
      bindingHash: r.bindingHash,
    },
  };
}

export function refusedEvent(
  r: ApprovalRequest,
  status: 'denied' | 'expired' | 'cancelled',
  by: string,
  reason: string | undefined,
): AuditEvent {
  const type =
    status === 'denied'
      ? AuditEventType.requestDenied
      : status === 'expired'
        ? AuditEventType.requestExpired
        : AuditEventType.requestCancelled;
  return {
    type,
    actor: by,
    requestId: r.id,
    data: { reason, votes: r.approvals.map((v) => v.by) },
  };
}

export function outcomeEvent(
  r: ApprovalRequest,
  outcome: ExecutionOutcome,
  data: Record<string, unknown> = {},
): AuditEvent {
  return {
    type: outcome.ok ? AuditEventType.requestExecuted : AuditEventType.requestFailed,
    actor: SYSTEM_ACTOR,
    requestId: r.id,
    data: { ...outcome, ...data },
  };
}
