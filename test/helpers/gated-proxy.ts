// A real proxy with the real classifier, policy store and approval broker in front of
// the suite's PostgreSQL. Tests approve, deny and watch requests through the broker.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initClassifier } from '../../src/sql/classify.js';
import { SessionClassifier } from '../../src/sql/session-classifier.js';
import { PolicyStore } from '../../src/policy/policy-store.js';
import { openApprovals, type Approvals } from '../../src/approval/open-approvals.js';
import type { ApprovalRequest } from '../../src/approval/types.js';
import type { RunningProxy } from '../../src/proxy/server.js';
import { startTestProxy } from './proxy.js';

export interface GatedProxy {
  proxy: RunningProxy;
  approvals: Approvals;
  policy: PolicyStore;
  /** Resolves with the next request created (in order). */
  nextRequest(): Promise<ApprovalRequest>;
  close(): Promise<void>;
}

/**
 * `policyFiles`: file name → YAML; omitted means the built-in defaults. `upstream`: a
 * postgres:// URL of another server than the suite's (default).
 */
export async function startGatedProxy(
  opts: { policyFiles?: Record<string, string>; controlUrl?: string; upstream?: string } = {},
): Promise<GatedProxy> {
  await initClassifier();
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-gated-'));
  const dir = path.join(root, 'policies');
  if (opts.policyFiles) {
    mkdirSync(dir);
    for (const [name, text] of Object.entries(opts.policyFiles))
      writeFileSync(path.join(dir, name), text);
  }
  const policy = await PolicyStore.open({
    dir,
    defaultsIfMissing: !opts.policyFiles,
    repoRoot: root,
  });
  const approvals = await openApprovals({
    stateDir: root,
    ...(opts.controlUrl ? { controlUrl: opts.controlUrl } : {}),
    logger: (await import('../../src/util/log.js')).silentLogger,
  });
  const created: ApprovalRequest[] = [];
  const waiters: ((r: ApprovalRequest) => void)[] = [];
  approvals.broker.subscribe((e) => {
    if (e.type !== 'created') return;
    const w = waiters.shift();
    if (w) w(e.request);
    else created.push(e.request);
  });
  const proxy = await startTestProxy({
    ...(opts.upstream ? { upstream: opts.upstream } : {}),
    policy,
    gate: approvals.broker,
    classifierFactory: () => new SessionClassifier(policy.classifierOptions()),
    requesterFor: (u) => policy.githubLoginFor(u),
  });
  return {
    proxy,
    approvals,
    policy,
    nextRequest: () => {
      const r = created.shift();
      if (r) return Promise.resolve(r);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close: async () => {
      await proxy.close();
      await approvals.close();
      policy.close();
    },
  };
}
