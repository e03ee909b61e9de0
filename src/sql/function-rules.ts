// What calling a function can do, judged from its name alone (the parser has no catalog).
// Order matters: forbidden names first, then known writers, then the side-effect-free
// allowlist (built-in, or extended by policy), and everything else is a write, because a
// user-defined function can do anything whatever volatility it declares.
import { BUILTIN_SAFE_FUNCTIONS, INFORMATION_SCHEMA_SAFE_FUNCTIONS } from './builtin-functions.js';
import { BUILTIN_OPERATORS } from './builtin-operators.js';
import type { StatementClass } from './types.js';

export interface FunctionVerdict {
  class: Extract<StatementClass, 'read' | 'session' | 'write' | 'forbidden'>;
  reason: string;
  /** set_config(): the caller must look at the arguments (see setting-rules.ts). */
  setConfig?: boolean;
  /** A write only because the name is off the allowlist (a catalog may know better). */
  unlisted?: boolean;
}

/** Refused whatever the schema: reach outside the database or into the server. */
const FORBIDDEN: ReadonlyMap<string, string> = new Map([
  ...[
    'pg_read_file',
    'pg_read_binary_file',
    'pg_ls_dir',
    'pg_ls_logdir',
    'pg_ls_waldir',
    'pg_ls_tmpdir',
    'pg_ls_archive_statusdir',
    'pg_ls_logicalsnapdir',
    'pg_ls_logicalmapdir',
    'pg_ls_replslotdir',
    'pg_ls_summariesdir',
    'pg_stat_file',
    'pg_file_write',
    'pg_file_rename',
    'pg_file_unlink',
    'pg_file_sync',
    'pg_logdir_ls',
    'lo_import',
    'lo_export',
  ].map((n): [string, string] => [n, 'reads or writes files on the database server']),
  ['pg_terminate_backend', 'terminates another session'],
  ['pg_cancel_backend', 'cancels another session’s query'],
  ['pg_signal_backend', 'signals another session'],
  ['pg_reload_conf', 'reloads the server configuration'],
  ['pg_rotate_logfile', 'rotates the server log'],
  ['pg_promote', 'promotes a standby server'],
  ['pg_switch_wal', 'forces a WAL switch'],
  ['pg_wal_replay_pause', 'pauses WAL replay'],
  ['pg_wal_replay_resume', 'resumes WAL replay'],
  ['pg_backup_start', 'starts a base backup'],
  ['pg_backup_stop', 'stops a base backup'],
  ['pg_create_restore_point', 'creates a WAL restore point'],
  ['pg_log_backend_memory_contexts', 'makes another session write to the server log'],
]);

/** Writers whatever the schema (an extension may live anywhere). */
const WRITERS: ReadonlyMap<string, string> = new Map([
  ['nextval', 'advances a sequence'],
  ['setval', 'sets a sequence'],
  ['pg_notify', 'sends a notification to other sessions'],
  ['loread', 'reads a large object through a descriptor (large-object API)'],
  ['lowrite', 'writes a large object'],
  ['txid_current', 'assigns a transaction id'],
  ['pg_current_xact_id', 'assigns a transaction id'],
]);

const PREFIX_RULES: readonly { prefix: string; class: 'write' | 'forbidden'; reason: string }[] = [
  { prefix: 'dblink', class: 'forbidden', reason: 'connects to another server (dblink)' },
  {
    prefix: 'lo_',
    class: 'write',
    reason: 'works on large objects, which read-only mode does not protect',
  },
  { prefix: 'pg_advisory', class: 'write', reason: 'takes or releases an advisory lock' },
  { prefix: 'pg_try_advisory', class: 'write', reason: 'takes an advisory lock' },
  { prefix: 'pg_stat_reset', class: 'write', reason: 'resets statistics' },
];

export function functionDisplayName(parts: readonly string[]): string {
  return parts.join('.');
}

export function judgeFunction(
  parts: readonly string[],
  safeFunctions: readonly string[] = [],
): FunctionVerdict {
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const shown = `${functionDisplayName(parts)}()`;
  const forbidden = FORBIDDEN.get(name);
  if (forbidden) return { class: 'forbidden', reason: `${shown} ${forbidden}` };
  const builtinSchema = schema === undefined || schema === 'pg_catalog';
  // lo_get returns a large object's bytes: the one lo_ function that only reads (the
  // server allows it in a read-only transaction; lo_put, lo_create... it refuses).
  if (builtinSchema && name === 'lo_get') {
    return { class: 'read', reason: `${shown} reads a large object` };
  }
  for (const rule of PREFIX_RULES) {
    if (name.startsWith(rule.prefix))
      return { class: rule.class, reason: `${shown} ${rule.reason}` };
  }
  const writer = WRITERS.get(name);
  if (writer) return { class: 'write', reason: `${shown} ${writer}` };
  if (builtinSchema && name === 'set_config') {
    return { class: 'session', reason: `${shown} changes a setting`, setConfig: true };
  }
  if (builtinSchema && BUILTIN_SAFE_FUNCTIONS.has(name)) {
    return { class: 'read', reason: `${shown} is a side-effect-free built-in` };
  }
  if (
    parts.length === 2 &&
    schema === 'information_schema' &&
    INFORMATION_SCHEMA_SAFE_FUNCTIONS.has(name)
  ) {
    return { class: 'read', reason: `${shown} is a side-effect-free information_schema function` };
  }
  if (policyAllows(schema, name, safeFunctions)) {
    return { class: 'read', reason: `${shown} is allowlisted by policy` };
  }
  return {
    class: 'write',
    reason: `${shown} is not on the side-effect-free allowlist, so it may write`,
    unlisted: true,
  };
}

/**
 * Policy entries: 'fn' allows unqualified calls of fn; 'schema.fn' allows calls written
 * schema.fn; 'schema.*' allows every call qualified with schema. An unqualified call is
 * never matched by a qualified entry: the search_path decides where it resolves.
 */
function policyAllows(
  schema: string | undefined,
  name: string,
  entries: readonly string[],
): boolean {
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry.endsWith('.*')) {
      if (schema !== undefined && schema === entry.slice(0, -2)) return true;
    } else if (entry.includes('.')) {
      if (schema !== undefined && `${schema}.${name}` === entry) return true;
    } else if (schema === undefined && name === entry) {
      return true;
    }
  }
  return false;
}

/** True when a call is on the allowlist (built-in or policy): used by reports and tests. */
export function isSafeFunction(
  parts: readonly string[],
  safeFunctions: readonly string[] = [],
): boolean {
  return judgeFunction(parts, safeFunctions).class === 'read';
}

/**
 * An operator is a call of its implementing function. Symbols PostgreSQL defines are
 * trusted (see builtin-operators.ts); anything else, or an operator qualified with a
 * schema other than pg_catalog, is user-defined and may write, unless policy lists it
 * as 'operator(sym)' or 'operator(schema.sym)'.
 */
export function judgeOperator(
  parts: readonly string[],
  safeFunctions: readonly string[] = [],
): FunctionVerdict {
  const symbol = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const shown = `operator ${parts.join('.')}`;
  if ((schema === undefined || schema === 'pg_catalog') && BUILTIN_OPERATORS.has(symbol)) {
    return { class: 'read', reason: `${shown} is built in` };
  }
  const entry = `operator(${parts.join('.')})`;
  if (safeFunctions.some((e) => e.trim() === entry)) {
    return { class: 'read', reason: `${shown} is allowlisted by policy` };
  }
  return {
    class: 'write',
    reason: `${shown} is not a built-in operator: it runs a user-defined function, which may write`,
    unlisted: true,
  };
}
