// Octokit plugin: retries 5xx and network failures with backoff (base * n^2 before retry n),
// but never past the current request's deadline (github-work.ts). Each attempt is aborted when
// the deadline comes, so a GitHub that hangs fails as surely as one that answers 502. When no
// attempt is left, or the next wait would outlast the deadline, it throws
// GitHubUnreachableError at once rather than sleeping into the client's timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbotOctokit } from 'probot';
import type { Logger } from '../util/log.js';
import { errorMessage } from './github-client.js';
import { GitHubUnreachableError, isTransient } from './github-unreachable.js';
import { timeLeft } from './github-work.js';

export interface RetryTuning {
  retries: number;
  baseMs: number;
  logger: Logger;
}

export function deadlineRetry(t: RetryTuning) {
  return (octokit: Pick<InstanceType<typeof ProbotOctokit>, 'hook'>): void => {
    octokit.hook.wrap('request', async (request, options) => {
      let last: unknown = new Error('no time left to call GitHub');
      for (let attempt = 1; ; attempt++) {
        const left = timeLeft();
        if (left <= 0) throw new GitHubUnreachableError(attempt - 1, last, true);
        // In place: the inner hooks were bound to this very options object.
        if (Number.isFinite(left))
          options.request = { ...options.request, signal: AbortSignal.timeout(left) };
        try {
          return await request(options);
        } catch (err) {
          if (!isTransient(err)) throw err;
          last = err;
          const wait = t.baseMs * attempt * attempt;
          if (attempt > t.retries) throw new GitHubUnreachableError(attempt, err, false);
          if (wait >= timeLeft()) throw new GitHubUnreachableError(attempt, err, true);
          t.logger.warn(
            {
              method: options.method,
              url: options.url,
              attempt,
              waitMs: wait,
              err: errorMessage(err),
            },
            'GitHub call failed, retrying',
          );
          await sleep(wait);
        }
      }
    });
  };
}
