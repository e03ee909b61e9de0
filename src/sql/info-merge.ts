// Combining classifications: a name that may hold one of several statements is judged by
// the most restrictive of them, and a session-resolved EXECUTE/FETCH takes the class of
// what it actually runs.
import { mergeCatalogRefs } from './catalog-refs.js';
import {
  CLASS_RANK,
  Flag,
  type Classification,
  type StatementClass,
  type StatementInfo,
} from './types.js';

function maxClass(a: StatementClass, b: StatementClass): StatementClass {
  return CLASS_RANK[a] >= CLASS_RANK[b] ? a : b;
}

const RISK_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;

/** One StatementInfo standing for "any of these": class, risk, flags and facts are unions. */
export function mergeInfos(infos: readonly StatementInfo[], why: string): StatementInfo {
  const first = infos[0];
  if (!first) throw new Error('mergeInfos: nothing to merge');
  if (infos.length === 1) return first;
  const merged: StatementInfo = {
    ...first,
    relations: [],
    functions: [],
    flags: [],
    reasons: [why],
  };
  const texts: string[] = [];
  for (const i of infos) {
    merged.class = maxClass(merged.class, i.class);
    if (RISK_RANK[i.risk] > RISK_RANK[merged.risk]) merged.risk = i.risk;
    for (const r of i.relations) {
      if (
        !merged.relations.some(
          (x) => x.schema === r.schema && x.name === r.name && x.access === r.access,
        )
      ) {
        merged.relations.push(r);
      }
    }
    for (const f of i.functions) if (!merged.functions.includes(f)) merged.functions.push(f);
    for (const f of i.flags) if (!merged.flags.includes(f)) merged.flags.push(f);
    for (const r of i.reasons) if (!merged.reasons.includes(r)) merged.reasons.push(r);
    const t = i.resolvedSql ?? i.sql;
    if (!texts.includes(t)) texts.push(t);
  }
  merged.resolvedSql = texts.join('\n-- or --\n');
  delete merged.effect;
  setRefs(merged, infos);
  return merged;
}

/**
 * An EXECUTE/FETCH (or EXPLAIN of one) resolved to what runs: the class is that of the
 * target and of the statement's own argument calls; the "unknown name" reason goes.
 */
export function resolvedInfo(
  base: StatementInfo,
  target: StatementInfo,
  ownClass: StatementClass,
  dropReason: string,
  intro: string,
): StatementInfo {
  const flags: Flag[] = base.flags.filter((f) => f !== Flag.preparedUnknown);
  for (const f of target.flags) if (!flags.includes(f) && f !== Flag.multiStatement) flags.push(f);
  const reasons = [intro, ...target.reasons];
  for (const r of base.reasons) if (r !== dropReason && !reasons.includes(r)) reasons.push(r);
  const functions = [...target.functions];
  for (const f of base.functions) if (!functions.includes(f)) functions.push(f);
  const cls = maxClass(target.class, ownClass);
  const out: StatementInfo = {
    ...base,
    class: cls,
    relations: [...target.relations],
    functions,
    flags,
    reasons,
    risk: ownClass === 'forbidden' ? 'critical' : target.risk,
    resolvedSql: target.resolvedSql ?? target.sql,
  };
  // What runs is the target; the EXECUTE's own arguments are the base's (their unlisted
  // calls cannot be lowered when the base class already counts them: ownClass).
  setRefs(out, [
    target,
    base.catalogRefs
      ? { ...base, catalogRefs: { ...base.catalogRefs, withoutUnlisted: ownClass } }
      : base,
  ]);
  return out;
}

function setRefs(info: StatementInfo, from: readonly StatementInfo[]): void {
  const refs = mergeCatalogRefs(from);
  if (refs) info.catalogRefs = refs;
  else delete info.catalogRefs;
}

export function classificationOf(
  statements: StatementInfo[],
  error?: Classification['error'],
): Classification {
  let cls: StatementClass = 'read';
  for (const s of statements) cls = maxClass(cls, s.class);
  return error ? { class: cls, statements, error } : { class: cls, statements };
}
