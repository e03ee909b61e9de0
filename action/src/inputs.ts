// The Action's inputs (action.yml), read once and validated: everything after this trusts
// the types. A bad value is a clear error naming the input, never a silent default.
import path from 'node:path';
import * as core from '@actions/core';
import type { SessionIdentity } from '../../src/policy/types.js';

/** How bad a finding must be to fail the job; each level includes the ones before it. */
export const FailOn = { invalid: 'invalid', unowned: 'unowned', review: 'review' } as const;
export type FailOn = (typeof FailOn)[keyof typeof FailOn];

export interface ActionInputs {
  /** The policies directory; undefined for the default `policies/` (built-in defaults when missing). */
  policies: string | undefined;
  /** An explicit CODEOWNERS file; undefined to look where GitHub looks. */
  codeowners: string | undefined;
  /** Glob patterns of SQL files, relative to the workspace; `!pattern` excludes. */
  sql: string[];
  changedOnly: boolean;
  failOn: FailOn;
  session: SessionIdentity;
  token: string;
}

export class InputError extends Error {}

const DEFAULT_POLICIES = 'policies';

function failOn(value: string): FailOn {
  const v = value.trim().toLowerCase() || FailOn.invalid;
  if (v === FailOn.invalid || v === FailOn.unowned || v === FailOn.review) return v;
  throw new InputError(
    `input fail-on: ${JSON.stringify(value)} is not one of invalid, unowned, review`,
  );
}

function bool(name: string, fallback: boolean): boolean {
  const v = core.getInput(name).trim().toLowerCase();
  if (v === '') return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InputError(`input ${name}: ${JSON.stringify(v)} is not true or false`);
}

/** Patterns one per line; blank lines and `#` comments are skipped. */
export function parsePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export function readInputs(): ActionInputs {
  const rawPolicies = core.getInput('policies').trim();
  const policies = rawPolicies && path.posix.normalize(rawPolicies).replace(/(.)\/+$/, '$1');
  const codeowners = core.getInput('codeowners').trim();
  const database = core.getInput('database').trim() || 'postgres';
  const user = core.getInput('user').trim() || 'postgres';
  return {
    // `policies/` is the default: like `sluice check`, a missing default directory means the
    // built-in defaults; any other directory must exist.
    policies: policies === '' || policies === DEFAULT_POLICIES ? undefined : policies,
    codeowners: codeowners === '' ? undefined : codeowners,
    sql: parsePatterns(core.getInput('sql')),
    changedOnly: bool('changed-only', true),
    failOn: failOn(core.getInput('fail-on')),
    session: {
      database,
      user,
      applicationName: core.getInput('application').trim(),
      clientAddress: core.getInput('address').trim() || '127.0.0.1',
    },
    token: core.getInput('token').trim(),
  };
}
