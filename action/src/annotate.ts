// Findings as workflow annotations at file:line: errors for what fails the job, warnings
// and notices for the rest, so a PR's "Files changed" tab shows each one where it applies.
import * as core from '@actions/core';
import { failsJob, KINDS, type Finding } from './findings.js';
import type { FailOn } from './inputs.js';

export function annotate(findings: readonly Finding[], failOn: FailOn): void {
  for (const f of findings) {
    const kind = KINDS[f.kind];
    const props: core.AnnotationProperties = { title: `Sluice: ${kind.title}` };
    if (f.file !== undefined) props.file = f.file;
    if (f.line !== undefined) props.startLine = f.line;
    if (f.column !== undefined) props.startColumn = f.column;
    if (failsJob(f, failOn)) core.error(f.message, props);
    else if (kind.quiet === 'warning') core.warning(f.message, props);
    else core.notice(f.message, props);
  }
}
