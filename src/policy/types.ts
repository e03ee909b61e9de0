// Decisions are what the policy layer hands the proxy and the approval layer.
// The policy module owns the YAML schema; these types are the contract it produces.

/** The rule that made a decision: a user rule (file:line) or a built-in default. */
export interface RuleRef {
  /** `policies/prod.yml#no-unbounded-writes` style id, or `default:<name>`. */
  id: string;
  name: string;
  file?: string;
  line?: number;
}

/** Who must approve. Principals are '@user', '@org/team' or an email, as in CODEOWNERS. */
export interface OwnerRequirement {
  /** Require, for every request path, an approval from one of its CODEOWNERS owners. */
  codeowners: boolean;
  /** Each entry must be met: at least one approval from any principal in `anyOf`. */
  allOf: { anyOf: string[] }[];
}

export const HeldInTransaction = {
  /** Hold as usual; the transaction stays open while waiting. */
  hold: 'hold',
  /** Refuse at once, failing the transaction (a write inside a long BEGIN is suspicious). */
  deny: 'deny',
} as const;
export type HeldInTransaction = (typeof HeldInTransaction)[keyof typeof HeldInTransaction];

export const Channel = { pullRequest: 'pull_request', issue: 'issue', comment: 'comment' } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export interface ApprovalTier {
  /** Distinct approvers needed in total. */
  approvals: number;
  owners: OwnerRequirement;
  allowSelfApproval: boolean;
  timeoutMs: number;
  requireJustification: boolean;
  inTransaction: HeldInTransaction;
  /** GitHub channel used when the App is configured. */
  channel: Channel;
  /**
   * Slack incoming webhook to notify about held statements: an https URL, or `env:NAME`
   * to read it from the environment at send time (see resolveSlackWebhook in
   * src/policy/slack-webhook.ts). Absent: no Slack notification.
   */
  slackWebhook?: string;
}

/** A resolved owner set for one request path (`requests/<db>/<schema>/<table>/`). */
export interface PathOwners {
  path: string;
  owners: string[];
}

/**
 * `redactParams` (set by the policy evaluator): bound parameter values must not leave the
 * proxy (approval requests, GitHub, Slack, audit show '[redacted]'). Absent means false.
 */
export type Decision =
  | { action: 'allow'; rule: RuleRef; reasons: string[]; redactParams?: boolean }
  | { action: 'deny'; rule: RuleRef; message: string; reasons: string[]; redactParams?: boolean }
  | {
      action: 'review';
      rule: RuleRef;
      tier: ApprovalTier;
      /** One entry per written relation, owners from CODEOWNERS (may be empty: unowned). */
      paths: PathOwners[];
      reasons: string[];
      redactParams?: boolean;
    };

/** Who is asking: what the proxy knows of a session when it evaluates a statement. */
export interface SessionIdentity {
  user: string;
  database: string;
  applicationName: string;
  /** Client IP address as seen by the proxy. */
  clientAddress: string;
}

/**
 * What the proxy consults per statement. Implemented by the policy store, which swaps
 * in a new policy set atomically on reload. Must be cheap: it runs on every statement.
 */
export interface PolicyProvider {
  decide(
    session: SessionIdentity,
    classification: import('../sql/types.js').Classification,
  ): Decision;
  /** Classifier settings the current policy asks for (safe functions, FOR UPDATE, read-only). */
  classifierOptions(): import('../sql/types.js').ClassifierOptions;
}
