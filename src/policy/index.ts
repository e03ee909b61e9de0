// The policy module's public surface, for the proxy, the approval layer and the CLI.
export type * from './types.js';
export {
  parseCodeowners,
  ownersFor,
  ruleFor,
  findCodeowners,
  isValidOwner,
  CODEOWNERS_LOCATIONS,
} from './codeowners.js';
export type { CodeownersFile, CodeownersRule } from './codeowners.js';
export {
  requestPath,
  parseRequestPath,
  encodePathSegment,
  decodePathSegment,
  REQUESTS_ROOT,
} from './request-path.js';
export { loadPolicies, loadPolicyTexts, formatPolicyError } from './load.js';
export type { LoadResult, PolicyError } from './load.js';
export { evaluate, evaluateStatements } from './evaluate.js';
export { combineDecisions, strictestTier } from './combine.js';
export type { StatementDecision } from './evaluate.js';
export { defaultPolicy, builtinTier, DEFAULT_TIMEOUT_MS } from './policy-set.js';
export type { PolicySet, PolicySettings, GithubSettings, CompiledRule } from './policy-set.js';
export { PolicyStore } from './policy-store.js';
export type { PolicyStoreOptions, PolicyStatus, PolicySnapshot } from './policy-store.js';
export { lintPolicy } from './lint.js';
export type { PolicyWarning } from './lint.js';
export { resolveSlackWebhook } from './slack-webhook.js';
