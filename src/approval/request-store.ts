// Where approval requests live between state changes. The broker keeps live requests in
// memory and writes every change through; the store is what survives a restart (so
// `recover()` can close what the previous process left) and what `list` reads.
import type { ApprovalRequest, RequestStatus } from './types.js';

export type RequestStoreKind = 'postgres' | 'file' | 'memory';

export interface RequestListFilter {
  status?: RequestStatus;
  /** The newest `limit` (all when omitted). */
  limit?: number;
}

export interface RequestStore {
  readonly kind: RequestStoreKind;
  /** Throws if the id exists or the write fails: the broker then refuses the hold. */
  insert(request: ApprovalRequest): Promise<void>;
  /** Replaces the stored request with the same id. */
  update(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Newest first. */
  list(filter?: RequestListFilter): Promise<ApprovalRequest[]>;
  close(): Promise<void>;
}

/** Newest first, then the limit: the in-memory stores' list. */
export function selectRequests(
  all: Iterable<ApprovalRequest>,
  filter: RequestListFilter = {},
): ApprovalRequest[] {
  const out: ApprovalRequest[] = [];
  for (const r of all) if (filter.status === undefined || r.status === filter.status) out.push(r);
  out.sort((a, b) =>
    a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id),
  );
  return (filter.limit === undefined ? out : out.slice(0, filter.limit)).map((r) =>
    structuredClone(r),
  );
}
