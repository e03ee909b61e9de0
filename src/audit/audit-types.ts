// The audit log's contract: every decision Sluice takes lands here as one record of an
// append-only, hash-chained log (see ./audit-chain.ts for the chain rules).

export const AuditEventType = {
  requestCreated: 'request.created',
  requestVote: 'request.vote',
  requestVoteRevoked: 'request.vote_revoked',
  /** A vote refused (self-approval, wrong binding hash): who tried matters. */
  requestVoteRejected: 'request.vote_rejected',
  requestApproved: 'request.approved',
  requestDenied: 'request.denied',
  requestExpired: 'request.expired',
  requestCancelled: 'request.cancelled',
  requestExecuted: 'request.executed',
  requestFailed: 'request.failed',
  /** A statement answered at once (policy deny, forbidden, invalid): no request is held. */
  statementRefused: 'statement.refused',
  policyReloaded: 'policy.reloaded',
  policyReloadFailed: 'policy.reload_failed',
  proxyStarted: 'proxy.started',
  proxyStopped: 'proxy.stopped',
} as const;
export type AuditEventType = (typeof AuditEventType)[keyof typeof AuditEventType];

const TYPES = new Set<string>(Object.values(AuditEventType));
export function isAuditEventType(value: string): value is AuditEventType {
  return TYPES.has(value);
}

/** What callers append. The log adds seq, ts and the hashes. */
export interface AuditEvent {
  type: AuditEventType;
  /** Who caused it: a login, 'local:<os user>', or 'sluice' for the proxy itself. */
  actor: string;
  requestId?: string;
  /** JSON-safe details (no undefined inside arrays, no bigint, finite numbers). */
  data?: Record<string, unknown>;
}

export interface AuditRecord {
  /** 1, 2, 3, ... without gaps. */
  seq: number;
  /** ISO 8601 UTC with milliseconds (Date#toISOString). */
  ts: string;
  type: AuditEventType;
  actor: string;
  requestId: string | null;
  data: Record<string, unknown>;
  /** `hash` of the previous record; 64 zeros for the first. */
  prevHash: string;
  /** sha256 (hex) of the canonical JSON of every field above. */
  hash: string;
}

export interface AuditListFilter {
  /** Records at or after this instant. */
  since?: Date;
  requestId?: string;
  /** The newest `limit` matching records (still returned oldest first). */
  limit?: number;
}

/** Where the chain first breaks: the record named is the first that cannot be trusted. */
export interface AuditBreak {
  /** 1-based position in the stored order (line number for the file store). */
  position: number;
  /** The seq the broken record claims, when it could be read. */
  seq: number | null;
  reason: string;
}

export type AuditVerifyResult =
  | { ok: true; count: number; head: { seq: number; hash: string } | null }
  | { ok: false; count: number; broken: AuditBreak };

export type AuditStoreKind = 'postgres' | 'file' | 'memory';

export interface AuditLog {
  readonly kind: AuditStoreKind;
  /** Human description of where records live (URL without password, or file path). */
  readonly location: string;
  /** Durably appends one event; resolves once it is stored. Throws when it could not be. */
  append(event: AuditEvent): Promise<AuditRecord>;
  list(filter?: AuditListFilter): Promise<AuditRecord[]>;
  get(seq: number): Promise<AuditRecord | undefined>;
  /** Walks the whole chain; reports the first record that was edited, deleted or reordered. */
  verify(): Promise<AuditVerifyResult>;
  close(): Promise<void>;
}
