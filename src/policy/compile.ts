// Validated policy files -> one PolicySet: defaults applied field by field
// (built-in <- settings <- file <- rule), rules flattened in evaluation order.
import type { Channel, ApprovalTier } from './types.js';
import type {
  PolicyFileInput,
  ReviewInput,
  ScopeInput,
  MatchInput,
  SettingsInput,
} from './schema.js';
import {
  builtinTier,
  defaultSettings,
  type CompiledMatch,
  type CompiledRule,
  type CompiledScope,
  type PolicySet,
  type PolicySettings,
} from './policy-set.js';

export interface ValidatedFile {
  /** Display path, as used in errors and rule references. */
  file: string;
  input: PolicyFileInput;
  /** 1-based line of each rule (the rule's `-` item), same order as input.rules. */
  ruleLines: number[];
}

type TierFields = Omit<ReviewInput, 'channel'> & { channel?: Channel };

export function applyReview(base: ApprovalTier, r: TierFields | undefined): ApprovalTier {
  if (!r) return base;
  const tier: ApprovalTier = {
    ...base,
    owners: { codeowners: base.owners.codeowners, allOf: [...base.owners.allOf] },
  };
  if (r.approvals !== undefined) tier.approvals = r.approvals;
  if (r.owners !== undefined) {
    // Owners are replaced as a whole: merging groups across levels would be hard to read.
    tier.owners = {
      codeowners: r.owners.codeowners,
      allOf: [
        ...(r.owners.any_of ? [{ anyOf: [...r.owners.any_of] }] : []),
        ...(r.owners.all_of ?? []).map((g) => ({ anyOf: [...g.any_of] })),
      ],
    };
  }
  if (r.allow_self_approval !== undefined) tier.allowSelfApproval = r.allow_self_approval;
  if (r.timeout !== undefined) tier.timeoutMs = r.timeout;
  if (r.require_justification !== undefined) tier.requireJustification = r.require_justification;
  if (r.in_transaction !== undefined) tier.inTransaction = r.in_transaction;
  if (r.channel !== undefined) tier.channel = r.channel;
  if (r.slack_webhook !== undefined) tier.slackWebhook = r.slack_webhook;
  return tier;
}

export function compileSettings(s: SettingsInput | undefined): PolicySettings {
  const settings = defaultSettings();
  if (!s) return settings;
  const [owner, repo] = s.github?.repository?.split('/') ?? [];
  settings.github = {
    ...(owner && repo ? { repository: { owner, repo } } : {}),
    baseBranch: s.github?.base_branch ?? 'main',
    channel: s.github?.channel ?? 'pull_request',
  };
  settings.identities = new Map(Object.entries(s.identities ?? {}));
  settings.classifier = {
    lockingClauseIsWrite: s.classifier?.locking_clause_is_write ?? true,
    safeFunctions: [...(s.classifier?.safe_functions ?? [])],
    forceReadOnly: s.classifier?.force_read_only ?? false,
  };
  settings.redactParams = s.redact_params ?? false;
  settings.redactTables = s.redact_tables ?? [];
  settings.defaultTier = applyReview(builtinTier(settings.github.channel), s.review);
  return settings;
}

function compileScope(s: ScopeInput): CompiledScope {
  const scope: CompiledScope = {};
  if (s.database) scope.database = s.database;
  if (s.user) scope.user = s.user;
  if (s.application) scope.application = s.application;
  if (s.address) scope.address = s.address;
  return scope;
}

function compileMatch(m: MatchInput): CompiledMatch {
  const match: CompiledMatch = {};
  if (m.class) match.classes = new Set(m.class);
  if (m.kind) match.kinds = new Set(m.kind);
  if (m.risk) match.risks = new Set(m.risk);
  if (m.flags) match.flags = m.flags;
  if (m.without_flags) match.withoutFlags = m.without_flags;
  if (m.tables) match.tables = m.tables;
  if (m.any_table) match.anyTable = m.any_table;
  if (m.schemas) match.schemas = m.schemas;
  if (m.any_schema) match.anySchema = m.any_schema;
  if (m.statements) match.statements = { ...m.statements };
  return match;
}

/**
 * Decisions hand out the policy's own tier objects (no copy per statement), so they are
 * frozen: a consumer that tried to change one would otherwise change the policy.
 */
function freezeTier(tier: ApprovalTier): ApprovalTier {
  for (const g of tier.owners.allOf) Object.freeze(g.anyOf);
  Object.freeze(tier.owners.allOf);
  Object.freeze(tier.owners);
  return Object.freeze(tier);
}

/** `files` must already be in evaluation order and at most one may carry settings. */
export function compilePolicySet(files: ValidatedFile[]): PolicySet {
  const settings = compileSettings(files.find((f) => f.input.settings)?.input.settings);
  freezeTier(settings.defaultTier);
  const rules: CompiledRule[] = [];
  for (const { file, input, ruleLines } of files) {
    const fileTier = applyReview(settings.defaultTier, input.review);
    const fileScopes = input.scope ? [compileScope(input.scope)] : [];
    (input.rules ?? []).forEach((r, i) => {
      const line = ruleLines[i];
      const ref = {
        id: `${file}#${r.name}`,
        name: r.name,
        file,
        ...(line !== undefined ? { line } : {}),
      };
      const base = {
        ref,
        scopes: r.scope ? [...fileScopes, compileScope(r.scope)] : fileScopes,
        match: compileMatch(r.match),
        redactParams: r.redact_params ?? input.redact_params ?? settings.redactParams,
      };
      switch (r.action) {
        case 'allow':
          rules.push({ ...base, action: 'allow' });
          break;
        case 'deny':
          rules.push({
            ...base,
            action: 'deny',
            message: r.message ?? `denied by policy rule ${r.name}`,
          });
          break;
        case 'review':
          rules.push({
            ...base,
            action: 'review',
            tier: freezeTier(applyReview(fileTier, r.review)),
          });
          break;
      }
    });
  }
  return { files: files.map((f) => f.file), rules, settings };
}
