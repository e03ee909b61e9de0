// The job summary: the verdict, what was checked, the problems, and one table row per
// statement (statement, file:line, class, decision, rule, owners). @actions/core writes
// table cells as raw HTML, so every piece of user text is escaped here.
import * as core from '@actions/core';
import type { CheckReport } from '../../src/policy/check-report.js';
import { oneLine } from '../../src/policy/report.js';
import { displayPath, failsJob, KINDS, Level, ruleText, type Finding } from './findings.js';
import type { FailOn } from './inputs.js';

/** GitHub refuses summaries over 1 MiB; a few hundred rows is already more than anyone reads. */
export const MAX_ROWS = 500;

export interface SummaryInput {
  report: CheckReport;
  findings: readonly Finding[];
  failOn: FailOn;
  /** The one-line verdict (also the failure message). */
  verdict: string;
  failed: boolean;
  /** Which SQL files were checked and why, plain text (see SqlSelection). */
  sqlSelection: string;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A table row as core.summary.addTable takes it (the type is not exported). */
type Row = (string | { data: string; header?: boolean })[];

const code = (text: string) => `<code>${escapeHtml(text)}</code>`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const DECISION_ICON = { allow: '✅', review: '⏸️', deny: '⛔' } as const;

function overview(r: CheckReport, sqlSelection: string): string[] {
  const items: string[] = [];
  const s = r.session;
  if (r.policies.source === 'defaults') {
    items.push(`Policies: built-in defaults (no ${code(r.policies.dir + '/')} directory)`);
  } else {
    const files = r.policies.files.map((f) => code(displayPath(f))).join(', ');
    items.push(
      r.errors.length === 0
        ? `Policies: ${files || code(displayPath(r.policies.dir))} — ${plural(r.policies.rules, 'rule')}, valid`
        : `Policies: ${code(displayPath(r.policies.dir))} — not valid`,
    );
  }
  items.push(
    r.codeowners
      ? `CODEOWNERS: ${code(displayPath(r.codeowners.path))} — ${plural(r.codeowners.rules, 'rule')}`
      : 'CODEOWNERS: none found',
  );
  const sessionParts = [`database ${code(s.database)}`, `user ${code(s.user)}`];
  if (s.applicationName) sessionParts.push(`application ${code(s.applicationName)}`);
  items.push(`Session: ${sessionParts.join(', ')}`);
  const statements = r.files.flatMap((f) => f.statements);
  const held = statements.filter((x) => x.decision === 'review').length;
  const denied = statements.filter((x) => x.decision === 'deny').length;
  items.push(
    `SQL (${escapeHtml(sqlSelection)}): ${plural(r.files.length, 'file')}, ${plural(statements.length, 'statement')}, ${held} held for approval, ${denied} denied`,
  );
  return items;
}

function problemItem(f: Finding, failOn: FailOn): string {
  const icon = failsJob(f, failOn) ? '❌' : '⚠️';
  const where =
    f.file !== undefined
      ? `${code(`${f.file}${f.line ? `:${f.line}` : ''}${f.column ? `:${f.column}` : ''}`)} `
      : '';
  return `${icon} ${where}<b>${escapeHtml(KINDS[f.kind].title)}</b>: ${escapeHtml(f.message)}`;
}

function statementRows(r: CheckReport): { rows: Row[]; hidden: number } {
  const header = ['Statement', 'File:line', 'Class', 'Decision', 'Rule', 'Owners'].map((h) => ({
    data: h,
    header: true,
  }));
  const rows: Row[] = [header];
  let hidden = 0;
  for (const f of r.files)
    for (const s of f.statements) {
      if (rows.length > MAX_ROWS) {
        hidden++;
        continue;
      }
      const decision =
        s.decision === 'deny' && s.message
          ? `${DECISION_ICON.deny} deny: ${escapeHtml(s.message)}`
          : s.decision === 'review'
            ? `${DECISION_ICON.review} review (${plural(s.tier?.approvals ?? 1, 'approval')})`
            : `${DECISION_ICON[s.decision]} ${s.decision}`;
      const owners =
        s.decision !== 'review'
          ? '—'
          : [
              s.owners.map(escapeHtml).join(', '),
              s.missingOwners ? `⚠️ ${escapeHtml(s.missingOwners)}` : '',
            ]
              .filter((x) => x !== '')
              .join('<br>') || 'nobody';
      rows.push([
        code(oneLine(s.sql, 80)),
        code(`${displayPath(f.file)}:${s.line}`),
        escapeHtml(s.class),
        decision,
        escapeHtml(ruleText(s.rule)),
        owners,
      ]);
    }
  return { rows, hidden };
}

/** Writes the summary; a run without GITHUB_STEP_SUMMARY (a local run) skips it. */
export async function writeSummary(input: SummaryInput): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.debug('GITHUB_STEP_SUMMARY is not set: no job summary');
    return;
  }
  const { report, findings, failOn } = input;
  const sum = core.summary.emptyBuffer();
  sum.addHeading('Sluice policy check', 2);
  sum.addRaw(
    `<p>${input.failed ? '❌' : '✅'} ${escapeHtml(input.verdict)} (fail-on: ${code(failOn)})</p>`,
    true,
  );
  sum.addList(overview(report, input.sqlSelection));
  // Held and denied statements are in the table; everything else is listed here.
  const problems = findings.filter((f) => KINDS[f.kind].level !== Level.review);
  if (problems.length > 0) {
    sum.addHeading('Problems', 3);
    sum.addList(problems.map((f) => problemItem(f, failOn)));
  }
  if (report.notes.length > 0) sum.addList(report.notes.map((n) => `ℹ️ ${escapeHtml(n)}`));
  if (report.files.length > 0) {
    const { rows, hidden } = statementRows(report);
    sum.addHeading('Statements', 3);
    sum.addTable(rows);
    if (hidden > 0)
      sum.addRaw(
        `<p>${plural(hidden, 'more statement')} not shown (see the annotations).</p>`,
        true,
      );
  }
  await sum.write();
}
