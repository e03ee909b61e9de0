// Corpus statements the oracle still classifies but never runs on the shared test server,
// neither as a probe nor for real, because running them would reach beyond the file's
// own scratch database or hang. Each entry says why.
import type { StatementInfo } from '../../../src/sql/types.js';

const SKIP_KINDS: Readonly<Record<string, string>> = {
  AlterSystemStmt: 'ALTER SYSTEM rewrites the shared server’s configuration file',
  LoadStmt: 'LOAD loads shared libraries into the backend',
  CreatedbStmt: 'databases are cluster-wide (names could clash with other test files)',
  DropdbStmt: 'DROP DATABASE could remove another test file’s database',
  CreateTableSpaceStmt: 'tablespaces create directories on the server and are cluster-wide',
  DropTableSpaceStmt: 'tablespaces are cluster-wide',
  AlterTableSpaceOptionsStmt: 'tablespaces are cluster-wide',
  AlterTableMoveAllStmt: 'moves objects between cluster-wide tablespaces',
  CreateSubscriptionStmt:
    'a subscription starts workers that connect elsewhere and blocks DROP DATABASE',
  AlterSubscriptionStmt: 'a subscription starts workers that connect elsewhere',
};

/** Functions that act on other sessions, the server or its files. */
const SKIP_FUNCTIONS = [
  /^(pg_catalog\.)?pg_(terminate|cancel|signal)_backend$/,
  /^(pg_catalog\.)?pg_reload_conf$/,
  /^(pg_catalog\.)?pg_rotate_logfile/,
  /^(pg_catalog\.)?pg_promote$/,
  /^(pg_catalog\.)?pg_switch_wal$/,
  /^(pg_catalog\.)?pg_backup_(start|stop)$/,
  /^(pg_catalog\.)?pg_create_restore_point$/,
  /^(pg_catalog\.)?pg_wal_replay_/,
  /^(pg_catalog\.)?pg_log_backend_memory_contexts$/,
  /^(pg_catalog\.)?pg_(create|copy)_\w*replication_slot$/,
  /^(pg_catalog\.)?pg_replication_origin_/,
  /^(pg_catalog\.)?pg_(read|read_binary)_file$/,
  /^(pg_catalog\.)?pg_ls_/,
  /^(pg_catalog\.)?pg_stat_file$/,
  /^(pg_catalog\.)?lo_(import|export)$/,
  /dblink/,
];

/** Shared catalogs: writing them changes every database of the cluster. */
const SHARED_CATALOGS = new Set([
  'pg_authid',
  'pg_auth_members',
  'pg_database',
  'pg_db_role_setting',
  'pg_tablespace',
  'pg_shdepend',
  'pg_shdescription',
  'pg_shseclabel',
  'pg_replication_origin',
  'pg_subscription',
  'pg_parameter_acl',
]);

function isShared(name: string): boolean {
  for (const c of SHARED_CATALOGS) if (name === c || name.startsWith(`${c}_`)) return true;
  return false;
}

/** The suite connects as the bootstrap superuser; these would change it for every file. */
const SELF_ROLE =
  /\b(alter|reassign|drop)\s+(role|user|owned\s+by)\s+(all|current_user|session_user|current_role|postgres)\b/i;

export function oracleSkipReason(info: StatementInfo): string | undefined {
  const byKind = SKIP_KINDS[info.kind];
  if (byKind) return byKind;
  if (
    info.kind === 'CopyStmt' &&
    !info.flags.includes('copy_from_stdin') &&
    !info.flags.includes('copy_to_stdout')
  ) {
    return 'COPY to/from a server file or PROGRAM';
  }
  for (const f of info.functions) {
    if (SKIP_FUNCTIONS.some((re) => re.test(f)))
      return `calls ${f}(), which acts on the server or other sessions`;
  }
  if (info.relations.some((r) => r.access === 'write' && isShared(r.name))) {
    return 'writes, locks or rebuilds a shared catalog (or one of its indexes)';
  }
  if (SELF_ROLE.test(info.sql)) return 'changes the superuser the suite connects as, or all roles';
  if (info.kind === 'AlterRoleSetStmt' && /\b(role|user)\s+all\b/i.test(info.sql))
    return 'ALTER ROLE ALL';
  return undefined;
}

/** Statements whose probe would change session state that a rollback does not undo. */
export function noProbeReason(info: StatementInfo): string | undefined {
  switch (info.kind) {
    case 'TransactionStmt':
      return 'transaction control cannot run inside the probe transaction';
    case 'PrepareStmt':
    case 'DeallocateStmt':
      return 'prepared statements are not transactional';
    default:
      return undefined;
  }
}
