// `npx tsx bench/github-open.ts`: how long held statements wait for their PRs when several
// arrive at once, with GitHub's pacing on (1 s between content-creating calls).
// A local HTTP server stands in for the GitHub API (the routes the pull_request channel
// uses, answering at once), so the figures are Sluice's own queueing, not GitHub's latency.
// Scenario: EARLIER requests were approved and now all finish (each comments, updates and
// merges its PR: follow-up writes) at the same moment HOLDS new statements are held.
// Printed: when each new PR was created, from that moment; the follow-ups done meanwhile.
//
// Env: HOLDS (10), EARLIER (5), GAP_MS (1000: GitHub's "at least one second between").
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Broker, type BrokerHandle } from '../src/approval/broker.js';
import { MemoryRequestStore } from '../src/approval/memory-request-store.js';
import { MemoryAuditLog } from '../src/audit/memory-audit-log.js';
import { startGitHub } from '../src/github/start-github.js';
import { appEnv, newRequest, settings } from '../test/github/fixtures.js';

const HOLDS = Number(process.env.HOLDS ?? 10);
const EARLIER = Number(process.env.EARLIER ?? 5);
const GAP_MS = Number(process.env.GAP_MS ?? 1000);

interface Seen {
  at: number;
  method: string;
  url: string;
}

/** The GitHub API routes the pull_request channel calls, answering at once. */
async function fakeGitHub(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  let prs = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      const method = req.method ?? 'GET';
      seen.push({ at: performance.now(), method, url });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.endsWith('/installation')) return json(200, { id: 1, account: { login: 'o' } });
      if (url.includes('/access_tokens'))
        return json(201, {
          token: 'ghs_bench',
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {},
        });
      if (method === 'GET' && url.includes('/git/ref/'))
        return json(200, { object: { sha: 'b'.repeat(40) } });
      if (method === 'POST' && url.endsWith('/git/refs')) return json(201, {});
      if (method === 'PUT' && url.includes('/contents/'))
        return json(201, { commit: { sha: 'c'.repeat(40) } });
      if (method === 'POST' && url.endsWith('/pulls')) {
        prs++;
        return json(201, { number: prs, html_url: `https://github.example/pull/${prs}` });
      }
      if (method === 'PUT' && url.endsWith('/merge')) return json(200, { merged: true });
      if (method === 'DELETE') {
        res.writeHead(204);
        return res.end();
      }
      return json(method === 'POST' ? 201 : 200, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function main(): Promise<void> {
  const gh = await fakeGitHub();
  const broker = new Broker({ store: new MemoryRequestStore(), audit: new MemoryAuditLog() });
  const app = await startGitHub({
    broker,
    settings: () => settings(),
    env: appEnv({ GHE_HOST: `127.0.0.1:${gh.port}`, GHE_PROTOCOL: 'http' }),
    tuning: { writeGapMs: GAP_MS },
  });
  if (app.mode !== 'app') throw new Error('expected app mode');
  const pr = (n: number) =>
    gh.seen.filter((s) => s.method === 'POST' && s.url.endsWith('/pulls')).length >= n;
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setTimeout(r, 5));
  };

  // Earlier requests: opened and approved (their body updates done) before the burst.
  const earlier: BrokerHandle[] = [];
  for (let i = 0; i < EARLIER; i++) earlier.push(await broker.hold(newRequest({ table: `t${i}` })));
  await until(() => pr(EARLIER));
  for (const h of earlier)
    await broker.approve(h.id, { by: 'bench', source: 'local', anyOwner: true });
  await app.idle();

  const before = gh.seen.length;
  const t0 = performance.now();
  for (const h of earlier)
    h.reportOutcome({ ok: true, commandTag: 'DELETE 1', rows: 1, durationMs: 1 });
  await Promise.all(
    Array.from({ length: HOLDS }, (_, i) => broker.hold(newRequest({ table: `new${i}` }))),
  );
  await until(() => pr(EARLIER + HOLDS));
  const burst = gh.seen.slice(before);
  const opened = burst
    .filter((s) => s.method === 'POST' && s.url.endsWith('/pulls'))
    .map((s) => (s.at - t0) / 1000);
  const tenth = opened[opened.length - 1]!;
  const followUpsBefore = burst.filter(
    (s) => s.at - t0 <= tenth * 1000 && (s.url.endsWith('/merge') || s.url.includes('/comments')),
  ).length;
  await app.idle();
  const merges = gh.seen.filter((s) => s.url.endsWith('/merge')).length;

  console.log(
    `${HOLDS} statements held at once, ${EARLIER} earlier requests finishing, ${GAP_MS} ms between writes`,
  );
  console.log(`PR created after (s): ${opened.map((s) => s.toFixed(1)).join(' ')}`);
  console.log(
    `the ${HOLDS}th waited ${tenth.toFixed(1)} s for its PR (${3 * HOLDS} writes: branch, file, PR each)`,
  );
  console.log(
    `follow-up comments/merges sent before it: ${followUpsBefore}; merges in all: ${merges}/${EARLIER}`,
  );
  await app.close();
  await broker.close();
  await gh.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
