// Everything the check found, as one list of findings. Each kind has a level; `fail-on` is
// a threshold over the levels, and the same level decides how a finding is annotated, so
// the red annotations on a failed job are exactly the reasons it failed.
import path from 'node:path';
import type { CheckedStatement, CheckReport } from '../../src/policy/check-report.js';
import type { RuleRef } from '../../src/policy/types.js';
import { FailOn } from './inputs.js';

export const Level = {
  /** A policy, CODEOWNERS or SQL file that is broken: always fails the job. */
  invalid: 'invalid',
  /** A review nobody can approve (a table without an owner). */
  unowned: 'unowned',
  /** A statement that would not pass straight through: held for approval, or denied. */
  review: 'review',
  /** Worth knowing, never a failure (a rule that can never match). */
  advice: 'advice',
} as const;
export type Level = (typeof Level)[keyof typeof Level];

export const FindingKind = {
  invalidPolicy: 'invalid-policy',
  invalidCodeowners: 'invalid-codeowners',
  unreadableSql: 'unreadable-sql',
  sqlParseError: 'sql-parse-error',
  unownedTable: 'unowned-table',
  noOwners: 'no-owners',
  held: 'held',
  denied: 'denied',
  shadowedRule: 'shadowed-rule',
} as const;
export type FindingKind = (typeof FindingKind)[keyof typeof FindingKind];

interface KindInfo {
  level: Level;
  /** Annotation level when the finding does not fail the job. */
  quiet: 'warning' | 'notice';
  title: string;
}

export const KINDS: Record<FindingKind, KindInfo> = {
  'invalid-policy': { level: Level.invalid, quiet: 'warning', title: 'Invalid policy' },
  'invalid-codeowners': { level: Level.invalid, quiet: 'warning', title: 'Invalid CODEOWNERS' },
  'unreadable-sql': { level: Level.invalid, quiet: 'warning', title: 'Unreadable SQL file' },
  'sql-parse-error': { level: Level.invalid, quiet: 'warning', title: 'SQL does not parse' },
  'unowned-table': { level: Level.unowned, quiet: 'warning', title: 'Unowned table' },
  'no-owners': { level: Level.unowned, quiet: 'warning', title: 'Review nobody can approve' },
  held: { level: Level.review, quiet: 'notice', title: 'Statement will be held for approval' },
  denied: { level: Level.review, quiet: 'warning', title: 'Statement will be denied' },
  'shadowed-rule': { level: Level.advice, quiet: 'warning', title: 'Shadowed rule' },
};

export interface Finding {
  kind: FindingKind;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

const RANK: Record<Exclude<Level, 'advice'>, number> = { invalid: 0, unowned: 1, review: 2 };
const THRESHOLD: Record<FailOn, number> = {
  [FailOn.invalid]: 0,
  [FailOn.unowned]: 1,
  [FailOn.review]: 2,
};

export function failsJob(f: Finding, failOn: FailOn): boolean {
  const level = KINDS[f.kind].level;
  return level !== Level.advice && RANK[level] <= THRESHOLD[failOn];
}

/** Repository-relative, '/'-separated: what GitHub expects in an annotation's `file`. */
export function displayPath(p: string): string {
  const rel = path.isAbsolute(p) ? path.relative(process.cwd(), p) : path.normalize(p);
  return rel.split(path.sep).join('/');
}

export function ruleText(rule: RuleRef): string {
  return rule.file ? `${displayPath(rule.file)}:${rule.line ?? '?'} (${rule.name})` : rule.id;
}

const at = (file: string, line: number, column = 0) => ({
  file: displayPath(file),
  ...(line > 0 ? { line } : {}),
  ...(line > 0 && column > 0 ? { column } : {}),
});

function statementFinding(file: string, s: CheckedStatement): Finding | undefined {
  const where = at(file, s.line);
  if (s.class === 'invalid')
    return {
      kind: FindingKind.sqlParseError,
      message: s.message ?? 'the statement could not be parsed',
      ...where,
    };
  switch (s.decision) {
    case 'allow':
      return undefined;
    case 'deny':
      return {
        kind: FindingKind.denied,
        message: `${s.kind} would be denied by ${ruleText(s.rule)}: ${s.message ?? ''}`,
        ...where,
      };
    case 'review': {
      const who = s.owners.length > 0 ? s.owners.join(', ') : 'nobody (no owner)';
      const n = s.tier?.approvals ?? 1;
      return {
        kind: FindingKind.held,
        message: `${s.kind} would be held until approved by ${who} (${n} approval${n === 1 ? '' : 's'}; rule ${ruleText(s.rule)})`,
        ...where,
      };
    }
  }
}

/**
 * `sqlFiles`: the SQL files the check was asked to read; `codeowners`: the CODEOWNERS input,
 * if any. They tell which kind of file an error is about.
 */
export function findingsOf(
  report: CheckReport,
  inputs: { sqlFiles: readonly string[]; codeowners?: string | undefined },
): Finding[] {
  const out: Finding[] = [];
  const owners = [report.codeowners?.path, inputs.codeowners].filter((p) => p !== undefined);
  const codeowners = new Set(owners.map(displayPath));
  const sql = new Set(inputs.sqlFiles.map(displayPath));
  for (const e of report.errors) {
    const file = displayPath(e.file);
    const kind = sql.has(file)
      ? FindingKind.unreadableSql
      : codeowners.has(file) || path.posix.basename(file) === 'CODEOWNERS'
        ? FindingKind.invalidCodeowners
        : FindingKind.invalidPolicy;
    out.push({ kind, message: e.message, ...at(e.file, e.line, e.column) });
  }
  for (const w of report.warnings) {
    // Built-in defaults have no file to point at: the annotation goes on the run itself.
    const where = w.file && !w.file.startsWith('(') ? at(w.file, w.line) : {};
    const kind: FindingKind =
      w.kind === 'shadowed'
        ? FindingKind.shadowedRule
        : w.kind === 'no-owners'
          ? FindingKind.noOwners
          : FindingKind.unownedTable;
    out.push({ kind, message: w.message, ...where });
  }
  for (const f of report.files)
    for (const s of f.statements) {
      const finding = statementFinding(f.file, s);
      if (finding) out.push(finding);
    }
  return out;
}
