// The approval core. Holds every live request in memory, writes each change through to
// the request store and the audit log, and resolves each held statement's verdict once.
// Every mutation of one request runs under that request's lock, so "approve twice",
// "approve while expiring" or "deny while approving" cannot both win.
import type { Logger } from '../util/log.js';
import { silentLogger } from '../util/log.js';
import type { AuditLog } from '../audit/audit-types.js';
import { newRequestId } from './request-id.js';
import type { RequestStore } from './request-store.js';
import * as ev from './request-audit.js';
import { HeldRequest, type BrokerHandle } from './held-request.js';
import { armExpiry } from './expiry-timer.js';
import { assertHoldable } from './hold-refused-error.js';
import { ListenerSet } from './listener-set.js';
import { KeyedLock } from './keyed-lock.js';
import { recoverRequests, type RecoverResult } from './recover-requests.js';
import { normalizePrincipal, tierSatisfied } from './tier-check.js';
import {
  checkVote,
  refusalVerdict,
  stampVote,
  toApprover,
  type IncomingVote,
} from './vote-rules.js';
import {
  RequestStatus,
  type ApprovalBroker,
  type ApprovalRequest,
  type BrokerEvent,
  type BrokerListener,
  type DenyCause,
  type ExecutionOutcome,
  type NewRequest,
  type ResolveResult,
  type Verdict,
} from './types.js';

export type { BrokerHandle } from './held-request.js';
export { HoldRefusedError } from './hold-refused-error.js';

export interface BrokerOptions {
  store: RequestStore;
  audit: AuditLog;
  logger?: Logger;
  now?: () => Date;
  idFactory?: () => string;
}

interface Live {
  request: ApprovalRequest;
  timer: { clear(): void } | undefined;
  settle(verdict: Verdict): void;
}

type Refusal = 'denied' | 'expired' | 'cancelled';

export class Broker implements ApprovalBroker {
  private readonly live = new Map<string, Live>();
  private readonly locks = new KeyedLock();
  private readonly listeners: ListenerSet;
  private readonly store: RequestStore;
  private readonly audit: AuditLog;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private closed = false;

  constructor(opts: BrokerOptions) {
    this.store = opts.store;
    this.audit = opts.audit;
    this.log = opts.logger ?? silentLogger;
    this.listeners = new ListenerSet(this.log);
    this.now = opts.now ?? (() => new Date());
    this.newId = opts.idFactory ?? newRequestId;
  }

