// Every statement node PostgreSQL 18's grammar can put at the top of a parse tree, by
// the rule family that classifies it. A kind missing here is unknown and classed as a
// write (fail closed); test/sql/statement-kinds.test.ts checks the table covers every
// *Stmt node in libpg-query's schema.
export const Family = {
  select: 'select',
  show: 'show',
  explain: 'explain',
  dml: 'dml',
  copy: 'copy',
  set: 'set',
  transaction: 'transaction',
  prepare: 'prepare',
  execute: 'execute',
  deallocate: 'deallocate',
  declare: 'declare',
  fetch: 'fetch',
  close: 'close',
  discard: 'discard',
  listen: 'listen',
  constraints: 'constraints',
  forbidden: 'forbidden',
  ddl: 'ddl',
  alterSetting: 'alter_setting',
  createTableAs: 'create_table_as',
  truncate: 'truncate',
  maintenance: 'maintenance',
  code: 'code',
  notify: 'notify',
  /** Nodes named *Stmt that are never a top-level statement (only parts of one). */
  notTopLevel: 'not_top_level',
} as const;
export type Family = (typeof Family)[keyof typeof Family];

const TABLE: Readonly<Record<Family, string>> = {
  select: 'SelectStmt',
  show: 'VariableShowStmt',
  explain: 'ExplainStmt',
  dml: 'InsertStmt UpdateStmt DeleteStmt MergeStmt',
  copy: 'CopyStmt',
  set: 'VariableSetStmt',
  transaction: 'TransactionStmt',
  prepare: 'PrepareStmt',
  execute: 'ExecuteStmt',
  deallocate: 'DeallocateStmt',
  declare: 'DeclareCursorStmt',
  fetch: 'FetchStmt',
  close: 'ClosePortalStmt',
  discard: 'DiscardStmt',
  listen: 'ListenStmt UnlistenStmt',
  constraints: 'ConstraintsSetStmt',
  forbidden: 'AlterSystemStmt LoadStmt',
  ddl: `CreateSchemaStmt AlterTableStmt AlterCollationStmt AlterDomainStmt GrantStmt GrantRoleStmt
    AlterDefaultPrivilegesStmt CreateStmt CreateTableSpaceStmt DropTableSpaceStmt
    AlterTableSpaceOptionsStmt AlterTableMoveAllStmt CreateExtensionStmt AlterExtensionStmt
    AlterExtensionContentsStmt CreateFdwStmt AlterFdwStmt CreateForeignServerStmt
    AlterForeignServerStmt CreateForeignTableStmt CreateUserMappingStmt AlterUserMappingStmt
    DropUserMappingStmt ImportForeignSchemaStmt CreatePolicyStmt AlterPolicyStmt CreateAmStmt
    CreateTrigStmt CreateEventTrigStmt AlterEventTrigStmt CreatePLangStmt CreateRoleStmt
    AlterRoleStmt DropRoleStmt CreateSeqStmt AlterSeqStmt DefineStmt CreateDomainStmt
    CreateOpClassStmt CreateOpFamilyStmt AlterOpFamilyStmt DropStmt CommentStmt SecLabelStmt
    IndexStmt CreateStatsStmt AlterStatsStmt CreateFunctionStmt AlterFunctionStmt RenameStmt
    AlterObjectDependsStmt AlterObjectSchemaStmt AlterOwnerStmt AlterOperatorStmt AlterTypeStmt
    RuleStmt CompositeTypeStmt CreateEnumStmt CreateRangeStmt AlterEnumStmt ViewStmt CreatedbStmt
    AlterDatabaseStmt AlterDatabaseRefreshCollStmt DropdbStmt CreateConversionStmt CreateCastStmt
    CreateTransformStmt DropOwnedStmt ReassignOwnedStmt AlterTSDictionaryStmt
    AlterTSConfigurationStmt CreatePublicationStmt AlterPublicationStmt CreateSubscriptionStmt
    AlterSubscriptionStmt DropSubscriptionStmt`,
  alter_setting: 'AlterRoleSetStmt AlterDatabaseSetStmt',
  create_table_as: 'CreateTableAsStmt',
  truncate: 'TruncateStmt',
  maintenance: 'VacuumStmt ClusterStmt ReindexStmt RefreshMatViewStmt LockStmt CheckPointStmt',
  code: 'DoStmt CallStmt',
  notify: 'NotifyStmt',
  not_top_level: 'RawStmt SetOperationStmt ReturnStmt PLAssignStmt ReplicaIdentityStmt',
};

const byKind = new Map<string, Family>();
for (const [family, kinds] of Object.entries(TABLE) as [Family, string][]) {
  for (const k of kinds.split(/\s+/)) if (k) byKind.set(k, family);
}

/** The rule family of a statement kind, or undefined when unknown. */
export function familyOf(kind: string): Family | undefined {
  return byKind.get(kind);
}

export function knownStatementKinds(): string[] {
  return [...byKind.keys()];
}
