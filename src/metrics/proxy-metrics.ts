// Sluice's own metrics, with every series declared here at start-up. The proxy holds the
// slots and bumps them (a property increment); /metrics renders them on demand.
import type { ApprovalRequest } from '../approval/types.js';
import { classifierCacheStats } from '../sql/cache-stats.js';
import type { StatementClass } from '../sql/types.js';
import {
  Counter,
  Gauge,
  Histogram,
  renderMetrics,
  type Metric,
  type Slot,
} from './prometheus-text.js';

export const DECISIONS = ['allow', 'review', 'deny'] as const;
export type DecisionLabel = (typeof DECISIONS)[number];
const CLASSES = [
  'read',
  'session',
  'write',
  'invalid',
  'forbidden',
] as const satisfies readonly StatementClass[];
/** 'local': the request never reached GitHub; the others are GitHub channels (policy/types.ts). */
const CHANNELS = ['local', 'pull_request', 'issue', 'comment'] as const;
const OUTCOMES = ['approved', 'denied', 'expired', 'cancelled'] as const;
type Outcome = (typeof OUTCOMES)[number];
const GITHUB_ERROR_KINDS = ['client', 'server', 'network'] as const;
export type GitHubErrorKind = (typeof GITHUB_ERROR_KINDS)[number];

/** Seconds: from a quick local approval to a day-long wait. */
export const HOLD_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];

export class ProxyMetrics {
  private readonly connectionsNow = new Gauge('sluice_connections', 'Client connections open now.');
  private readonly connectionsTotal = new Counter(
    'sluice_connections_total',
    'Client connections accepted since start.',
  );
  private readonly statementsTotal = new Counter(
    'sluice_statements_total',
    'Statements (Query and Execute messages) by classification and policy decision.',
  );
  private readonly heldNow = new Gauge(
    'sluice_held_statements',
    'Statements held for approval now.',
  );
  readonly holdDuration = new Histogram(
    'sluice_hold_duration_seconds',
    'How long held statements waited for their verdict.',
    HOLD_BUCKETS,
  );
  private readonly approvalsTotal = new Counter(
    'sluice_approvals_total',
    'Approval requests resolved on this replica, by channel and outcome.',
  );
  private readonly githubErrorsTotal = new Counter(
    'sluice_github_api_errors_total',
    'GitHub API calls that failed after retries: client (4xx), server (5xx and network errors), network (no status).',
  );
  private readonly cacheHitsTotal = new Counter(
    'sluice_classifier_cache_hits_total',
    'Statements the classifier answered from a cache.',
  );
  private readonly cacheMissesTotal = new Counter(
    'sluice_classifier_cache_misses_total',
    'Statements the classifier parsed afresh.',
  );
  private readonly reloadsTotal = new Counter(
    'sluice_policy_reloads_total',
    'Policy reloads (SIGHUP or a file change), by result.',
  );
  private readonly cancelsRelayedTotal = new Counter(
    'sluice_cancel_requests_relayed_total',
    'CancelRequests for a session this worker does not hold, handed to its sibling workers (--workers).',
  );
  private readonly drainingNow = new Gauge(
    'sluice_draining',
    '1 while the proxy drains after SIGTERM, else 0.',
  );

  readonly connections: Slot = this.connectionsNow.slot();
  readonly connectionsAccepted: Slot = this.connectionsTotal.slot();
  /** statements[class][decision]: slots made once, so counting is two property reads. */
  readonly statements: Record<StatementClass, Record<DecisionLabel, Slot>>;
  readonly held: Slot = this.heldNow.slot();
  readonly draining: Slot = this.drainingNow.slot();
  readonly cancelsRelayed: Slot = this.cancelsRelayedTotal.slot();
  private readonly approvals: Record<string, Record<Outcome, Slot>>;
  private readonly githubErrors: Record<GitHubErrorKind, Slot>;
  private readonly reloads: { ok: Slot; failed: Slot };
  private readonly cacheHits = this.cacheHitsTotal.slot();
  private readonly cacheMisses = this.cacheMissesTotal.slot();

  constructor() {
    this.statements = byKey(CLASSES, (verdict) =>
      byKey(DECISIONS, (decision) => this.statementsTotal.slot({ verdict, decision })),
    );
    this.approvals = byKey(CHANNELS, (channel) =>
      byKey(OUTCOMES, (outcome) => this.approvalsTotal.slot({ channel, outcome })),
    );
    this.githubErrors = byKey(GITHUB_ERROR_KINDS, (kind) => this.githubErrorsTotal.slot({ kind }));
    this.reloads = {
      ok: this.reloadsTotal.slot({ result: 'ok' }),
      failed: this.reloadsTotal.slot({ result: 'failed' }),
    };
  }

  /** A broker 'resolved' event: counted by the channel the request was announced on. */
  approvalResolved(request: ApprovalRequest): void {
    const outcome = request.status as Outcome;
    if (!OUTCOMES.includes(outcome)) return;
    const ch = request.external?.channel;
    const channel = typeof ch === 'string' && ch in this.approvals ? ch : 'local';
    this.approvals[channel]![outcome].value++;
  }

  /** A failed GitHub API call; `status` is the HTTP status when there was an answer. */
  githubError(status: number | undefined): void {
    const kind: GitHubErrorKind =
      status === undefined || status <= 0 ? 'network' : status >= 500 ? 'server' : 'client';
    this.githubErrors[kind].value++;
  }

  policyReloaded(ok: boolean): void {
    (ok ? this.reloads.ok : this.reloads.failed).value++;
  }

  render(): string {
    // The classifier's counters are process-wide (src/sql/cache-stats.ts).
    this.cacheHits.value = classifierCacheStats.hits;
    this.cacheMisses.value = classifierCacheStats.misses;
    const all: Metric[] = [
      this.connectionsNow,
      this.connectionsTotal,
      this.statementsTotal,
      this.heldNow,
      this.holdDuration,
      this.approvalsTotal,
      this.githubErrorsTotal,
      this.cacheHitsTotal,
      this.cacheMissesTotal,
      this.reloadsTotal,
      this.cancelsRelayedTotal,
      this.drainingNow,
    ];
    return renderMetrics(all);
  }
}

function byKey<K extends string, V>(keys: readonly K[], make: (k: K) => V): Record<K, V> {
  const out = {} as Record<K, V>;
  for (const k of keys) out[k] = make(k);
  return out;
}
