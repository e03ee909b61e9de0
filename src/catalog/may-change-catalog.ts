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
