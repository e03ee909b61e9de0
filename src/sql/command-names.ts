// Human names for statement kinds in reasons ("CREATE INDEX", not "IndexStmt").
const NAMES: Readonly<Record<string, string>> = {
  SelectStmt: 'SELECT',
  CreateStmt: 'CREATE TABLE',
  IndexStmt: 'CREATE INDEX',
  ViewStmt: 'CREATE VIEW',
  CreateTableAsStmt: 'CREATE TABLE AS',
  RuleStmt: 'CREATE RULE',
  DefineStmt: 'CREATE AGGREGATE/OPERATOR/TYPE',
  CreateSeqStmt: 'CREATE SEQUENCE',
  AlterSeqStmt: 'ALTER SEQUENCE',
  AlterTableStmt: 'ALTER TABLE',
  DropStmt: 'DROP',
  GrantStmt: 'GRANT/REVOKE',
  GrantRoleStmt: 'GRANT/REVOKE role',
  AlterDefaultPrivilegesStmt: 'ALTER DEFAULT PRIVILEGES',
  CommentStmt: 'COMMENT',
  SecLabelStmt: 'SECURITY LABEL',
  RenameStmt: 'RENAME',
  CreateFunctionStmt: 'CREATE FUNCTION/PROCEDURE',
  AlterFunctionStmt: 'ALTER FUNCTION',
  CreateTrigStmt: 'CREATE TRIGGER',
  CreateEventTrigStmt: 'CREATE EVENT TRIGGER',
  CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE',
  CreateRoleStmt: 'CREATE ROLE',
  AlterRoleStmt: 'ALTER ROLE',
  AlterRoleSetStmt: 'ALTER ROLE ... SET',
  DropRoleStmt: 'DROP ROLE',
  AlterDatabaseSetStmt: 'ALTER DATABASE ... SET',
  CreateSchemaStmt: 'CREATE SCHEMA',
  CreateExtensionStmt: 'CREATE EXTENSION',
  CreatePolicyStmt: 'CREATE POLICY',
  AlterObjectSchemaStmt: 'ALTER ... SET SCHEMA',
  AlterOwnerStmt: 'ALTER ... OWNER',
  CompositeTypeStmt: 'CREATE TYPE',
  CreateEnumStmt: 'CREATE TYPE ... AS ENUM',
  CreateDomainStmt: 'CREATE DOMAIN',
  DropOwnedStmt: 'DROP OWNED',
  ReassignOwnedStmt: 'REASSIGN OWNED',
};

export function commandName(kind: string): string {
  const known = NAMES[kind];
  if (known) return known;
  return kind
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
