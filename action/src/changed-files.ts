// The pull request the workflow runs for, and the files it changes. The event payload is
// read from GITHUB_EVENT_PATH at call time (not @actions/github's `context`, which is built
// once at import) so every run sees its own event. The file list comes from the REST API:
// a pull_request payload carries only the number of changed files, not their names.
import { readFile } from 'node:fs/promises';
import { getOctokit } from '@actions/github';

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  /** `changed_files` from the payload, when present (to notice a truncated file list). */
  changedFiles?: number;
}

export interface EventInfo {
  name: string;
  pullRequest?: PullRequestRef;
}

interface PayloadShape {
  pull_request?: { number?: unknown; changed_files?: unknown };
  repository?: { name?: unknown; owner?: { login?: unknown } };
}

/** The event this run was triggered by; a missing or unreadable payload is an error. */
export async function readEvent(env: NodeJS.ProcessEnv = process.env): Promise<EventInfo> {
  const name = env.GITHUB_EVENT_NAME ?? '';
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return { name };
  let payload: PayloadShape;
  try {
    payload = JSON.parse(await readFile(file, 'utf8')) as PayloadShape;
  } catch (err) {
    throw new Error(`cannot read the event payload ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const pr = payload.pull_request;
  if (!pr || typeof pr.number !== 'number') return { name };
  const [envOwner, envRepo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const owner = envOwner || payload.repository?.owner?.login;
  const repo = envRepo || payload.repository?.name;
  if (typeof owner !== 'string' || typeof repo !== 'string' || !owner || !repo)
    throw new Error('the pull_request event names no repository (GITHUB_REPOSITORY is not set)');
  const ref: PullRequestRef = { owner, repo, number: pr.number };
  if (typeof pr.changed_files === 'number') ref.changedFiles = pr.changed_files;
  return { name, pullRequest: ref };
}

/** GitHub lists at most this many files of a pull request. */
export const MAX_LISTED_FILES = 3000;

export interface ChangedFiles {
  /** Added, modified or renamed (new name); removed files have nothing left to run. */
  files: string[];
  /** The API may list fewer files than the PR has: the caller then checks every file. */
  complete: boolean;
}

/**
 * The files a pull request changes. Throws when the API fails: checking nothing and
 * passing would hide exactly what the Action is for.
 */
export async function listChangedFiles(
  pr: PullRequestRef,
  token: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChangedFiles> {
  if (!token)
    throw new Error('changed-only needs a token to list the pull request files (input token)');
  const octokit = getOctokit(token, {
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    // The runtime's own fetch: on Node 24, NODE_USE_ENV_PROXY=1 makes it honour
    // HTTPS_PROXY/NO_PROXY (docs/action.md).
    request: { fetch: globalThis.fetch },
  });
  let files;
  try {
    files = await octokit.paginate(octokit.rest.pulls.listFiles, {
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      per_page: 100,
    });
  } catch (err) {
    throw new Error(
      `cannot list the files of ${pr.owner}/${pr.repo}#${pr.number} (the token needs pull-requests: read): ${(err as Error).message}`,
      { cause: err },
    );
  }
  return {
    files: files.filter((f) => f.status !== 'removed').map((f) => f.filename),
    complete: files.length < MAX_LISTED_FILES && files.length >= (pr.changedFiles ?? 0),
  };
}
