// The compiled policy: what loadPolicies produces and evaluate consumes. Globs and CIDRs are
// compiled, tiers fully resolved (defaults applied), rules flattened in evaluation order.
// A PolicySet is never mutated after it is built; reload builds a new one and swaps it in.
import type { ClassifierOptions, Flag, Risk, StatementClass } from '../sql/types.js';
import type { Cidr } from './cidr.js';
import type { Glob, TableGlob } from './glob.js';
import type { ApprovalTier, Channel, RuleRef } from './types.js';

export interface CompiledScope {
  database?: Glob[];
  user?: Glob[];
  application?: Glob[];
  address?: Cidr[];
}

export interface CompiledMatch {
  classes?: ReadonlySet<StatementClass>;
  kinds?: ReadonlySet<string>;
  risks?: ReadonlySet<Risk>;
  /** All of these flags are present. */
  flags?: Flag[];
  /** None of these flags is present. */
  withoutFlags?: Flag[];
  /** Every touched table matches one of these (and there is at least one). */
  tables?: TableGlob[];
  /** At least one touched table matches one of these. */
  anyTable?: TableGlob[];
  schemas?: Glob[];
  anySchema?: Glob[];
  statements?: { min?: number; max?: number };
}

interface RuleBase {
  ref: RuleRef;
  /** The file's scope and the rule's own: a session must match every one of them. */
  scopes: CompiledScope[];
  match: CompiledMatch;
  redactParams: boolean;
}

export type CompiledRule =
  | (RuleBase & { action: 'allow' })
  | (RuleBase & { action: 'deny'; message: string })
  | (RuleBase & { action: 'review'; tier: ApprovalTier });

export interface GithubSettings {
  /** The approvals repository, when configured. */
  repository?: { owner: string; repo: string };
  baseBranch: string;
  /** Default channel for review tiers that do not name one. */
  channel: Channel;
}

export interface PolicySettings {
  github: GithubSettings;
  /** PostgreSQL role -> GitHub login (without '@'). */
  identities: ReadonlyMap<string, string>;
  classifier: ClassifierOptions;
  redactParams: boolean;
  /** Statements touching any of these tables always have their parameters redacted. */
  redactTables: TableGlob[];
  /** Tier of the built-in `default:write` and `default:unmatched` reviews. */
  defaultTier: ApprovalTier;
}

export interface PolicySet {
  /** Loaded files in evaluation order; [] for the built-in defaults. */
  files: string[];
  /** User rules in evaluation order (files by name, then rules in file order). */
  rules: CompiledRule[];
  settings: PolicySettings;
}

export const DEFAULT_TIMEOUT_MS = 15 * 60_000;

/** The tier every review starts from before settings, file and rule fields apply. */
export function builtinTier(channel: Channel = 'pull_request'): ApprovalTier {
  return {
    approvals: 1,
    owners: { codeowners: true, allOf: [] },
    allowSelfApproval: false,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    requireJustification: false,
    inTransaction: 'hold',
    channel,
  };
}

export function defaultSettings(): PolicySettings {
  return {
    github: { baseBranch: 'main', channel: 'pull_request' },
    identities: new Map(),
    classifier: { lockingClauseIsWrite: true, safeFunctions: [], forceReadOnly: false },
    redactParams: false,
    redactTables: [],
    defaultTier: builtinTier(),
  };
}

/**
 * The documented defaults with no rules: forbidden and invalid statements denied, reads and
 * session statements allowed, writes (and anything else) reviewed by the tables' CODEOWNERS.
 * Used when no policies directory exists (zero-config start).
 */
export function defaultPolicy(): PolicySet {
  const settings = defaultSettings();
  Object.freeze(settings.defaultTier.owners.allOf);
  Object.freeze(settings.defaultTier.owners);
  Object.freeze(settings.defaultTier);
  return { files: [], rules: [], settings };
}

/** The built-in rules, by name; `id` is `default:<name>`. */
export const DEFAULT_RULES = {
  forbidden: 'forbidden statements are always denied',
  invalid: 'statements that do not parse are always denied',
  read: 'reads are allowed',
  session: 'session statements are allowed',
  write: 'writes need review',
  unmatched: 'anything else needs review',
  empty: 'an empty query does nothing',
  error: 'the policy could not be evaluated: denied (fail closed)',
} as const;
export type DefaultRuleName = keyof typeof DEFAULT_RULES;

export function defaultRuleRef(name: DefaultRuleName): RuleRef {
  return { id: `default:${name}`, name };
}
