// GitHub could not be reached in time: every attempt failed with a 5xx or a network error,
// or the request's deadline left no room for another try. Distinct from GitHub answering
// "no" (404, 422...), which is a configuration problem, not an outage.
import { errorMessage, errorStatus } from './github-client.js';

export class GitHubUnreachableError extends Error {
  constructor(
    readonly attempts: number,
    readonly last: unknown,
    readonly outOfTime: boolean,
  ) {
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    super(
      `GitHub unreachable: ${errorMessage(last)} after ${tries}${outOfTime ? ', and no time left before the request times out' : ''}`,
    );
    this.name = 'GitHubUnreachableError';
  }
}

/** 5xx, network failures (Octokit reports them as 500) and aborted calls: worth retrying. */
export function isTransient(err: unknown): boolean {
  if (err instanceof Error && err.name === 'AbortError') return true;
  const status = errorStatus(err);
  return status === undefined ? false : status >= 500 || status === 408;
}

export function isUnreachable(err: unknown): err is GitHubUnreachableError {
  return err instanceof GitHubUnreachableError;
}
