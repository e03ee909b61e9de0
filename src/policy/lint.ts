// Warnings about a valid policy (sluice check): rules an earlier rule shadows, and reviews
// whose owners resolve to nobody. Only sure findings: a missed warning is acceptable, a
// wrong one is not (people learn to ignore noisy linters).
import { cidrCovers } from './cidr.js';
import { ownersFor, type CodeownersFile } from './codeowners.js';
import { globCovers, tableGlobCovers, type Glob, type TableGlob } from './glob.js';
import type { CompiledMatch, CompiledRule, CompiledScope, PolicySet } from './policy-set.js';
import { requestPath } from './request-path.js';
import type { ApprovalTier, RuleRef } from './types.js';

export interface PolicyWarning {
  kind: 'shadowed' | 'no-owners' | 'unowned-table';
  file: string;
  /** 1-based; 0 when the warning is not about one line. */
  line: number;
  message: string;
}

const someCovers = (outer: Glob[], inner: Glob[]) =>
  inner.every((i) => outer.some((o) => globCovers(o, i)));
const someTableCovers = (outer: TableGlob[], inner: TableGlob[]) =>
  inner.every((i) => outer.some((o) => tableGlobCovers(o, i)));
const subset = <T>(inner: ReadonlySet<T> | undefined, outer: ReadonlySet<T> | undefined): boolean =>
  outer === undefined || (inner !== undefined && [...inner].every((x) => outer.has(x)));

/** Every session `inner` applies to, `outer` applies to as well. */
function scopesCover(outer: CompiledScope[], inner: CompiledScope[]): boolean {
  return outer.every(
    (o) =>
      (['database', 'user', 'application'] as const).every((f) => {
        const og = o[f];
        return !og || inner.some((i) => i[f] !== undefined && someCovers(og, i[f]));
      }) &&
      (!o.address ||
        inner.some(
          (i) =>
            i.address !== undefined &&
            i.address.every((c) => o.address!.some((oc) => cidrCovers(oc, c))),
        )),
  );
}

// Data-modifying statements are writes whenever a rule can see them at all (otherwise they
// are forbidden or invalid, which no rule matches), so `kind: DeleteStmt` implies `class: write`.
const ALWAYS_WRITE_KINDS: ReadonlySet<string> = new Set([
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
]);

function impliedClasses(m: CompiledMatch): ReadonlySet<string> | undefined {
  if (m.classes) return m.classes;
  if (m.kinds && [...m.kinds].every((k) => ALWAYS_WRITE_KINDS.has(k))) return new Set(['write']);
  return undefined;
}

/** Every statement `inner` matches, `outer` matches as well. */
export function matchCovers(outer: CompiledMatch, inner: CompiledMatch): boolean {
  if (
    !subset(impliedClasses(inner), outer.classes) ||
    !subset(inner.kinds, outer.kinds) ||
    !subset(inner.risks, outer.risks)
  )
    return false;
  if (outer.flags && !outer.flags.every((f) => inner.flags?.includes(f))) return false;
  if (outer.withoutFlags && !outer.withoutFlags.every((f) => inner.withoutFlags?.includes(f)))
    return false;
  if (outer.tables && !(inner.tables && someTableCovers(outer.tables, inner.tables))) return false;
  if (
    outer.anyTable &&
    !(inner.anyTable && someTableCovers(outer.anyTable, inner.anyTable)) &&
    !(inner.tables && someTableCovers(outer.anyTable, inner.tables))
  ) {
    return false;
  }
  const schemasOf = (t: TableGlob[] | undefined) => t?.map((g) => g.schema);
  if (outer.schemas) {
    const inn = inner.schemas ?? schemasOf(inner.tables);
    if (!inn || !someCovers(outer.schemas, inn)) return false;
  }
  if (outer.anySchema) {
    const candidates = [
      inner.anySchema,
      inner.schemas,
      schemasOf(inner.tables),
      schemasOf(inner.anyTable),
    ];
    if (!candidates.some((c) => c !== undefined && someCovers(outer.anySchema!, c))) return false;
  }
  if (outer.statements) {
    const { min, max } = outer.statements;
    if (
      min !== undefined &&
      min > 1 &&
      !(inner.statements?.min !== undefined && inner.statements.min >= min)
    )
      return false;
    if (max !== undefined && !(inner.statements?.max !== undefined && inner.statements.max <= max))
      return false;
  }
  return true;
}

