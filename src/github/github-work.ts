// What the GitHub calls running right now are for, carried through async code (AsyncLocalStorage)
// so the Octokit plugins can see it without every call site passing it: the request's deadline
// bounds retries and waits, and the kind ranks content-creating calls in the write pacer.
import { AsyncLocalStorage } from 'node:async_hooks';

export const WorkKind = {
  /** Opening a request's PR/issue/comment: a client is waiting on it. */
  open: 'open',
  /** Everything after: re-rendered bodies, comments, merges, closes. */
  followUp: 'follow_up',
} as const;
export type WorkKind = (typeof WorkKind)[keyof typeof WorkKind];

export interface GitHubWork {
  kind: WorkKind;
  /** Epoch ms by which the calls must have answered (absent: only the retry count bounds them). */
  deadline?: number;
  /** Orders work of the same kind: lower first (the older request). */
  rank: number;
}

const store = new AsyncLocalStorage<GitHubWork>();

export function runWork<T>(work: GitHubWork, fn: () => Promise<T>): Promise<T> {
  return store.run(work, fn);
}

/** The work the current call belongs to; webhook replies and start-up calls have none. */
export function currentWork(): GitHubWork | undefined {
  return store.getStore();
}

/** Milliseconds left before the current work's deadline (Infinity without one). */
export function timeLeft(now: number = Date.now()): number {
  const deadline = store.getStore()?.deadline;
  return deadline === undefined ? Infinity : deadline - now;
}
