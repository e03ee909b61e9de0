// The Octokit class every API call goes through. ProbotOctokit carries the retry and
// throttling plugins; we swap its retry plugin for deadline-retry.ts (5xx and network errors
// retried with backoff, never past the request's deadline), replace Probot's throttle
// handlers (which give up on secondary rate limits) with bounded ones that also respect the
// deadline, and pace writes with write-pacer.ts so one request's follow-ups never queue
// ahead of another request's opening.
import { ProbotOctokit } from 'probot';
import type { Logger } from '../util/log.js';
import { deadlineRetry } from './deadline-retry.js';
import { errorStatus } from './github-client.js';
import { isUnreachable } from './github-unreachable.js';
import { timeLeft } from './github-work.js';
import { WritePacer } from './write-pacer.js';

export interface OctokitTuning {
  /** Retries for 5xx/network errors; waits retryBaseMs * n^2 before retry n. */
  retries?: number;
  retryBaseMs?: number;
  /** Retries after a rate-limit response; waits what GitHub says (Retry-After / reset). */
  rateLimitRetries?: number;
  /** Multiplier for GitHub's retry-after seconds (1000 = real time). */
  rateLimitBaseMs?: number;
  /**
   * GitHub asks integrations to wait at least 1 s between content-creating requests
   * (POST/PATCH/PUT/DELETE). On by default; tests turn it off to keep runs short.
   */
  pacing?: boolean;
  /** The pause between writes when pacing is on (default 1000 ms). */
  writeGapMs?: number;
}

interface ThrottleOptionsLike {
  method?: string;
  url?: string;
}

/** A Bottleneck group stand-in that runs jobs immediately (pacing off). */
const noPacing = {
  key: () => ({
    schedule: <A extends unknown[], R>(_opts: unknown, fn: (...args: A) => R, ...args: A): R =>
      fn(...args),
  }),
};

/** Told of each API call that failed for good (after retries); `status` when GitHub answered. */
export type ApiErrorListener = (status: number | undefined) => void;

export function createOctokitClass(
  logger: Logger,
  tuning: OctokitTuning = {},
  onApiError?: ApiErrorListener,
): typeof ProbotOctokit {
  const retries = tuning.retries ?? 4;
  const rateLimitBaseMs = tuning.rateLimitBaseMs ?? 1000;
  // One pacer per App (process): GitHub counts writes per App installation/user.
  const write = tuning.pacing === false ? noPacing : new WritePacer(tuning.writeGapMs ?? 1000);
  const rateLimitRetries = tuning.rateLimitRetries ?? 3;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: ThrottleOptionsLike,
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      // No retry that would end after the request's deadline: fail now, with the reason.
      const inTime = retryAfter * rateLimitBaseMs < timeLeft();
      const retry = retryCount < rateLimitRetries && inTime;
      logger.warn(
        { method: options.method, url: options.url, retryAfter, retryCount, retry, inTime },
        `GitHub ${kind} rate limit`,
      );
      return retry;
    };
  const configured = ProbotOctokit.defaults((instance: Record<string, unknown>) => {
    const throttle = (instance.throttle ?? {}) as Record<string, unknown>;
    return {
      ...instance,
      // deadline-retry.ts does it, bounded by the request's deadline.
      retry: { enabled: false },
      throttle: {
        ...throttle,
        enabled: true,
        retryAfterBaseValue: rateLimitBaseMs,
        // Without a Retry-After header GitHub suggests waiting at least a minute.
        fallbackSecondaryRateRetryAfter: 60,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        // The plugin's extra 3 s between notifying writes (PRs, comments) is not GitHub's
        // rule; 1 s between all writes keeps under its 80 content-creating requests a minute.
        write,
        notifications: noPacing,
      },
    };
  }).plugin(
    deadlineRetry({ retries, baseMs: tuning.retryBaseMs ?? 1000, logger }),
  ) as unknown as typeof ProbotOctokit;
  if (!onApiError) return configured;
  // Registered after the retry and throttling plugins, so this hook wraps theirs and sees
  // an error only once they gave up.
  return configured.plugin((octokit) => {
    octokit.hook.error('request', (err: unknown) => {
      // deadline-retry gives up with GitHubUnreachableError: the status is its last attempt's.
      onApiError(errorStatus(isUnreachable(err) ? err.last : err));
      throw err;
    });
    return {};
  }) as typeof ProbotOctokit;
}
