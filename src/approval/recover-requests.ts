// Start-up clean-up of what a previous process left behind. Its connections are gone:
// a pending request can never run, so it is cancelled ('session ended') and channels
// are told (GitHub closes the PR). An approved one never reported its outcome: it may
// or may not have run, so it is marked failed with an unknown outcome.
import type { AuditLog } from '../audit/audit-types.js';
import type { RequestStore } from './request-store.js';
import * as ev from './request-audit.js';
import {
  RequestStatus,
  type ApprovalRequest,
  type BrokerEvent,
  type ExecutionOutcome,
} from './types.js';

export interface RecoverDeps {
  store: RequestStore;
  audit: AuditLog;
  now: () => Date;
  /** Requests this process holds itself are left alone. */
  isLive(id: string): boolean;
  notify(event: BrokerEvent): void;
}

export interface RecoverResult {
  cancelled: string[];
  unknownOutcome: string[];
}

export const SESSION_ENDED = 'session ended';

export async function recoverRequests(d: RecoverDeps): Promise<RecoverResult> {
  const result: RecoverResult = { cancelled: [], unknownOutcome: [] };
  for (const r of await d.store.list({ status: RequestStatus.pending })) {
    if (d.isLive(r.id)) continue;
    const next: ApprovalRequest = {
      ...r,
      status: RequestStatus.cancelled,
      resolution: {
        status: RequestStatus.cancelled,
        by: ev.SYSTEM_ACTOR,
        reason: SESSION_ENDED,
        at: d.now().toISOString(),
      },
    };
    await d.audit.append(ev.refusedEvent(next, 'cancelled', ev.SYSTEM_ACTOR, SESSION_ENDED));
    await d.store.update(next);
    result.cancelled.push(r.id);
    d.notify({ type: 'resolved', request: structuredClone(next) });
  }
  for (const r of await d.store.list({ status: RequestStatus.approved })) {
    if (d.isLive(r.id)) continue;
    const outcome: ExecutionOutcome = {
      ok: false,
      durationMs: 0,
      error: {
        code: 'unknown',
        message: 'Sluice stopped before the outcome was recorded: check the database',
      },
    };
    const next: ApprovalRequest = { ...r, status: RequestStatus.failed, outcome };
    await d.audit.append(ev.outcomeEvent(next, outcome, { unknown: true }));
    await d.store.update(next);
    result.unknownOutcome.push(r.id);
    d.notify({ type: 'finished', request: structuredClone(next) });
  }
  return result;
}
