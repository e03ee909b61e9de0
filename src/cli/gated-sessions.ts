// What every process that serves clients sets up the same way, whether it is the single
// `sluice proxy` process or one of its `--workers`: the policy store, the approvals it
// counts, and the gating part of the proxy's options.
import type { ProxyBroker } from '../approval/open-approvals.js';
import type { CatalogRegistry } from '../catalog/catalog-registry.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { PolicyStore } from '../policy/policy-store.js';
import type { ProxyOptions } from '../proxy/server.js';
import { SessionClassifier } from '../sql/session-classifier.js';
import type { Logger } from '../util/log.js';

export interface PolicySource {
  /** Where the policy files are read (a folder that may not exist with the defaults). */
  policyDir: string;
  /** Set when --policies was given: missing files are then an error, and edits reload. */
  policiesDir?: string;
  codeowners?: string;
  repoRoot: string;
}

/** Opens the policy store; reloads are counted in `metrics`. */
export function openPolicy(
  src: PolicySource,
  logger: Logger,
  metrics: ProxyMetrics,
): Promise<PolicyStore> {
  return PolicyStore.open({
    dir: src.policyDir,
    defaultsIfMissing: !src.policiesDir,
    ...(src.codeowners ? { codeownersFile: src.codeowners } : {}),
    repoRoot: src.repoRoot,
    logger,
    onReload: (ok) => metrics.policyReloaded(ok),
  });
}

/** Counts the requests this process's broker resolves (sluice_approvals_total). */
export function countApprovals(broker: ProxyBroker, metrics: ProxyMetrics): void {
  broker.subscribe((e) => {
    if (e.type === 'resolved') metrics.approvalResolved(e.request);
  });
}

/** The proxy options that make it a gate: policy, approvals, classifier, catalog. */
export function gatedSessions(o: {
  policy: PolicyStore;
  broker: ProxyBroker;
  catalog: CatalogRegistry | undefined;
  logger: Logger;
  metrics: ProxyMetrics;
}): Pick<
  ProxyOptions,
  'policy' | 'gate' | 'classifierFactory' | 'requesterFor' | 'catalogFor' | 'logger' | 'metrics'
> {
  const { policy, catalog } = o;
  return {
    policy,
    gate: o.broker,
    classifierFactory: () => new SessionClassifier(policy.classifierOptions()),
    requesterFor: (user) => policy.githubLoginFor(user),
    ...(catalog ? { catalogFor: (db, opts) => catalog.forDatabase(db, opts) } : {}),
    logger: o.logger,
    metrics: o.metrics,
  };
}
