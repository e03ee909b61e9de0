// A coarse risk level for reviewers and policy: how bad is it if this goes wrong?
import { Flag, type Risk } from './types.js';
import type { Verdict } from './verdict.js';

type Body = Record<string, unknown>;

const CRITICAL_KINDS = new Set([
  'DropdbStmt',
  'DropOwnedStmt',
  'ReassignOwnedStmt',
  'DropRoleStmt',
]);
const HIGH_KINDS = new Set([
  'DropStmt',
  'TruncateStmt',
  'GrantStmt',
  'GrantRoleStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterRoleSetStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'CreatedbStmt',
  'AlterOwnerStmt',
  'DoStmt',
  'CallStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'CreateEventTrigStmt',
]);
const LOW_KINDS = new Set(['NotifyStmt', 'CommentStmt', 'SecLabelStmt']);
/** ALTER TABLE subcommands that lose data or rewrite a table. */
const DESTRUCTIVE_ALTER = new Set([
  'AT_DropColumn',
  'AT_AlterColumnType',
  'AT_DropConstraint',
  'AT_SetLogged',
  'AT_SetUnLogged',
  'AT_DetachPartition',
  'AT_DropExpression',
  'AT_DisableRowSecurity',
  'AT_NoForceRowSecurity',
  'AT_DisableTrig',
  'AT_DisableTrigAll',
  'AT_DisableTrigUser',
  'AT_DisableRule',
]);

export function riskOf(v: Verdict, b: Body): Risk {
  switch (v.class) {
    case 'forbidden':
      return 'critical';
    case 'invalid':
    case 'read':
    case 'session':
      return 'low';
    case 'write':
      return writeRisk(v, b);
  }
}

function writeRisk(v: Verdict, b: Body): Risk {
  const cascade = b.behavior === 'DROP_CASCADE';
  if (
    CRITICAL_KINDS.has(v.kind) ||
    ((v.kind === 'DropStmt' || v.kind === 'TruncateStmt') && cascade)
  ) {
    return 'critical';
  }
  if (v.flags.has(Flag.noWhere) || HIGH_KINDS.has(v.kind) || destructiveAlter(v.kind, b))
    return 'high';
  if (LOW_KINDS.has(v.kind)) return 'low';
  const onlyLocking =
    v.kind === 'SelectStmt' &&
    v.flags.has(Flag.lockingClause) &&
    !v.flags.has(Flag.unsafeFunction) &&
    !v.flags.has(Flag.modifyingCte) &&
    !v.flags.has(Flag.selectInto);
  return onlyLocking ? 'low' : 'medium';
}

function destructiveAlter(kind: string, b: Body): boolean {
  if (kind !== 'AlterTableStmt' || !Array.isArray(b.cmds)) return false;
  return b.cmds.some((c) =>
    DESTRUCTIVE_ALTER.has(String(((c as Body).AlterTableCmd as Body | undefined)?.subtype)),
  );
}
