// A running GitHub mode for tests: the real Broker (memory store and audit), the real admin
// listener on a free port with the Probot app mounted, and nock standing in for GitHub.
// The nock helpers for individual API calls are in github-nocks.ts.
import nock from 'nock';
import { expect } from 'vitest';
import { Broker, type BrokerHandle } from '../../src/approval/broker.js';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { AdminServer } from '../../src/admin/admin-server.js';
import { startGitHub, type GitHubService } from '../../src/github/start-github.js';
import type { GitHubSettings } from '../../src/github/github-settings.js';
import type { BrokerEvent, NewRequest, Verdict } from '../../src/approval/types.js';
import { createLogger, type Logger } from '../../src/util/log.js';
import { appEnv, settings, type Loose } from './fixtures.js';

export interface Harness {
  broker: Broker;
  audit: MemoryAuditLog;
  gh: Extract<GitHubService, { mode: 'app' }>;
  url: string;
  settings: GitHubSettings;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: NodeJS.ProcessEnv;
  settings?: Partial<GitHubSettings>;
  estimateUrl?: string;
  ids?: string[];
  store?: MemoryRequestStore;
  retries?: number;
  /** Where GitHub mode logs (default: silent, or GH_TEST_LOG's level on stderr). */
  logger?: Logger;
  /** Wait before retry n is retryBaseMs * n^2 (default 1 ms). */
  retryBaseMs?: number;
  /** Run broker.recover() before GitHub starts, as openApprovals does at startup. */
  recover?: boolean;
  /** Told of GitHub API calls that failed after retries (the metrics hook). */
  onApiError?: (status: number | undefined) => void;
}

/** Requests nock had no interceptor for: our code swallows (and logs) failures, tests must not. */
export const unmatched: string[] = [];
const onNoMatch = (req: {
  method?: string;
  path?: string;
  href?: string;
  hostname?: string;
  host?: string;
}) => {
  const host = req.hostname ?? req.host ?? (req.href ? new URL(req.href).hostname : '');
  if (host === '127.0.0.1' || host === 'localhost' || req.href?.startsWith('http://127.0.0.1'))
    return;
  unmatched.push(`${req.method ?? '?'} ${req.href ?? req.path ?? '?'}`);
};

export function startNock(): void {
  unmatched.length = 0;
  nock.emitter.on('no match', onNoMatch);
  nock.disableNetConnect();
  // The admin listener and PostgreSQL are real.
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
}

export function stopNock(): void {
  const pending = nock.pendingMocks();
  nock.emitter.removeListener('no match', onNoMatch);
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending, 'GitHub calls that were expected but never made').toEqual([]);
  expect([...unmatched], 'GitHub calls nobody expected').toEqual([]);
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const ids = [...(o.ids ?? ['r_aaaaaaaaaa', 'r_bbbbbbbbbb', 'r_cccccccccc'])];
  const audit = new MemoryAuditLog();
  const broker = new Broker({
    store: o.store ?? new MemoryRequestStore(),
    audit,
    idFactory: () => ids.shift() ?? `r_${Math.random().toString(36).slice(2, 12)}`,
  });
  if (o.recover) await broker.recover();
  const admin = new AdminServer({ broker, token: 'admin-token-for-tests-0123456789', port: 0 });
  const s = settings(o.settings);
  const gh = await startGitHub({
    broker,
    audit,
    ...(o.logger
      ? { logger: o.logger }
      : process.env.GH_TEST_LOG
        ? { logger: createLogger(process.env.GH_TEST_LOG) }
        : {}),
    settings: () => s,
    admin,
    env: o.env ?? appEnv(),
    ...(o.estimateUrl ? { estimateUrl: o.estimateUrl } : {}),
    ...(o.onApiError ? { onApiError: o.onApiError } : {}),
    tuning: {
      retries: o.retries ?? 2,
      retryBaseMs: o.retryBaseMs ?? 1,
      rateLimitBaseMs: 1,
      pacing: false,
    },
  });
  if (gh.mode !== 'app') throw new Error('expected app mode');
  const address = await admin.listen();
  return {
    broker,
    audit,
    gh,
    url: address.url,
    settings: s,
    async close() {
      await gh.close();
      await admin.close();
      await broker.close();
    },
  };
}

/** Records request bodies for one nocked route. */
export class Bodies<T = Loose> {
  readonly all: T[] = [];
  readonly match = (body: T): boolean => {
    this.all.push(body);
    return true;
  };
  get only(): T {
    expect(this.all).toHaveLength(1);
    return this.all[0]!;
  }
}

export interface Held {
  handle: BrokerHandle;
  settled: () => Verdict | undefined;
}

/** Holds a request and tracks whether its verdict has been delivered. */
export async function hold(h: Harness, request: NewRequest): Promise<Held> {
  const handle = await h.broker.hold(request);
  let verdict: Verdict | undefined;
  void handle.verdict.then((v) => (verdict = v));
  return { handle, settled: () => verdict };
}

/** Lets the verdict promise callbacks run, then reports whether anything was released. */
export async function expectNothingReleased(h: Harness, held: Held): Promise<void> {
  await h.gh.idle();
  await new Promise((r) => setImmediate(r));
  expect(held.settled()).toBeUndefined();
  expect((await h.broker.get(held.handle.id))?.status).toBe('pending');
}

/**
 * The verdict, within the test's own timeout: for cases that must release. Waiting on the
 * event rather than a short deadline keeps these tests passing on a busy machine; a verdict
 * that never comes fails the test when vitest's timeout runs out.
 */
export function verdictWithin(held: Held): Promise<Verdict> {
  return held.handle.verdict;
}

/**
 * Resolves once the broker has announced `type` for request `id` and GitHub has finished
 * the work that event queued. Call it before the event can happen. The client's verdict is
 * answered before the broker records and announces it, so awaiting the verdict and then
 * `gh.idle()` can look before the GitHub work is even queued.
 */
export function gitHubDoneWith(h: Harness, id: string, type: BrokerEvent['type']): Promise<void> {
  return new Promise<void>((resolve) => {
    // Listeners run in the order they subscribed: GitHub's queues its work first.
    const off = h.broker.subscribe((e) => {
      if (e.request.id !== id || e.type !== type) return;
      off();
      resolve();
    });
  }).then(() => h.gh.idle());
}
