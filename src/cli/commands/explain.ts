// `sluice explain --database D --user U "SQL"`: what the proxy would do with this query in
// this session, statement by statement: classification, matching rule, decision, approval
// tier and owners, then the decision for the query as a whole.
import { parseArgs } from 'node:util';
import { classify, initClassifier } from '../../sql/classify.js';
import type { StatementInfo } from '../../sql/types.js';
import { ruleFor } from '../../policy/codeowners.js';
import { evaluate, evaluateStatements } from '../../policy/evaluate.js';
import { formatPolicyError } from '../../policy/load.js';
import {
  describeTier,
  loadPolicyContext,
  missingOwners,
  oneLine,
  ruleLabel,
  type PolicyContext,
} from '../../policy/report.js';
import type { Decision, SessionIdentity } from '../../policy/types.js';
import {
  applyCatalog,
  describeSnapshot,
  loadCliCatalog,
  snapshotJson,
} from '../../catalog/cli-catalog.js';
import type { CatalogSnapshot } from '../../catalog/catalog-types.js';

const USAGE = `Usage: sluice explain --database D --user U [--application A] [--address IP]
                      [--policies DIR] [--codeowners FILE] [--upstream URL] [--json] "SQL"

Shows, for each statement: the classification, the matching rule, the decision, the
approval tier and the owners; then the decision for the whole query.
With --upstream, statements are also judged with database D's catalog on that server
(connecting with the URL's credentials), as the proxy does.`;

function decisionLines(d: Decision, ctx: PolicyContext): string[] {
  const out = [
    `rule:       ${ruleLabel(d.rule)}`,
    `decision:   ${d.action}${d.redactParams ? ' (parameters redacted)' : ''}`,
  ];
  switch (d.action) {
    case 'allow':
      break;
    case 'deny':
      out.push(`message:    ${d.message}`);
      break;
    case 'review': {
      const [first, ...rest] = describeTier(d.tier);
      out.push(`tier:       ${first}`, ...rest.map((l) => `            ${l}`));
      for (const p of d.paths) {
        const line = ctx.codeowners ? ruleFor(ctx.codeowners, p.path)?.line : undefined;
        const src = line !== undefined && ctx.codeowners ? ` (${ctx.codeowners.path}:${line})` : '';
        out.push(
          `owners:     ${p.path}  ${p.owners.length > 0 ? p.owners.join(' ') : '(no owner)'}${src}`,
        );
      }
      for (const g of d.tier.owners.allOf) out.push(`owners:     one of ${g.anyOf.join(' ')}`);
      const missing = missingOwners(d);
      if (missing) out.push(`warning:    ${missing}`);
      break;
    }
  }
  return out;
}

function statementLines(st: StatementInfo): string[] {
  const rels = st.relations.map((r) => `${r.schema}.${r.name} (${r.access})`);
  return [
    `class:      ${st.class} (${st.kind}), risk ${st.risk}`,
    `tables:     ${rels.length > 0 ? rels.join(', ') : '-'}`,
    `flags:      ${st.flags.length > 0 ? st.flags.join(', ') : '-'}`,
    `functions:  ${st.functions.length > 0 ? st.functions.join(', ') : '-'}`,
    ...(st.reasons.length > 0 ? [`why:        ${st.reasons.join('; ')}`] : []),
  ];
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        database: { type: 'string' },
        user: { type: 'string' },
        application: { type: 'string', default: '' },
        address: { type: 'string', default: '127.0.0.1' },
        policies: { type: 'string' },
        codeowners: { type: 'string' },
        upstream: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`sluice explain: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!v.database || !v.user || args.positionals.length !== 1) {
    const why =
      !v.database || !v.user
        ? '--database and --user are required'
        : 'expected exactly one SQL argument (quote it)';
    process.stderr.write(`sluice explain: ${why}\n\n${USAGE}\n`);
    return 2;
  }
  const sql = args.positionals[0]!;
  const ctx = await loadPolicyContext({
    ...(v.policies ? { policies: v.policies } : {}),
    ...(v.codeowners ? { codeowners: v.codeowners } : {}),
  });
  if (!ctx.policy || ctx.errors.length > 0) {
    for (const e of ctx.errors) process.stderr.write(`error: ${formatPolicyError(e)}\n`);
    return 1;
  }
  const session: SessionIdentity = {
    database: v.database,
    user: v.user,
    applicationName: v.application,
    clientAddress: v.address,
  };
  await initClassifier();
  let c = classify(sql, ctx.policy.settings.classifier);
  let snapshot: CatalogSnapshot | undefined;
  if (v.upstream !== undefined) {
    try {
      snapshot = await loadCliCatalog(v.upstream, v.database);
    } catch (err) {
      process.stderr.write(`sluice explain: ${(err as Error).message}\n`);
      return 1;
    }
    c = applyCatalog(c, snapshot, ctx.policy.settings.classifier);
  }
  const each = evaluateStatements(ctx.policy, session, c, ctx.codeowners);
  const query = evaluate(ctx.policy, session, c, ctx.codeowners);

  if (v.json) {
    const statements = each.map((e) => ({ statement: e.statement, decision: e.decision }));
    process.stdout.write(
      `${JSON.stringify({ session, policies: ctx.policy.files, codeowners: ctx.codeowners?.path ?? null, ...(snapshot ? { catalog: snapshotJson(snapshot) } : {}), classification: { class: c.class, error: c.error }, statements, decision: query }, null, 2)}\n`,
    );
    return 0;
  }
  const out: string[] = [
    `session:    database ${session.database}, user ${session.user}, application ${JSON.stringify(session.applicationName)}, address ${session.clientAddress}`,
    `policy:     ${ctx.source === 'defaults' ? 'built-in defaults' : ctx.policy.files.join(', ') || '(no files: built-in defaults)'}`,
    `CODEOWNERS: ${ctx.codeowners?.path ?? '(none)'}`,
    ...(snapshot ? [`catalog:    ${describeSnapshot(snapshot)}`] : []),
    `requester:  ${ctx.policy.settings.identities.has(session.user) ? `@${ctx.policy.settings.identities.get(session.user)} (settings.identities)` : `role ${session.user} has no GitHub login in settings.identities`}`,
  ];
  if (c.class === 'invalid' || c.class === 'forbidden' || each.length === 0) {
    if (c.error)
      out.push('', `parse error: ${c.error.message} (at character ${c.error.cursorPosition})`);
    for (const e of each)
      out.push(
        '',
        `statement ${e.index + 1}: ${oneLine(e.statement.sql, 100)}`,
        ...statementLines(e.statement).map((l) => `  ${l}`),
      );
    out.push('', 'query:', ...decisionLines(query, ctx).map((l) => `  ${l}`));
  } else {
    for (const e of each) {
      out.push(
        '',
        `statement ${e.index + 1}: ${oneLine(e.statement.sql, 100)}`,
        ...[...statementLines(e.statement), ...decisionLines(e.decision, ctx)].map((l) => `  ${l}`),
      );
    }
    if (each.length > 1)
      out.push(
        '',
        `query (${each.length} statements, strictest wins):`,
        ...decisionLines(query, ctx).map((l) => `  ${l}`),
      );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
