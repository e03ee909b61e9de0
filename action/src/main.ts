// The Action: validate policies and CODEOWNERS, classify the selected SQL files, then
// report three ways (annotations at file:line, the job summary, step outputs) and fail the
// job when a finding reaches `fail-on`. The checking itself is `sluice check`'s report
// (src/policy/check-report.ts): the CLI and CI cannot disagree about a decision.
//
// run() reads everything from the environment at call time (INPUT_*, GITHUB_EVENT_PATH, the
// working directory as the repository root), so tests run it in-process, once per case.
import * as core from '@actions/core';
import { buildCheckReport } from '../../src/policy/check-report.js';
import { initClassifier } from '../../src/sql/classify.js';
import { annotate } from './annotate.js';
import { failsJob, FindingKind, findingsOf, KINDS, Level, type Finding } from './findings.js';
import { readInputs, type FailOn } from './inputs.js';
import { selectSqlFiles } from './select-sql.js';
import { writeSummary } from './summary.js';

/**
 * Migrations are often longer than the 64 KiB the proxy parses on its event loop; CI has no
 * event loop to protect, so everything up to the classifier's hard cap is parsed in place.
 */
const CI_SYNC_MAX_BYTES = 64 * 1024 * 1024;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Why the job fails, or that it passes: the failing findings, counted by what they are. */
export function verdict(
  findings: readonly Finding[],
  failOn: FailOn,
): { failed: boolean; text: string } {
  const failing = findings.filter((f) => failsJob(f, failOn));
  if (failing.length === 0) return { failed: false, text: 'Passed' };
  const count = (pred: (f: Finding) => boolean) => failing.filter(pred).length;
  const invalid = count((f) => KINDS[f.kind].level === Level.invalid);
  const unowned = count((f) => KINDS[f.kind].level === Level.unowned);
  const held = count((f) => f.kind === FindingKind.held);
  const denied = count((f) => f.kind === FindingKind.denied);
  const parts: string[] = [];
  if (invalid > 0) parts.push(`${plural(invalid, 'error')} in policies, CODEOWNERS or SQL`);
  if (unowned > 0) parts.push(`${plural(unowned, 'review')} nobody can approve`);
  if (held > 0) parts.push(`${plural(held, 'statement')} would be held for approval`);
  if (denied > 0) parts.push(`${plural(denied, 'statement')} would be denied`);
  return { failed: true, text: `Failed: ${parts.join('; ')}` };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const selection = await selectSqlFiles(inputs);
    if (selection.files.length > 0) await initClassifier({ syncMaxBytes: CI_SYNC_MAX_BYTES });
    const report = await buildCheckReport({
      ...(inputs.policies !== undefined ? { policies: inputs.policies } : {}),
      ...(inputs.codeowners !== undefined ? { codeowners: inputs.codeowners } : {}),
      // Relative paths throughout: annotations need repository-relative file names.
      cwd: '.',
      session: inputs.session,
      sqlFiles: selection.files,
    });
    const findings = findingsOf(report, {
      sqlFiles: selection.files,
      codeowners: inputs.codeowners,
    });
    annotate(findings, inputs.failOn);
    for (const note of report.notes) core.notice(note, { title: 'Sluice' });

    const statements = report.files.flatMap((f) => f.statements);
    const held = statements.filter((s) => s.decision === 'review').length;
    const denied = statements.filter((s) => s.decision === 'deny').length;
    const valid = !findings.some((f) => KINDS[f.kind].level === Level.invalid);
    core.setOutput('held-count', held);
    core.setOutput('denied-count', denied);
    core.setOutput('valid', valid);

    const v = verdict(findings, inputs.failOn);
    try {
      await writeSummary({
        report,
        findings,
        failOn: inputs.failOn,
        verdict: v.text,
        failed: v.failed,
        sqlSelection: selection.description,
      });
    } catch (err) {
      // The annotations and outputs already tell the story; a summary is a convenience.
      core.warning(`sluice: no job summary: ${(err as Error).message}`);
    }
    core.info(
      `sluice: ${plural(report.files.length, 'SQL file')}, ${plural(statements.length, 'statement')}: ${held} held, ${denied} denied; ${v.text}`,
    );
    if (v.failed) core.setFailed(`${v.text} (fail-on: ${inputs.failOn})`);
  } catch (err) {
    core.setFailed(`sluice: ${err instanceof Error ? err.message : String(err)}`);
  }
}
