// The report behind `sluice check` and the GitHub Action: policies and CODEOWNERS validated,
// lint warnings, and for each SQL file the decision every statement would get (one
// statement at a time, like psql -f). Both front ends render this one structure, so the CLI
// and CI can never disagree about a decision.
import { readFile } from 'node:fs/promises';
import { classify, initClassifier } from '../sql/classify.js';
import type { Classification, StatementInfo } from '../sql/types.js';
import type { CodeownersFile } from './codeowners.js';
import { evaluate } from './evaluate.js';
import { lintPolicy, type PolicyWarning } from './lint.js';
import type { PolicyError } from './load.js';
import type { PolicySet } from './policy-set.js';
import {
  lineOfCharPosition,
  loadPolicyContext,
  missingOwners,
  oneLine,
  reviewOwners,
  statementLine,
} from './report.js';
import type { ApprovalTier, Decision, SessionIdentity } from './types.js';

export interface CheckedStatement {
  line: number;
  sql: string;
  kind: string;
  class: string;
  decision: Decision['action'];
  rule: Decision['rule'];
  owners: string[];
  paths: { path: string; owners: string[] }[];
  tier?: ApprovalTier;
  message?: string;
  missingOwners?: string;
}

export interface CheckReport {
  ok: boolean;
  exitCode: number;
  policies: { dir: string; source: 'files' | 'defaults'; files: string[]; rules: number };
  codeowners?: { path: string; rules: number };
  session: SessionIdentity;
  errors: PolicyError[];
  warnings: PolicyWarning[];
  notes: string[];
  files: { file: string; statements: CheckedStatement[] }[];
}

function checked(line: number, sql: string, c: Classification, d: Decision): CheckedStatement {
  const st = c.statements[0];
  const row: CheckedStatement = {
    line,
    sql: oneLine(sql, 200),
    kind: st?.kind ?? '-',
    class: c.class,
    decision: d.action,
    rule: d.rule,
    owners: reviewOwners(d),
    paths: d.action === 'review' ? d.paths : [],
  };
  if (d.action === 'deny') row.message = d.message;
  if (d.action === 'review') row.tier = d.tier;
  const missing = missingOwners(d);
  if (missing) row.missingOwners = missing;
  return row;
}

async function checkSqlFile(
  file: string,
  text: string,
  policy: PolicySet,
  session: SessionIdentity,
  codeowners: CodeownersFile | undefined,
) {
  const opts = policy.settings.classifier;
  const whole = classify(text, opts);
  if (whole.class === 'invalid') {
    const line = whole.error ? lineOfCharPosition(text, whole.error.cursorPosition) : 1;
    return [checked(line, text, whole, evaluate(policy, session, whole, codeowners))];
  }
  // Each statement on its own, as psql -f and most migration tools send them.
  return whole.statements.map((st: StatementInfo) => {
    const alone = classify(st.sql, opts);
    return checked(
      statementLine(text, st.location),
      st.sql,
      alone,
      evaluate(policy, session, alone, codeowners),
    );
  });
}

export async function buildCheckReport(opts: {
  policies?: string;
  codeowners?: string;
  /** Where CODEOWNERS is looked up when `codeowners` is not given (default: process.cwd()). */
  cwd?: string;
  strict?: boolean;
  session: SessionIdentity;
  sqlFiles: string[];
}): Promise<CheckReport> {
  const ctx = await loadPolicyContext({
    ...(opts.policies ? { policies: opts.policies } : {}),
    ...(opts.codeowners ? { codeowners: opts.codeowners } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const report: CheckReport = {
    ok: ctx.errors.length === 0,
    exitCode: 0,
    policies: {
      dir: opts.policies ?? 'policies',
      source: ctx.source,
      files: ctx.policy?.files ?? [],
      rules: ctx.policy?.rules.length ?? 0,
    },
    ...(ctx.codeowners
      ? { codeowners: { path: ctx.codeowners.path, rules: ctx.codeowners.rules.length } }
      : {}),
    session: opts.session,
    errors: [...ctx.errors],
    warnings: [],
    notes: ctx.notes,
    files: [],
  };
  if (ctx.policy && ctx.errors.length === 0) {
    report.warnings.push(...lintPolicy(ctx.policy, ctx.codeowners));
    if (opts.sqlFiles.length > 0) await initClassifier();
    for (const file of opts.sqlFiles) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        report.errors.push({
          file,
          line: 0,
          column: 0,
          message: `cannot read: ${(err as Error).message}`,
        });
        continue;
      }
      const statements = await checkSqlFile(file, text, ctx.policy, opts.session, ctx.codeowners);
      for (const s of statements) {
        if (s.missingOwners)
          report.warnings.push({
            kind: 'unowned-table',
            file,
            line: s.line,
            message: `reviewed ${s.kind}: ${s.missingOwners}`,
          });
      }
      report.files.push({ file, statements });
    }
  }
  report.ok = report.errors.length === 0;
  const strictFailure =
    opts.strict === true &&
    report.files.some((f) => f.statements.some((s) => s.decision === 'review' && s.missingOwners));
  report.exitCode = report.ok && !strictFailure ? 0 : 1;
  return report;
}
