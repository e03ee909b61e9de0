// The broker for replicas sharing a control database (src/approval/shared-requests.ts).
// The database row is the truth: every vote, denial, expiry and outcome is one transaction
// under the request's row lock, on whichever replica it arrives. This replica keeps in
// memory only the statements it holds (their client waits here) and sends one only after
// marking it released in its row, which only the holder can do, once, while its lease is
// current. A statement held elsewhere is woken by NOTIFY; a dead holder's requests are
// closed by the others ("session ended").
import type { Logger } from '../util/log.js';
import { silentLogger } from '../util/log.js';
import * as ev from './request-audit.js';
import { newRequestId } from './request-id.js';
import type { RequestStore } from './request-store.js';
import { HeldRequest, type BrokerHandle } from './held-request.js';
import { armExpiry } from './expiry-timer.js';
import { assertHoldable } from './hold-refused-error.js';
import { ListenerSet } from './listener-set.js';
import { KeyedLock } from './keyed-lock.js';
import type { RecoverResult } from './recover-requests.js';
import type { SharedRow, SharedStep } from './shared-requests.js';
import type { SharedRequests } from './shared-requests.js';
import {
  approveStep,
  denyStep,
  endStep,
  externalStep,
  outcomeStep,
  reapStep,
  revokeStep,
  unchanged,
  type StepOutcome,
} from './replica-steps.js';
import type { IncomingVote } from './vote-rules.js';
import { refusalVerdict } from './vote-rules.js';
import {
  RequestStatus,
  type ApprovalBroker,
  type ApprovalRequest,
  type BrokerListener,
  type ExecutionOutcome,
  type NewRequest,
  type ResolveResult,
  type Verdict,
} from './types.js';

export interface ReplicaBrokerOptions {
  /** Reads (get, list) of the shared rows. */
  store: RequestStore;
  shared: SharedRequests;
  logger?: Logger;
  now?: () => Date;
  idFactory?: () => string;
}

interface Held {
  request: ApprovalRequest;
  timer: { clear(): void } | undefined;
  settle(verdict: Verdict): void;
  /** The client has its verdict (or the statement was sent): nothing more happens here. */
  settled: boolean;
  /** Sent upstream; the outcome is still to be recorded. */
  released: boolean;
}

type Stepper = (row: SharedRow | undefined) => SharedStep<StepOutcome>;

const LEASE_LOST = 'this Sluice replica lost its lease on the control database';

export class ReplicaBroker implements ApprovalBroker {
  private readonly held = new Map<string, Held>();
  private readonly locks = new KeyedLock();
  private readonly listeners: ListenerSet;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private closed = false;
  private ticking = false;

  constructor(private readonly o: ReplicaBrokerOptions) {
    this.log = o.logger ?? silentLogger;
    this.listeners = new ListenerSet(this.log);
    this.now = o.now ?? (() => new Date());
    this.newId = o.idFactory ?? newRequestId;
  }

  /** Takes the lease and starts listening: before the first hold. */
  start(): Promise<void> {
    return this.o.shared.start({
      wake: (id) => void this.wake(id),
      leaseLost: () => this.leaseLost(),
      tick: () => void this.tick(),
    });
  }

  get replicaId(): string {
    return this.o.shared.replicaId;
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
    let settle!: (v: Verdict) => void;
    const verdict = new Promise<Verdict>((resolve) => (settle = resolve));
    const h: Held = { request, timer: undefined, settle, settled: false, released: false };
    // Known before its row commits, so a wake-up arriving right after finds it.
    this.held.set(request.id, h);
    try {
      // The row and its audit record commit together, or the proxy refuses (fail closed).
      await this.o.shared.insert(request, [ev.createdEvent(request)]);
    } catch (err) {
      this.held.delete(request.id);
      throw err;
    }
    h.timer = armExpiry(
      Date.parse(request.expiresAt),
      () => this.now().getTime(),
      () => void this.end(request.id, 'expired', undefined),
    );
    this.listeners.emit({ type: 'created', request });
    return new HeldRequest(
      request.id,
      () => this.held.get(request.id)?.request ?? request,
      verdict,
      {
        cancel: (reason) => this.end(request.id, 'cancelled', reason),
        reportOutcome: (outcome) => this.reportOutcome(request.id, outcome),
      },
    );
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    return this.o.store.get(id);
  }

