// Two catalog rules that are about the statement rather than one object: whether `q.f`
// is a column (or, PostgreSQL's attribute notation, a call f(q)), and which implicit
// casts may run although no cast is written.
import { relationCandidates, type CatalogIndex } from './catalog-index.js';
import { strictest, type Finding, type ObjectJudge } from './catalog-objects.js';
import type { CatalogRefs } from './types.js';

/**
 * True only when every relation `qualifier` may stand for (a FROM alias, or a relation of
 * that name) is in the snapshot and has a column `field`. Anything else (a CTE, a
 * subquery, a composite value, a relation the snapshot does not know) may make `q.f` the
 * call f(q), so the caller judges the functions named f.
 */
export function isColumn(
  index: CatalogIndex,
  aliases: CatalogRefs['aliases'],
  qualifier: readonly string[],
  field: string,
): boolean {
  if (qualifier.length === 0) return false;
  const q = qualifier[qualifier.length - 1]!;
  const named =
    qualifier.length === 1 ? aliases.filter((a) => a.alias === q).map((a) => a.relation) : [];
  if (named.length === 0) named.push(qualifier.slice(-2));
  let any = false;
  for (const parts of named) {
    const name = parts[parts.length - 1]!;
    const schema = parts.length > 1 ? parts[parts.length - 2]! : '';
    const candidates = relationCandidates(index, schema, name, parts.length > 1);
    if (candidates.length === 0) return false;
    for (const rel of candidates) {
      if (!rel.columns.includes(field)) return false;
      any = true;
    }
  }
  return any;
}

/**
 * Implicit casts PostgreSQL may insert: one from or to a user type can only apply where a
 * user object is involved (`touched`); one between two built-in types (only a superuser
 * can make one) may apply anywhere.
 */
export function implicitCastFinding(
  index: CatalogIndex,
  judge: ObjectJudge,
  touched: boolean,
  depth: number,
): Finding | undefined {
  const casts = touched ? index.implicitCasts : index.builtinImplicitCasts;
  if (casts.length === 0) return undefined;
  const found = strictest(casts.map((c) => judge.cast(c, depth)));
  return {
    class: found.class,
    reasons: found.reasons.map((r) => `an implicit ${r}`),
  };
}
