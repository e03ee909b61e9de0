// The two proxies the client-tool tests run through. `pass-through` (no policy: Sluice only
// validates and relays the protocol) checks the harness: there the proxy must already be
// invisible to the tool. `reads-only` is the real test: a tool that only reads must work
// unchanged through Sluice gating with a policy that allows reads and session statements.
// It denies (rather than holds for review) everything else, so a misclassified statement
// fails at once with Sluice's reason instead of hanging the tool.
import type { RunningProxy } from '../../src/proxy/server.js';
import { startGatedProxy } from './gated-proxy.js';
import { startTestProxy } from './proxy.js';

export const READS_ONLY_POLICY = `version: 1
rules:
  - name: reads
    match: { class: read }
    action: allow
  - name: session
    match: { class: session }
    action: allow
  - name: not-a-read
    match: {}
    action: deny
    message: 'reads-only test policy: not a read'
`;

export const TOOL_PROXY_MODES = ['pass-through', 'reads-only'] as const;
export type ToolProxyMode = (typeof TOOL_PROXY_MODES)[number];

export interface ToolProxy {
  proxy: RunningProxy;
  close(): Promise<void>;
}

/** `upstream`: a postgres:// URL of another server than the suite's (default). */
export async function startToolProxy(mode: ToolProxyMode, upstream?: string): Promise<ToolProxy> {
  switch (mode) {
    case 'pass-through': {
      const proxy = await startTestProxy(upstream ? { upstream } : {});
      return { proxy, close: () => proxy.close() };
    }
    case 'reads-only': {
      const gated = await startGatedProxy({
        policyFiles: { 'tools.yml': READS_ONLY_POLICY },
        ...(upstream ? { upstream } : {}),
      });
      return { proxy: gated.proxy, close: () => gated.close() };
    }
  }
}