  async hold(nr: NewRequest): Promise<BrokerHandle> {
    assertHoldable(nr, this.closed);
    const now = this.now();
    const request: ApprovalRequest = {
      ...structuredClone(nr),
      id: this.newId(),
      status: RequestStatus.pending,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + nr.tier.timeoutMs).toISOString(),
      approvals: [],
    };
    // Both writes must succeed before anyone can see the request: a throw here makes the
    // proxy refuse the statement (fail closed).
    await this.store.insert(request);
    try {
      await this.audit.append(ev.createdEvent(request));
    } catch (err) {
      const reason = 'audit log unavailable';
      const res = {
        status: RequestStatus.cancelled,
        by: ev.SYSTEM_ACTOR,
        reason,
        at: now.toISOString(),
      };
      await this.store
        .update({ ...request, status: RequestStatus.cancelled, resolution: res })
        .catch(() => undefined);
      throw err;
    }
    let settle!: (v: Verdict) => void;
    const verdict = new Promise<Verdict>((resolve) => (settle = resolve));
    const live: Live = { request, timer: undefined, settle };
    this.live.set(request.id, live);
    this.armTimer(request.id, live);
    this.notify({ type: 'created', request });
    return new HeldRequest(
      request.id,
      () => this.live.get(request.id)?.request ?? request,
      verdict,
      {
        cancel: (reason) => this.cancel(request.id, reason),
        reportOutcome: (outcome) => this.reportOutcome(request.id, outcome),
      },
    );
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const live = this.live.get(id);
    return live ? structuredClone(live.request) : this.store.get(id);
  }

  list(filter?: { status?: RequestStatus; limit?: number }): Promise<ApprovalRequest[]> {
    return this.store.list(filter);
  }

  approve(id: string, vote: IncomingVote): Promise<ResolveResult> {
    return this.locks.run(id, async () => {
      const live = await this.pendingOrError(id);
      if ('ok' in live) return live;
      const req = live.request;
      const rules = checkVote(req, vote);
      if (rules.kind === 'reject') {
        if (rules.reason !== 'no_identity') {
          await this.audit.append(
            ev.voteRejectedEvent(req, vote.by, vote.source, rules.reason, rules.message),
          );
        }
        return { ok: false, code: rules.code, message: rules.message };
      }
      if (rules.kind === 'duplicate')
        return { ok: true, request: structuredClone(req), released: false };
      const stamped = stampVote(vote, this.now());
      const voted: ApprovalRequest = { ...req, approvals: [...req.approvals, stamped] };
      const check = tierSatisfied(req.tier, req.paths, voted.approvals.map(toApprover));
      await this.audit.append(ev.voteEvent(voted, stamped, check.missing));
      if (!check.ok) {
        await this.store.update(voted);
        live.request = voted;
        this.notify({ type: 'vote', request: voted });
        return { ok: true, request: structuredClone(voted), released: false };
      }
      const at = this.now().toISOString();
      const by = voted.approvals.map((v) => v.by);
      const approved: ApprovalRequest = {
        ...voted,
        status: RequestStatus.approved,
        resolution: {
          status: RequestStatus.approved,
          by: by.join(', '),
          reason: stamped.reason,
          at,
        },
      };
      // The audit record is the commit point: if it cannot be written nothing is released
      // and the request stays pending (the caller gets the error and may retry).
      await this.audit.append(ev.approvedEvent(approved, stamped));
      live.request = approved;
      live.timer?.clear();
      await this.store
        .update(approved)
        .catch((err: unknown) => this.log.error({ err, id }, 'request store update failed'));
      live.settle({ kind: 'approved', by, ...(stamped.reason ? { reason: stamped.reason } : {}) });
      this.notify({ type: 'vote', request: approved });
      this.notify({ type: 'resolved', request: approved });
      return { ok: true, request: structuredClone(approved), released: true };
    });
  }

  revoke(id: string, by: string, reason: string): Promise<ResolveResult> {
    return this.locks.run(id, async () => {
      const live = await this.pendingOrError(id);
      if ('ok' in live) return live;
      const who = normalizePrincipal(by);
      const kept = live.request.approvals.filter((v) => normalizePrincipal(v.by) !== who);
      if (kept.length === live.request.approvals.length) {
        return { ok: true, request: structuredClone(live.request), released: false };
      }
      const next: ApprovalRequest = { ...live.request, approvals: kept };
      await this.audit.append(ev.voteRevokedEvent(next, by, reason));
      await this.store.update(next);
      live.request = next;
      this.notify({ type: 'vote', request: next });
      return { ok: true, request: structuredClone(next), released: false };
    });
  }

  deny(
    id: string,
    by: string,
    reason: string,
    cause: DenyCause = 'decision',
  ): Promise<ResolveResult> {
    return this.locks.run(id, async () => {
      const live = await this.pendingOrError(id);
      if ('ok' in live) return live;
      const request = await this.refuse(live, 'denied', by, reason, cause);
      return { ok: true, request, released: false };
    });
  }

  setExternal(id: string, external: Record<string, string | number>): Promise<void> {
    return this.locks.run(id, async () => {
      const live = this.live.get(id);
      const current = live?.request ?? (await this.store.get(id));
      if (!current) throw new Error(`no request ${id}`);
      const next: ApprovalRequest = { ...current, external: { ...current.external, ...external } };
      await this.store.update(next);
      if (live) live.request = next;
    });
  }

  subscribe(listener: BrokerListener): () => void {
    return this.listeners.add(listener);
  }

  /** At start, before serving: closes what a previous process left (see recover-requests.ts). */
  recover(): Promise<RecoverResult> {
    return recoverRequests({
      store: this.store,
      audit: this.audit,
      now: this.now,
      isLive: (id) => this.live.has(id),
      notify: (e) => this.notify(e),
    });
  }

  /** Cancels what is still pending ('proxy stopped'), waits for writes, stops timers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.live.entries()]
        .filter(([, l]) => l.request.status === RequestStatus.pending)
        .map(([id]) => this.cancel(id, 'proxy stopped')),
    );
    for (const l of this.live.values()) l.timer?.clear();
    await this.locks.idle();
  }

  /** How many requests are held right now (status pages, tests). */
  pendingCount(): number {
    let n = 0;
    for (const l of this.live.values()) if (l.request.status === RequestStatus.pending) n++;
    return n;
  }

  private cancel(id: string, reason: string): Promise<void> {
    return this.locks
      .run(id, async () => {
        const live = this.live.get(id);
        if (live?.request.status === RequestStatus.pending)
          await this.refuse(live, 'cancelled', ev.SYSTEM_ACTOR, reason);
      })
      .catch((err: unknown) => this.log.error({ err, id }, 'cancel failed'));
  }

  private expire(id: string): Promise<void> {
    return this.locks
      .run(id, async () => {
        const live = this.live.get(id);
        if (live?.request.status === RequestStatus.pending)
          await this.refuse(live, 'expired', ev.SYSTEM_ACTOR, undefined);
      })
      .catch((err: unknown) => this.log.error({ err, id }, 'expiry failed'));
  }

  private reportOutcome(id: string, outcome: ExecutionOutcome): Promise<void> {
    return this.locks
      .run(id, async () => {
        const live = this.live.get(id);
        if (live?.request.status !== RequestStatus.approved) {
          this.log.warn(
            { id, status: live?.request.status },
            'outcome reported for a request that is not approved',
          );
          return;
        }
        const next: ApprovalRequest = {
          ...live.request,
          status: outcome.ok ? RequestStatus.executed : RequestStatus.failed,
          outcome: structuredClone(outcome),
        };
        live.request = next;
        this.live.delete(id);
        await this.audit.append(ev.outcomeEvent(next, outcome));
        await this.store.update(next);
        this.notify({ type: 'finished', request: next });
      })
      .catch((err: unknown) => this.log.error({ err, id }, 'recording the outcome failed'));
  }

  /** Denied, expired, cancelled: the client is answered first, then it is recorded. */
  private async refuse(
    live: Live,
    status: Refusal,
    by: string,
    reason: string | undefined,
    cause: DenyCause = 'decision',
  ): Promise<ApprovalRequest> {
    const at = this.now().toISOString();
    const next: ApprovalRequest = {
      ...live.request,
      status,
      resolution: { status, by, ...(reason !== undefined ? { reason } : {}), at },
    };
    live.request = next;
    live.timer?.clear();
    this.live.delete(next.id);
    // A refusal never waits on storage: refusing is always safe (fail closed).
    live.settle(refusalVerdict(status, by, reason, cause));
    try {
      await this.audit.append(ev.refusedEvent(next, status, by, reason));
      await this.store.update(next);
    } catch (err) {
      this.log.error({ err, id: next.id, status }, 'recording a refusal failed');
    }
    this.notify({ type: 'resolved', request: next });
    return structuredClone(next);
  }

  private async pendingOrError(id: string): Promise<Live | Extract<ResolveResult, { ok: false }>> {
    const live = this.live.get(id);
    if (live?.request.status === RequestStatus.pending) {
      // A vote racing the expiry timer (event-loop lag) loses.
      if (this.now().getTime() < Date.parse(live.request.expiresAt)) return live;
      await this.refuse(live, 'expired', ev.SYSTEM_ACTOR, undefined);
      return { ok: false, code: 'not_pending', message: `request ${id} has expired` };
    }
    const stored = live?.request ?? (await this.store.get(id));
    if (!stored) return { ok: false, code: 'not_found', message: `no request ${id}` };
    if (stored.status === RequestStatus.pending) {
      // In the store but not held here: another Sluice process, or one being recorded.
      return {
        ok: false,
        code: 'not_pending',
        message: `request ${id} is not held by this Sluice process`,
      };
    }
    return {
      ok: false,
      code: 'not_pending',
      message: `request ${id} is ${stored.status}, not pending`,
    };
  }

  private armTimer(id: string, live: Live): void {
    live.timer = armExpiry(
      Date.parse(live.request.expiresAt),
      () => this.now().getTime(),
      () => void this.expire(id),
    );
  }

  private notify(event: BrokerEvent): void {
    this.listeners.emit(event);
  }
}
