// A GitHub outage fails within the request's own timeout, with the true reason: retries stop
// when the next wait would outlast the request, and a call GitHub never answers is aborted
// before the request expires. The verdict is `unreachable` (57S02 at the client), never
// `expired`, and nothing is released.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hold, startHarness, startNock, stopNock, type Harness } from './harness.js';
import { github, nockAppAuth } from './github-nocks.js';
import { appEnv, BASE, newRequest, OWNER, REPO } from './fixtures.js';
import { openDeadline } from '../../src/github/channel-router.js';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ID = 'r_aaaaaaaaaa';

let h: Harness;
beforeEach(() => {
  startNock();
});
afterEach(async () => {
  await h.close();
  stopNock();
});

describe('GitHub outage against the request timeout', () => {
  it('real backoff (1 s, 4 s, ...) is cut short when the next wait would outlast the request', async () => {
    // Four retries are allowed, but a 5 s request only has room for the first (1 s) wait.
    h = await startHarness({ retries: 4, retryBaseMs: 1000 });
    const api = github();
    nockAppAuth(api);
    api
      .get(`/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`)
      .times(2)
      .reply(502, { message: 'Bad Gateway' });
    const held = await hold(h, newRequest({ tier: { timeoutMs: 5000 } }));
    const verdict = await held.handle.verdict;
    expect(verdict).toEqual({
      kind: 'unreachable',
      by: 'sluice:github',
      reason:
        'GitHub unreachable: 502 Bad Gateway after 2 attempts, and no time left before the request times out',
    });
    await h.gh.idle();
    const stored = await h.broker.get(ID);
    expect(stored?.status).toBe('denied');
    // Decided before the request's own expiry.
    expect(Date.parse(stored!.resolution!.at)).toBeLessThan(Date.parse(stored!.expiresAt));
  });

  it('a call GitHub never answers is aborted before the request expires', async () => {
    // nock cannot model a connection that never answers (its replies ignore the abort), so
    // this one GitHub is a local server that answers the App's auth and then goes silent.
    const silent = await hangingGitHub();
    try {
      h = await startHarness({
        retries: 4,
        env: appEnv({ GHE_HOST: `127.0.0.1:${silent.port}`, GHE_PROTOCOL: 'http' }),
      });
      const held = await hold(h, newRequest({ tier: { timeoutMs: 4000 } }));
      const verdict = await held.handle.verdict;
      expect(verdict.kind).toBe('unreachable');
      expect(verdict.kind === 'unreachable' && verdict.reason).toMatch(
        /^GitHub unreachable: 500 .+ after 1 attempt, and no time left before the request times out$/,
      );
      await h.gh.idle();
      const stored = await h.broker.get(ID);
      expect(stored?.status).toBe('denied');
      expect(Date.parse(stored!.resolution!.at)).toBeLessThan(Date.parse(stored!.expiresAt));
      expect(silent.hung).toEqual([`GET /api/v3/repos/${OWNER}/${REPO}/git/ref/heads%2F${BASE}`]);
    } finally {
      await silent.close();
    }
  });

  it('the opening deadline leaves room before the expiry, at most 2 s; none under 2 s', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    expect(openDeadline({ createdAt: at(0), expiresAt: at(20_000) })).toBe(18_000);
    expect(openDeadline({ createdAt: at(0), expiresAt: at(4000) })).toBe(3000);
    expect(openDeadline({ createdAt: at(0), expiresAt: at(2000) })).toBe(1500);
    expect(openDeadline({ createdAt: at(0), expiresAt: at(1999) })).toBeUndefined();
  });
});

/** Answers the installation lookup and token, then never answers anything else. */
async function hangingGitHub(): Promise<{
  port: number;
  hung: string[];
  close(): Promise<void>;
}> {
  const hung: string[] = [];
  const open: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url?.endsWith(`/repos/${OWNER}/${REPO}/installation`))
      return json(200, { id: 1, account: { login: OWNER } });
    if (req.url?.includes('/access_tokens'))
      return json(201, {
        token: 'ghs_installation_token',
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: {},
      });
    hung.push(`${req.method} ${req.url}`);
    open.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hung,
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
