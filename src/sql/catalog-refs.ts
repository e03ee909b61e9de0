// Combining the catalog references of several statements into one StatementInfo's (a
// portal that may run one of several statements, an EXECUTE resolved to what it runs):
// the union of the names, and the strictest class each would keep without its unlisted
// calls. An info without references stays without: the judge then fails closed.
import { CLASS_RANK, type CatalogRefs, type StatementInfo } from './types.js';

export function mergeCatalogRefs(infos: readonly StatementInfo[]): CatalogRefs | undefined {
  const out: CatalogRefs = {
    calls: [],
    operators: [],
    types: [],
    fields: [],
    aliases: [],
    unlisted: [],
    withoutUnlisted: 'read',
  };
  for (const info of infos) {
    const r = info.catalogRefs;
    if (!r) return undefined;
    out.calls.push(...r.calls);
    out.operators.push(...r.operators);
    out.types.push(...r.types);
    out.fields.push(...r.fields);
    out.aliases.push(...r.aliases);
    out.unlisted.push(...r.unlisted);
    if (CLASS_RANK[r.withoutUnlisted] > CLASS_RANK[out.withoutUnlisted])
      out.withoutUnlisted = r.withoutUnlisted;
  }
  return out;
}
