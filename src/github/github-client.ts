// The one Octokit type the GitHub modules pass around, and small helpers on top of it.
import type { ProbotOctokit } from 'probot';

export type GitHubClient = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** HTTP status of an Octokit error, if it has one. */
export function errorStatus(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'status' in err && typeof err.status === 'number')
    return err.status;
  return undefined;
}

/** One short line: these end up in logs, PR comments and client-facing deny reasons. */
export function errorMessage(err: unknown): string {
  const status = errorStatus(err);
  const full = err instanceof Error ? err.message : String(err);
  const line = (full.split('\n')[0] ?? '').trim();
  const message = line.length > 200 ? `${line.slice(0, 200)}…` : line;
  return status === undefined ? message : `${status} ${message}`;
}

/** `owner/repo#123` (as named by a session for the comment channel). */
export function parsePullRequestRef(text: string): (RepoRef & { number: number }) | undefined {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})#([1-9][0-9]{0,9})$/.exec(
    text.trim(),
  );
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { owner: m[1], repo: m[2], number: Number(m[3]) };
}

export function sameLogin(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
