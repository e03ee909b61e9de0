// `sluice audit list|show|verify`: reads the audit log directly from its store (the
// control database, or the JSONL file), so it works with the proxy stopped.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CONTROL_URL_FILE, DEFAULT_STATE_DIR } from '../../admin/admin-token.js';
import { CliUsageError } from '../../admin/admin-client.js';
import { openAuditLog } from '../../audit/open-audit-log.js';
import type { AuditLog, AuditRecord } from '../../audit/audit-types.js';
import { formatAuditRecord, formatAuditRecordDetail } from '../../audit/format-audit.js';

const HELP = `Usage: sluice audit <list|show|verify> [options]

  list [--since ISO] [--request ID] [--limit N]   newest N records (default 100), oldest first
  show ID                                         a record by seq, or every record of request ID
  verify                                          check the hash chain; exit 1 naming the first broken record

Store (read-only):
  --control-url URL  control database (env SLUICE_CONTROL_URL)
  --file PATH        JSONL audit file when there is no control database
                     (default <state-dir>/audit.jsonl)
  --state-dir DIR    Sluice state folder (env SLUICE_STATE_DIR, default ${DEFAULT_STATE_DIR})
  --json             JSON output
`;

const OPTIONS = {
  'control-url': { type: 'string' },
  file: { type: 'string' },
  'state-dir': { type: 'string' },
  since: { type: 'string' },
  request: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`sluice audit: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  try {
    if (sub !== 'list' && sub !== 'show' && sub !== 'verify')
      throw new CliUsageError(`unknown subcommand '${sub}'`);
    if (sub === 'show' ? rest.length !== 1 : rest.length !== 0) {
      throw new CliUsageError(sub === 'show' ? 'show takes one ID' : `${sub} takes no arguments`);
    }
    const since = parseSince(values.since);
    const limit = parseLimit(values.limit);
    const opened = await open(values);
    try {
      switch (sub) {
        case 'list':
          return await list(opened.audit, values, since, limit);
        case 'show':
          return await show(opened.audit, values, rest[0]!);
        case 'verify':
          return await verify(opened.audit, values);
      }
    } finally {
      await opened.close();
    }
  } catch (err) {
    if (err instanceof CliUsageError) {
      process.stderr.write(`sluice audit: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`sluice audit: ${(err as Error).message}\n`);
    return 1;
  }
}

async function open(values: Values) {
  const stateDir = values['state-dir'] ?? process.env.SLUICE_STATE_DIR ?? DEFAULT_STATE_DIR;
  // `npm start` keeps its audit log in the embedded PostgreSQL and notes where.
  const controlUrl =
    values['control-url'] ?? process.env.SLUICE_CONTROL_URL ?? (await readControlUrl(stateDir));
  const file = values.file ?? path.join(stateDir, 'audit.jsonl');
  try {
    return await openAuditLog({ ...(controlUrl ? { controlUrl } : {}), file, readOnly: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `no audit log at ${file} (pass --file, or --control-url for the control database)`,
        { cause: err },
      );
    }
    throw err;
  }
}

async function list(
  audit: AuditLog,
  values: Values,
  since: Date | undefined,
  limit: number,
): Promise<number> {
  const records = await audit.list({
    limit,
    ...(since ? { since } : {}),
    ...(values.request ? { requestId: values.request } : {}),
  });
  print(records, values.json);
  return 0;
}

async function show(audit: AuditLog, values: Values, id: string): Promise<number> {
  const records = /^\d+$/.test(id)
    ? [await audit.get(Number(id))].filter((r): r is AuditRecord => r !== undefined)
    : await audit.list({ requestId: id });
  if (records.length === 0) {
    process.stderr.write(
      `sluice audit: no audit record ${/^\d+$/.test(id) ? `with seq ${id}` : `for request ${id}`}\n`,
    );
    return 1;
  }
  if (values.json) process.stdout.write(JSON.stringify(records, null, 2) + '\n');
  else process.stdout.write(records.map(formatAuditRecordDetail).join('\n\n') + '\n');
  return 0;
}

async function verify(audit: AuditLog, values: Values): Promise<number> {
  const result = await audit.verify();
  if (values.json) {
    process.stdout.write(JSON.stringify({ location: audit.location, ...result }, null, 2) + '\n');
    return result.ok ? 0 : 1;
  }
  if (result.ok) {
    const head = result.head ? `; head seq ${result.head.seq} hash ${result.head.hash}` : '';
    process.stdout.write(`audit log OK: ${result.count} records in ${audit.location}${head}\n`);
    return 0;
  }
  const b = result.broken;
  process.stdout.write(
    `audit log BROKEN in ${audit.location}: first broken record ${b.seq !== null ? `seq ${b.seq}` : '(unreadable)'} ` +
      `at position ${b.position}: ${b.reason}\n` +
      `${result.count} record(s) before it verified.\n`,
  );
  return 1;
}

function print(records: AuditRecord[], json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(records, null, 2) + '\n');
  else
    process.stdout.write(
      (records.length ? records.map(formatAuditRecord).join('\n') : 'no records') + '\n',
    );
}

function parseSince(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new CliUsageError(`--since: not an ISO date/time: ${s}`);
  return d;
}

function parseLimit(s: string | undefined): number {
  if (s === undefined) return 100;
  if (!/^[1-9]\d*$/.test(s)) throw new CliUsageError('--limit: a positive integer');
  return Number(s);
}

async function readControlUrl(stateDir: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(stateDir, CONTROL_URL_FILE), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}
