// Which SQL files this run checks. With changed-only on a pull request: the PR's files
// that match `sql`. Anywhere else (push, schedule, workflow_dispatch), or when GitHub
// cannot list every file of a huge PR: every file that matches `sql`. Checking more than
// asked is safe; checking less would hide what the Action is for.
import * as core from '@actions/core';
import { listChangedFiles, readEvent } from './changed-files.js';
import type { ActionInputs } from './inputs.js';
import { filterChanged, findSqlFiles } from './sql-files.js';

export interface SqlSelection {
  files: string[];
  /** For the summary (plain text): where the files come from. */
  description: string;
}

export async function selectSqlFiles(inputs: ActionInputs): Promise<SqlSelection> {
  if (inputs.sql.length === 0) return { files: [], description: 'no sql input' };
  const globs = inputs.sql.join(', ');
  const all = async (why: string): Promise<SqlSelection> => ({
    files: await findSqlFiles('.', inputs.sql),
    description: `${why}matching ${globs}`,
  });
  if (!inputs.changedOnly) return all('all files ');
  const event = await readEvent();
  const pr = event.pullRequest;
  if (!pr) {
    core.notice(
      `changed-only: "${event.name || 'this'}" is not a pull request event, so every file matching sql is checked`,
    );
    return all('all files (not a pull request) ');
  }
  const changed = await listChangedFiles(pr, inputs.token);
  if (!changed.complete) {
    core.warning(
      `GitHub lists at most 3000 files of a pull request and #${pr.number} has more: every file matching sql is checked`,
    );
    return all(`all files (#${pr.number} is too large to list) `);
  }
  return {
    files: filterChanged(changed.files, inputs.sql),
    description: `files changed in #${pr.number} and matching ${globs}`,
  };
}
