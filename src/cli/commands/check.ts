// `sluice check`: validates policies and CODEOWNERS, warns about rules that can never match
// and reviews nobody can approve, and shows the decision for every statement of SQL files.
// Exit 0 when valid, 1 when a policy or CODEOWNERS is invalid (or, with --strict, when a
// reviewed statement has no owner), 2 on usage errors.
import { parseArgs } from 'node:util';
import { buildCheckReport, type CheckReport } from '../../policy/check-report.js';
import { formatPolicyError } from '../../policy/load.js';
import { oneLine, renderTable, ruleLabel } from '../../policy/report.js';

// The report itself lives in src/policy/check-report.ts (shared with the GitHub Action).
export { buildCheckReport };
export type { CheckedStatement, CheckReport } from '../../policy/check-report.js';

const USAGE = `Usage: sluice check [--policies DIR] [--codeowners FILE] [--json] [--strict]
                    [--database D] [--user U] [--application A] [--address IP] [SQL files...]

Validates policies/*.yml and CODEOWNERS and prints, for each SQL file, the decision for
every statement as if the given session ran it (one statement at a time, like psql -f).

  --policies DIR     policy directory (default: policies; built-in defaults if it is missing)
  --codeowners FILE  CODEOWNERS file (default: .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)
  --database D       session database for SQL files (default: postgres)
  --user U           session role (default: postgres)
  --application A    session application_name (default: empty)
  --address IP       client address (default: 127.0.0.1)
  --json             print the same data as JSON
  --strict           exit 1 when a reviewed statement has a table without an owner
Exit status: 0 valid, 1 invalid policy (or --strict failure), 2 usage error.`;

function renderText(r: CheckReport, strict: boolean): string {
  const out: string[] = [];
  const where = (w: { file: string; line: number }) =>
    w.line > 0 ? `${w.file}:${w.line}` : w.file;
  for (const e of r.errors) out.push(`error: ${formatPolicyError(e)}`);
  for (const w of r.warnings) out.push(`warning: ${where(w)}: ${w.message}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  if (r.ok) {
    const files = r.policies.files.length > 0 ? ` (${r.policies.files.join(', ')})` : '';
    out.push(
      `policies: ${r.policies.source === 'defaults' ? 'built-in defaults' : `${r.policies.files.length} file(s), ${r.policies.rules} rule(s)${files}`}: valid`,
    );
    if (r.codeowners)
      out.push(`CODEOWNERS: ${r.codeowners.path} (${r.codeowners.rules} line(s)): valid`);
  }
  const s = r.session;
  for (const f of r.files) {
    out.push(
      '',
      `${f.file}  (database ${s.database}, user ${s.user}${s.applicationName ? `, application ${s.applicationName}` : ''}, address ${s.clientAddress})`,
    );
    const rows = f.statements.map((st) => [
      `${f.file}:${st.line}`,
      st.decision,
      ruleLabel(st.rule),
      st.decision === 'review' ? (st.owners.length > 0 ? st.owners.join(' ') : '(nobody)') : '-',
      oneLine(st.sql, 50),
    ]);
    out.push(
      renderTable(['STATEMENT', 'DECISION', 'RULE', 'OWNERS', 'SQL'], rows).replace(/^/gm, '  '),
    );
    // Deny messages are long; they go under the table, one per denied statement.
    for (const st of f.statements)
      if (st.decision === 'deny') out.push(`  ${f.file}:${st.line}: denied: ${st.message}`);
  }
  out.push(
    '',
    `${r.errors.length} error(s), ${r.warnings.length} warning(s)${strict && r.exitCode === 1 && r.ok ? '; --strict: a reviewed statement has a table without an owner' : ''}`,
  );
  return out.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        policies: { type: 'string' },
        codeowners: { type: 'string' },
        json: { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        database: { type: 'string', default: 'postgres' },
        user: { type: 'string', default: 'postgres' },
        application: { type: 'string', default: '' },
        address: { type: 'string', default: '127.0.0.1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`sluice check: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const report = await buildCheckReport({
    ...(v.policies ? { policies: v.policies } : {}),
    ...(v.codeowners ? { codeowners: v.codeowners } : {}),
    strict: v.strict,
    session: {
      database: v.database,
      user: v.user,
      applicationName: v.application,
      clientAddress: v.address,
    },
    sqlFiles: args.positionals,
  });
  process.stdout.write(
    v.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report, v.strict),
  );
  return report.exitCode;
}
