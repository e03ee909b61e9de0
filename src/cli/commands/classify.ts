// `sluice classify [--json] [SQL]`: what Sluice's classifier makes of some SQL, read from
// the argument or from stdin. Exit 0 whenever the input was classified (including
// 'invalid' and 'forbidden'), 2 for usage errors.
import { parseArgs } from 'node:util';
import { classifyAsync, initClassifier } from '../../sql/classify.js';
import type { Classification, ClassifierOptions, StatementInfo } from '../../sql/types.js';
import {
  applyCatalog,
  describeSnapshot,
  loadCliCatalog,
  snapshotJson,
} from '../../catalog/cli-catalog.js';

const HELP = `Usage: sluice classify [options] [SQL]

Classifies SQL as read, write, session, forbidden or invalid, with PostgreSQL's own
parser. Reads the SQL from the argument, or from stdin when no argument is given.

Options:
  --json                 one JSON document: {"class", "statements": [...]}
  --safe-function NAME   treat NAME ('fn', 'schema.fn' or 'schema.*') as side-effect free
                         (repeatable; what a policy's safe_functions would add)
  --locking-is-read      SELECT ... FOR UPDATE/SHARE is a read, not a write
  --force-read-only      BEGIN ... READ WRITE is forbidden (policy forces read-only)
  --upstream URL         also judge with that database's catalog (its views, types, casts,
                         operators and functions), as the proxy does; postgres://user:pw@host/db
  -h, --help             this help
`;

const EXIT_USAGE = 2;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'safe-function': { type: 'string', multiple: true },
        'locking-is-read': { type: 'boolean', default: false },
        'force-read-only': { type: 'boolean', default: false },
        upstream: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) return usage('give the SQL as one argument (quote it), or on stdin');
  let sql = positionals[0];
  if (sql === undefined) {
    if (process.stdin.isTTY) return usage('no SQL: give it as an argument or on stdin');
    sql = await readStdin();
  }
  const opts: ClassifierOptions = {
    lockingClauseIsWrite: !values['locking-is-read'],
    forceReadOnly: values['force-read-only'],
    safeFunctions: values['safe-function'] ?? [],
  };
  await initClassifier();
  let c = await classifyAsync(sql, opts);
  if (values.upstream === undefined) {
    process.stdout.write(values.json ? JSON.stringify(toJson(c)) + '\n' : formatTable(c));
    return 0;
  }
  let snapshot;
  try {
    snapshot = await loadCliCatalog(values.upstream);
  } catch (err) {
    process.stderr.write(`sluice classify: ${(err as Error).message}\n`);
    return 1;
  }
  c = applyCatalog(c, snapshot, opts);
  process.stdout.write(
    values.json
      ? JSON.stringify({ ...(toJson(c) as object), catalog: snapshotJson(snapshot) }) + '\n'
      : `catalog: ${describeSnapshot(snapshot)}\n${formatTable(c)}`,
  );
  return 0;
}

function usage(message: string): number {
  process.stderr.write(`sluice classify: ${message}\n\n${HELP}`);
  return EXIT_USAGE;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The documented JSON shape, field by field (nothing internal leaks into it). */
export function toJson(c: Classification): unknown {
  return {
    class: c.class,
    statements: c.statements.map((s) => ({
      sql: s.sql,
      class: s.class,
      kind: s.kind,
      relations: s.relations.map((r) => ({ schema: r.schema, name: r.name, access: r.access })),
      functions: s.functions,
      flags: s.flags,
      risk: s.risk,
      reasons: s.reasons,
    })),
  };
}

export function formatTable(c: Classification): string {
  const n = c.statements.length;
  const lines = [`class: ${c.class} (${n} statement${n === 1 ? '' : 's'})`];
  if (c.error) lines.push(`error: ${c.error.message} at character ${c.error.cursorPosition}`);
  if (n === 0) return lines.join('\n') + '\n';
  const rows = c.statements.map((s, i) => [
    String(i + 1),
    s.class,
    s.kind,
    s.risk,
    s.relations.map((r) => `${r.schema}.${r.name} (${r.access})`).join(', ') || '-',
    s.functions.join(', ') || '-',
    s.flags.join(', ') || '-',
  ]);
  const header = ['#', 'CLASS', 'KIND', 'RISK', 'RELATIONS', 'FUNCTIONS', 'FLAGS'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd();
  lines.push('', fmt(header), ...rows.map(fmt), '');
  c.statements.forEach((s, i) => lines.push(...details(i + 1, s)));
  return lines.join('\n') + '\n';
}

function details(index: number, s: StatementInfo): string[] {
  const sql = s.sql.length > 200 ? `${s.sql.slice(0, 200)}…` : s.sql;
  const out = [`${index}. ${sql.replace(/\s+/g, ' ')}`];
  for (const r of s.reasons) out.push(`   - ${r}`);
  return out;
}