export function ruleCovers(outer: CompiledRule, inner: CompiledRule): boolean {
  return scopesCover(outer.scopes, inner.scopes) && matchCovers(outer.match, inner.match);
}

/** Whether a CODEOWNERS line with owners can possibly own some `requests/...` path. */
function canOwnRequests(codeowners: CodeownersFile): boolean {
  return codeowners.rules.some((r) => {
    if (r.owners.length === 0) return false;
    const p = r.pattern.replace(/^\//, '');
    const anchored = r.pattern.startsWith('/') || p.replace(/\/$/, '').includes('/');
    return !anchored || p.startsWith('requests/') || /^[*?]/.test(p);
  });
}

function literalNames(globs: Glob[] | undefined): string[] | undefined {
  return globs?.every((g) => g.literal !== undefined) ? globs.map((g) => g.literal!) : undefined;
}

/** Request paths a review rule certainly produces, when its databases and tables are literal. */
function literalPaths(rule: CompiledRule): string[] {
  const dbs = rule.scopes.map((s) => literalNames(s.database)).find((x) => x !== undefined);
  const tables = rule.match.tables ?? rule.match.anyTable;
  if (
    !dbs ||
    !tables ||
    !tables.every((t) => t.schema.literal !== undefined && t.table.literal !== undefined)
  )
    return [];
  return dbs.flatMap((db) =>
    tables.map((t) => requestPath(db, t.schema.literal!, t.table.literal!)),
  );
}

function ownerWarnings(
  ref: RuleRef,
  tier: ApprovalTier,
  paths: string[],
  codeowners: CodeownersFile | undefined,
): PolicyWarning[] {
  if (tier.owners.allOf.length > 0 || !tier.owners.codeowners) return [];
  const at = { file: ref.file ?? '(built-in defaults)', line: ref.line ?? 0 };
  const who = ref.file
    ? `review rule ${JSON.stringify(ref.name)}`
    : `the default review (${ref.id})`;
  if (!codeowners) {
    return [
      {
        kind: 'no-owners',
        ...at,
        message: `${who} asks the tables' CODEOWNERS to approve, but there is no CODEOWNERS file: its owners resolve to nobody`,
      },
    ];
  }
  if (!canOwnRequests(codeowners)) {
    return [
      {
        kind: 'no-owners',
        ...at,
        message: `${who} asks the tables' CODEOWNERS to approve, but no line in ${codeowners.path} can own a requests/<database>/<schema>/<table>/ path: its owners resolve to nobody`,
      },
    ];
  }
  return paths
    .filter((p) => ownersFor(codeowners, p).length === 0)
    .map((p) => ({
      kind: 'unowned-table' as const,
      ...at,
      message: `${who}: no CODEOWNERS owner for ${p}, so its owners resolve to nobody`,
    }));
}

export function lintPolicy(policy: PolicySet, codeowners?: CodeownersFile): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  policy.rules.forEach((rule, j) => {
    const shadow = policy.rules.slice(0, j).find((earlier) => ruleCovers(earlier, rule));
    if (shadow) {
      warnings.push({
        kind: 'shadowed',
        file: rule.ref.file ?? '',
        line: rule.ref.line ?? 0,
        message: `rule ${JSON.stringify(rule.ref.name)} can never match: rule ${JSON.stringify(shadow.ref.name)} (${shadow.ref.file}:${shadow.ref.line}) comes first and matches everything it would`,
      });
    }
    if (rule.action === 'review')
      warnings.push(...ownerWarnings(rule.ref, rule.tier, literalPaths(rule), codeowners));
  });
  warnings.push(
    ...ownerWarnings(
      { id: 'default:write', name: 'write' },
      policy.settings.defaultTier,
      [],
      codeowners,
    ),
  );
  return warnings;
}