  list(filter?: { status?: RequestStatus; limit?: number }): Promise<ApprovalRequest[]> {
    return this.o.store.list(filter);
  }

  approve(id: string, vote: IncomingVote): Promise<ResolveResult> {
    return this.decide(id, () => {
      const now = this.now();
      const heldHere = this.held.get(id)?.settled === false;
      return (row) => approveStep(id, row, vote, now, heldHere);
    });
  }

  deny(id: string, by: string, reason: string): Promise<ResolveResult> {
    return this.decide(id, () => {
      const now = this.now();
      return (row) => denyStep(id, row, by, reason, now);
    });
  }

  revoke(id: string, by: string, reason: string): Promise<ResolveResult> {
    return this.decide(id, () => {
      const now = this.now();
      return (row) => revokeStep(id, row, by, reason, now);
    });
  }

  setExternal(id: string, external: Record<string, string | number>): Promise<void> {
    return this.o.shared.transact(id, (row) => externalStep(id, row, external));
  }

  subscribe(listener: BrokerListener): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Closes what replicas that are gone left open: at start, and at every heartbeat. Any
   * replica may do it; the row lock makes each request close once.
   */
  async recover(): Promise<RecoverResult> {
    const result: RecoverResult = { cancelled: [], unknownOutcome: [] };
    for (const id of await this.o.shared.orphans()) {
      const out = await this.decideOut(id, () => {
        const now = this.now();
        return (row) => reapStep(id, row, now);
      }).catch((err: unknown) => {
        this.log.error({ err, id }, 'closing a request of a stopped replica failed');
        return undefined;
      });
      const status = out?.changed?.status;
      if (status === RequestStatus.cancelled) result.cancelled.push(id);
      if (status === RequestStatus.failed) result.unknownOutcome.push(id);
    }
    return result;
  }

  /** Cancels what is still held ('proxy stopped'), waits for writes, ends the lease. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.held.entries()]
        .filter(([, h]) => !h.settled)
        .map(([id]) => this.end(id, 'cancelled', 'proxy stopped')),
    );
    for (const h of this.held.values()) h.timer?.clear();
    await this.locks.idle();
    await this.o.shared.close();
  }

  /** How many statements this replica holds right now. */
  pendingCount(): number {
    let n = 0;
    for (const h of this.held.values()) if (!h.settled) n++;
    return n;
  }

  /** One transaction, then what this replica does about it (under the request's lock). */
  private decide(id: string, make: () => Stepper): Promise<ResolveResult> {
    return this.decideOut(id, make).then((out) => out.result);
  }

  private decideOut(id: string, make: () => Stepper): Promise<StepOutcome> {
    return this.locks.run(id, async () => {
      const out = await this.o.shared.transact(id, make());
      this.after(id, out);
      return out;
    });
  }

  private after(id: string, out: StepOutcome): void {
    const next = out.changed;
    if (!next) return;
    const h = this.held.get(id);
    if (h) {
      h.request = next;
      if (!h.settled) {
        if (out.released) this.release(h);
        else if (isRefusal(next.status)) this.refuseHeld(id, h, next);
      }
      if (next.status === RequestStatus.executed || next.status === RequestStatus.failed)
        this.held.delete(id);
    }
    for (const type of out.emit) this.listeners.emit({ type, request: next });
  }

  private release(h: Held): void {
    h.settled = true;
    h.released = true;
    h.timer?.clear();
    const r = h.request;
    const reason = r.resolution?.reason;
    h.settle({ kind: 'approved', by: r.approvals.map((v) => v.by), ...(reason ? { reason } : {}) });
  }

  private refuseHeld(id: string, h: Held, r: ApprovalRequest): void {
    h.settled = true;
    h.timer?.clear();
    this.held.delete(id);
    const status = r.status as 'denied' | 'expired' | 'cancelled';
    h.settle(refusalVerdict(status, r.resolution?.by ?? ev.SYSTEM_ACTOR, r.resolution?.reason));
  }

