// The contract between the proxy (which holds statements) and whatever decides on
// them (local HTTP/CLI approvals, the GitHub App). The proxy only ever sees
// `ApprovalGate`; channels only ever see `ApprovalBroker`.
import type { Classification } from '../sql/types.js';
import type { ApprovalTier, PathOwners, RuleRef, SessionIdentity } from '../policy/types.js';

export type TxStatus = 'I' | 'T' | 'E';

export interface BoundParam {
  /** 1-based, as in $1. */
  index: number;
  format: 'text' | 'binary';
  /** Text value, hex for binary, null for SQL NULL, '[redacted]' when redacted. */
  value: string | null;
  redacted: boolean;
}

/** What the proxy submits when it holds a statement. */
export interface NewRequest {
  /** The exact SQL text (the Query string, or the prepared statement's text). */
  sql: string;
  params: BoundParam[];
  /**
   * sha256 over the statement bytes, the parameter bytes and the session identity,
   * computed by the proxy from the exact bytes it will forward on release.
   */
  bindingHash: string;
  session: SessionIdentity & { sessionId: string; requester?: string };
  transactionStatus: TxStatus;
  classification: Classification;
  rule: RuleRef;
  tier: ApprovalTier;
  paths: PathOwners[];
  /** Optional justification (e.g. from a leading `/* sluice: reason=... *\/` comment). */
  justification?: string;
  /** A PR named by the session for the `comment` channel: owner/repo#123. */
  linkedPullRequest?: string;
}

export const RequestStatus = {
  pending: 'pending',
  approved: 'approved',
  denied: 'denied',
  expired: 'expired',
  cancelled: 'cancelled',
  executed: 'executed',
  failed: 'failed',
} as const;
export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];

export interface ApprovalVote {
  by: string;
  reason?: string;
  at: string;
  /** Where it came from: 'local', 'github:review:<id>', 'github:comment:<id>'. */
  source: string;
  /**
   * Principals the channel verified for this voter besides the login: '@org/team'
   * memberships (GitHub), emails. Used to match CODEOWNERS owners and `allOf` groups.
   */
  teams?: string[];
  /**
   * The channel vouches that this voter stands for every owner (the local channel: the
   * admin-token holder is the operator). Still one voter toward `approvals`.
   */
  anyOwner?: boolean;
}

export interface ExecutionOutcome {
  ok: boolean;
  commandTag?: string;
  rows?: number;
  durationMs: number;
  error?: { code: string; message: string };
}

export interface ApprovalRequest extends NewRequest {
  id: string;
  status: RequestStatus;
  createdAt: string;
  expiresAt: string;
  approvals: ApprovalVote[];
  /** Set when leaving `pending`. */
  resolution?: { status: RequestStatus; by?: string; reason?: string; at: string };
  outcome?: ExecutionOutcome;
  /** Channel bookkeeping (PR number/url etc.). */
  external?: Record<string, string | number>;
}

/** Why a request is denied: someone decided, or the channel could not reach anyone. */
export type DenyCause = 'decision' | 'channel_unreachable';

/** The final word on a held statement, delivered once. */
export type Verdict =
  | { kind: 'approved'; by: string[]; reason?: string }
  | { kind: 'denied'; by: string; reason: string }
  /** The approval channel (GitHub) could not be reached in time: nobody was asked. */
  | { kind: 'unreachable'; by: string; reason: string }
  | { kind: 'expired' }
  | { kind: 'cancelled'; reason: string };

export interface HeldHandle {
  readonly request: ApprovalRequest;
  /** Resolves exactly once. Never rejects: failures become `denied`/`expired`. */
  readonly verdict: Promise<Verdict>;
  /** Client disconnect or CancelRequest: resolves the verdict as cancelled if still pending. */
  cancel(reason: string): void;
  /** After an approved statement ran (or failed) upstream. */
  reportOutcome(outcome: ExecutionOutcome): void;
}

/** What the proxy sees. */
export interface ApprovalGate {
  /** Records and announces a held statement. Throwing means: refuse (fail closed). */
  hold(request: NewRequest): Promise<HeldHandle>;
}

export type ResolveResult =
  | { ok: true; request: ApprovalRequest; released: boolean }
  | {
      ok: false;
      code: 'not_found' | 'not_pending' | 'hash_mismatch' | 'forbidden';
      message: string;
    };

/** What channels (local API/CLI, GitHub) see. */
export interface ApprovalBroker extends ApprovalGate {
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Newest first. `limit` caps the count (all when omitted). */
  list(filter?: { status?: RequestStatus; limit?: number }): Promise<ApprovalRequest[]>;
  /** Adds one approval; releases when the tier is met. `bindingHash`, when given, must match. */
  approve(
    id: string,
    vote: Omit<ApprovalVote, 'at'> & { bindingHash?: string },
  ): Promise<ResolveResult>;
  /** Withdraws a vote (dismissed review, new push). No effect once released. */
  revoke(id: string, by: string, reason: string): Promise<ResolveResult>;
  /** `channel_unreachable`: the channel could not ask anyone (the client is told so). */
  deny(id: string, by: string, reason: string, cause?: DenyCause): Promise<ResolveResult>;
  /** Channel bookkeeping. */
  setExternal(id: string, external: Record<string, string | number>): Promise<void>;
  /** Lifecycle notifications for channels. */
  subscribe(listener: BrokerListener): () => void;
}

export type BrokerEvent =
  | { type: 'created'; request: ApprovalRequest }
  | { type: 'vote'; request: ApprovalRequest }
  | { type: 'resolved'; request: ApprovalRequest }
  | { type: 'finished'; request: ApprovalRequest };
export type BrokerListener = (event: BrokerEvent) => void | Promise<void>;
