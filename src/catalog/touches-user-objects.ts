// Whether a statement's verdict could depend on the catalog: decides which statements
// wait for a snapshot that is loading or stale (after DDL). Errs towards "yes": a wait
// costs milliseconds once in a while, a verdict judged on a stale catalog could pass a
// write. Only statements that name nothing a user could have defined go straight on.
import type { Classification, StatementInfo } from '../sql/types.js';

/** Statements that name no relation, function, type or operator at all. */
const NAMELESS_KINDS: ReadonlySet<string> = new Set([
  'TransactionStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'DiscardStmt',
  'DeallocateStmt',
  'ClosePortalStmt',
  'ListenStmt',
  'UnlistenStmt',
]);

/** Schemas whose objects initdb made (a user cannot create in them without superuser). */
const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set(['pg_catalog', 'information_schema']);

/**
 * The names the classifier collected for the catalog (StatementInfo.catalogRefs, added by
 * the catalog-aware walker): read structurally, and absent means "unknown", so "yes".
 */
interface RefsView {
  calls: readonly unknown[];
  operators: readonly unknown[];
  types: readonly unknown[];
  fields: readonly unknown[];
}

export function touchesUserObjects(c: Classification): boolean {
  for (const s of c.statements) if (statementTouches(s)) return true;
  return false;
}

function statementTouches(s: StatementInfo): boolean {
  if (NAMELESS_KINDS.has(s.kind)) return false;
  for (const r of s.relations) if (!SYSTEM_SCHEMAS.has(r.schema)) return true;
  const refs = (s as { catalogRefs?: RefsView }).catalogRefs;
  if (!refs) return true;
  return (
    refs.calls.length > 0 ||
    refs.operators.length > 0 ||
    refs.types.length > 0 ||
    refs.fields.length > 0
  );
}
