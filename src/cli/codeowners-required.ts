// GitHub mode with a review that asks the tables' CODEOWNERS, but no CODEOWNERS file for the
// proxy: every request's paths would get no owners, so an owner's approval would be accepted
// on GitHub and still never release anything. Refuse to start and say where Sluice looked.
import path from 'node:path';
import { CODEOWNERS_LOCATIONS, type CodeownersFile } from '../policy/codeowners.js';
import { lintPolicy } from '../policy/lint.js';
import type { PolicySet } from '../policy/policy-set.js';

export function codeownersRefusal(o: {
  policy: PolicySet;
  codeowners: CodeownersFile | undefined;
  /** Where CODEOWNERS was looked up (no --codeowners given). */
  repoRoot: string;
  /** --codeowners, when given. */
  file?: string;
}): string | undefined {
  if (o.codeowners) return undefined;
  const demand = lintPolicy(o.policy, undefined).find((w) => w.kind === 'no-owners');
  if (!demand) return undefined;
  const looked = o.file
    ? [path.resolve(o.file)]
    : CODEOWNERS_LOCATIONS.map((rel) => path.join(path.resolve(o.repoRoot), rel));
  return [
    `GitHub mode needs a CODEOWNERS file: ${demand.message} (${demand.file}${demand.line ? `:${demand.line}` : ''}).`,
    `Looked for it at: ${looked.join(', ')}.`,
    'Put the approvals repository’s CODEOWNERS (the one on its base branch) in one of those places, or pass --codeowners FILE.',
  ].join('\n');
}
