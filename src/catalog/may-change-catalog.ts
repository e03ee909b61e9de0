// Which released statements make the catalog snapshot stale once they have run: DDL, and
// the statements that can run DDL inside code the classifier does not read (DO blocks,
// procedures, functions off the allowlist). Plain DML does not: it cannot create, alter
// or drop a view, type, cast, operator or function. A miss here is caught by the
// periodic change check; a false "yes" costs one fingerprint query.
import { Flag, type Classification } from '../sql/types.js';

const CODE_KINDS: ReadonlySet<string> = new Set(['DoStmt', 'CallStmt']);

export function mayChangeCatalog(c: Classification): boolean {
  for (const s of c.statements) {
    if (s.flags.includes(Flag.ddl) || s.flags.includes(Flag.selectInto)) return true;
    if (CODE_KINDS.has(s.kind)) return true;
    if (s.kind === 'SelectStmt' && s.flags.includes(Flag.unsafeFunction)) return true;
  }
  return false;
}

// Temporary objects live in the session's own pg_temp schema, which the side connection
// cannot see. A temporary table runs no code of its own; a temporary view, domain, type,
// function or anything named in pg_temp may, and stays invisible to every snapshot.
const TEMPORARY = /\b(temp|temporary|pg_temp)\b/i;
const TEMPORARY_TABLE =
  /^\s*create\s+(?:(?:global|local)\s+)?(?:temp|temporary)\s+(?:unlogged\s+)?table\b/i;

/**
 * Whether a released statement may create objects only its session can see (so that
 * session's statements that name anything are judged blind from then on).
 */
export function createsSessionObjects(c: Classification): boolean {
  for (const s of c.statements) {
    if (!s.flags.includes(Flag.ddl) && !s.flags.includes(Flag.selectInto)) continue;
    if (TEMPORARY.test(s.sql) && !TEMPORARY_TABLE.test(s.sql) && !isSelectIntoTemp(s.sql))
      return true;
  }
  return false;
}

/** SELECT … INTO TEMP t: a table. */
function isSelectIntoTemp(sql: string): boolean {
  return /^\s*select\b/i.test(sql) && !/\bpg_temp\b/i.test(sql);
}
