// The Octokit class every API call goes through. ProbotOctokit already carries the retry
// and throttling plugins; Probot's own throttle handlers give up on secondary rate limits,
// so we replace them: 5xx and network errors (the retry plugin turns both into status >= 500)
// and primary/secondary rate limits are all retried a bounded number of times with backoff.
import { ProbotOctokit } from 'probot';
import type { Logger } from '../util/log.js';

export interface OctokitTuning {
  /** Retries for 5xx/network errors; waits retryBaseMs * n^2 before retry n. */
  retries?: number;
  retryBaseMs?: number;
  /** Retries after a rate-limit response; waits what GitHub says (Retry-After / reset). */
  rateLimitRetries?: number;
  /** Multiplier for GitHub's retry-after seconds (1000 = real time). */
  rateLimitBaseMs?: number;
  /**
   * GitHub asks integrations to pace content-creating requests (1 s between writes, 3 s
   * between notifying ones). On by default; tests turn it off to keep runs short.
   */
  pacing?: boolean;
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
  const rateLimitRetries = tuning.rateLimitRetries ?? 3;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: ThrottleOptionsLike,
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const retry = retryCount < rateLimitRetries;
      logger.warn(
        { method: options.method, url: options.url, retryAfter, retryCount, retry },
        `GitHub ${kind} rate limit`,
      );
      return retry;
    };
  const configured = ProbotOctokit.defaults((instance: Record<string, unknown>) => {
    const throttle = (instance.throttle ?? {}) as Record<string, unknown>;
    return {
      ...instance,
      retry: {
        enabled: true,
        retries,
        retryAfterBaseValue: tuning.retryBaseMs ?? 1000,
        // Answers that will not change on retry: bad request, auth, not found, not
        // mergeable (405), conflict (409), gone, validation. 403/429 rate limits are the
        // throttling plugin's.
        doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 429, 451],
      },
      throttle: {
        ...throttle,
        enabled: true,
        retryAfterBaseValue: tuning.rateLimitBaseMs ?? 1000,
        // Without a Retry-After header GitHub suggests waiting at least a minute.
        fallbackSecondaryRateRetryAfter: 60,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        ...(tuning.pacing === false ? { write: noPacing, notifications: noPacing } : {}),
      },
    };
  }) as typeof ProbotOctokit;
  if (!onApiError) return configured;
  // Registered after the retry and throttling plugins, so this hook wraps theirs and sees
  // an error only once they gave up.
  return configured.plugin((octokit) => {
    octokit.hook.error('request', (err: unknown) => {
      const status =
        err && typeof err === 'object' && 'status' in err && typeof err.status === 'number'
          ? err.status
          : undefined;
      onApiError(status);
      throw err;
    });
    return {};
  }) as typeof ProbotOctokit;
}