  /** Another replica changed a request held here: release it (once) or pass on the refusal. */
  private wake(id: string): Promise<void> {
    return this.locks
      .run(id, async () => {
        const h = this.held.get(id);
        if (!h) {
          await this.dropUnheld(id);
          return;
        }
        if (h.settled) return;
        const claim = await this.o.shared.claim(id);
        if (claim.ok) {
          h.request = claim.request;
          this.release(h);
          return;
        }
        const r = claim.row?.request;
        if (!r || r.status === RequestStatus.pending) {
          if (r) h.request = r;
          return;
        }
        if (isRefusal(r.status)) {
          this.refuseHeld(id, h, r);
          return;
        }
        // Approved but not ours to release any more (lease gone): the client is refused,
        // and the others close the request as "session ended".
        this.refuseHeld(id, h, {
          ...r,
          status: RequestStatus.cancelled,
          resolution: {
            status: RequestStatus.cancelled,
            reason: LEASE_LOST,
            at: this.now().toISOString(),
          },
        });
      })
      .catch((err: unknown) => this.log.error({ err, id }, 'waking a held request failed'));
  }

  /** Approved on another replica after its client left here: it never ran, close it. */
  private async dropUnheld(id: string): Promise<void> {
    const now = this.now();
    const out = await this.o.shared.transact(id, (row) =>
      row?.mine && row.request.status === RequestStatus.approved
        ? endStep(id, row, 'cancelled', 'client disconnected', now)
        : unchanged(),
    );
    this.after(id, out);
  }

  /** Expiry (timer) or cancel (client gone, proxy stopping) of a statement held here. */
  private end(
    id: string,
    status: 'expired' | 'cancelled',
    reason: string | undefined,
  ): Promise<void> {
    return this.locks
      .run(id, async () => {
        const h = this.held.get(id);
        if (!h || h.settled) return;
        if (status === 'cancelled') {
          // The client is gone or being told: refusing first is always safe.
          h.settled = true;
          h.timer?.clear();
          this.held.delete(id);
          h.settle(refusalVerdict('cancelled', ev.SYSTEM_ACTOR, reason));
        }
        let out: StepOutcome;
        try {
          const now = this.now();
          out = await this.o.shared.transact(id, (row) => endStep(id, row, status, reason, now));
        } catch (err) {
          this.log.error({ err, id, status }, 'recording the end of a held request failed');
          // Fail closed: the client is refused even if the row could not be written.
          if (!h.settled) this.refuseHeld(id, h, { ...h.request, status: RequestStatus.expired });
          return;
        }
        if (out.changed) {
          this.after(id, out);
          return;
        }
        // Lost the race to a decision committed elsewhere: act on it as if woken.
        if (!h.settled) queueMicrotask(() => void this.wake(id));
      })
      .catch((err: unknown) => this.log.error({ err, id }, 'ending a held request failed'));
  }

  private reportOutcome(id: string, outcome: ExecutionOutcome): Promise<void> {
    return this.locks
      .run(id, async () => {
        const h = this.held.get(id);
        if (!h?.released) {
          this.log.warn({ id }, 'outcome reported for a request that was not released here');
          return;
        }
        this.held.delete(id);
        const out = await this.o.shared.transact(id, (row) => outcomeStep(id, row, outcome));
        if (!out.changed)
          this.log.warn({ id, outcome }, 'outcome not recorded: the request was closed meanwhile');
        this.after(id, out);
      })
      .catch((err: unknown) => this.log.error({ err, id }, 'recording the outcome failed'));
  }

  private leaseLost(): void {
    for (const [id, h] of this.held) {
      if (!h.settled) {
        this.refuseHeld(id, h, {
          ...h.request,
          status: RequestStatus.cancelled,
          resolution: {
            status: RequestStatus.cancelled,
            reason: LEASE_LOST,
            at: this.now().toISOString(),
          },
        });
      }
    }
  }

  /** Heartbeat: catch up on missed notifications and close what stopped replicas left. */
  private async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      const waiting = [...this.held.entries()].filter(([, h]) => !h.settled).map(([id]) => id);
      for (const id of await this.o.shared.changed(waiting)) await this.wake(id);
      for (const id of await this.o.shared.ownApproved())
        if (!this.held.has(id)) await this.wake(id);
      await this.recover();
    } catch (err) {
      this.log.warn({ err }, 'replica catch-up failed');
    } finally {
      this.ticking = false;
    }
  }
}

function isRefusal(s: RequestStatus): s is 'denied' | 'expired' | 'cancelled' {
  return s === RequestStatus.denied || s === RequestStatus.expired || s === RequestStatus.cancelled;
}
