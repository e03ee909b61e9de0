// The contract between the replica broker and the control database it shares with other
// Sluice replicas (src/approval/pg-shared-requests.ts). Every change to a request is one
// transaction under that request's row lock, with its audit records: whichever replica
// commits first decides, and the replica holding the statement is the only one that may
// release it, once (see README "Running several replicas").
import type { AuditEvent } from '../audit/audit-types.js';
import type { ApprovalRequest } from './types.js';

/** One request as a decision sees it, under its row lock. */
export interface SharedRow {
  request: ApprovalRequest;
  /** The replica holding the statement (null: a row written before replicas existed). */
  owner: string | null;
  /** The owner's lease is current, by the control database's clock. */
  ownerAlive: boolean;
  /** The owner is this replica, and its lease is current. */
  mine: boolean;
  /** The owner has marked it released (the statement was sent, or is being sent). */
  released: boolean;
}

export interface SharedStep<T> {
  /** The request's new state; omitted: unchanged. */
  next?: ApprovalRequest;
  /** Audit records committed with the change: the decision's commit point. */
  events?: AuditEvent[];
  /** Mark it released by this replica in the same commit (only when `row.mine`). */
  release?: boolean;
  value: T;
}

export type ClaimResult =
  { ok: true; request: ApprovalRequest } | { ok: false; row: SharedRow | undefined };

export interface ReplicaHooks {
  /** A request this replica holds changed status on another replica (NOTIFY). */
  wake(id: string): void;
  /** The lease could not be kept: nothing held here may be released any more. */
  leaseLost(): void;
  /** Periodic (each heartbeat) and after the listener reconnects: catch up on what was missed. */
  tick(): void;
}

export interface SharedRequests {
  /** This replica's id; a new one after a lost lease. */
  readonly replicaId: string;
  start(hooks: ReplicaHooks): Promise<void>;
  /** Inserts a request held by this replica, with its audit records; throws without a lease. */
  insert(request: ApprovalRequest, events: AuditEvent[]): Promise<void>;
  transact<T>(id: string, step: (row: SharedRow | undefined) => SharedStep<T>): Promise<T>;
  /** approved → released, only by its owner while its lease is current. */
  claim(id: string): Promise<ClaimResult>;
  /** Open requests (pending or approved) whose holder's lease is gone. */
  orphans(): Promise<string[]>;
  /** Of `ids`, those that are no longer pending (notifications missed). */
  changed(ids: string[]): Promise<string[]>;
  /** This replica's own approved, unreleased requests (candidates when not held any more). */
  ownApproved(): Promise<string[]>;
  /** Stops the heartbeat and listener, and ends the lease so others reap at once. */
  close(): Promise<void>;
}
