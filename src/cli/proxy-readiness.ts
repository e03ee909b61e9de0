// The checks behind the proxy's GET /readyz: can a new client session work here?
import { pgCheck, Readiness, tcpCheck } from '../admin/readiness.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { UpstreamConfig } from '../proxy/upstream.js';

export function proxyReadiness(o: {
  upstream: UpstreamConfig;
  policy: PolicyStore;
  controlUrl: string | undefined;
}): Readiness {
  const readiness = new Readiness()
    .add('upstream', tcpCheck(o.upstream.host, o.upstream.port))
    // The store never runs without a valid policy (a failed reload keeps the last good
    // one), so this says which one; a failed reload is shown, not made a failure: the
    // same bad file on every replica would otherwise take them all out of the pool.
    .add('policy', () => {
      const s = o.policy.status();
      const detail = `${s.source} loaded ${s.loadedAt}${s.lastError ? `; last reload failed at ${s.lastError.at}` : ''}`;
      return Promise.resolve({ ok: true, detail });
    });
  // File mode (no control database) has nothing to reach.
  if (o.controlUrl) readiness.add('control', pgCheck(o.controlUrl));
  return readiness;
}
