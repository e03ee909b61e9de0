// The classifier with the database's catalog: the static verdict (which reads SQL without
// it) checked against the user objects a statement may reach. A view is classified by its
// definition, a user type by its input path, a cast, operator or function by its code
// (catalog-objects.ts); a relation `t` that has no column `f` makes `t.f` a call f(t).
// The verdict only rises, except in the one case the catalog can prove: a statement held
// only because it calls functions (or operators) off the allowlist, all of whose
// candidates are SQL functions inferred read-only, is a read. A truncated snapshot never
// opens anything. Findings are memoized per snapshot (WeakMap), so each view or function
// is judged once per snapshot, and a statement that reaches no user object costs a few
// Map lookups and comes back as the very same object.
import type { CatalogCast, CatalogSnapshot } from '../catalog/catalog-types.js';
import { UNLISTED_BUILTIN_FUNCTIONS } from './catalog-builtin-names.js';
import {
  castCandidates,
  catalogIndex,
  functionCandidates,
  operatorCandidates,
  relationCandidates,
  splitQualified,
  typeCandidates,
  type CatalogIndex,
} from './catalog-index.js';
import { ObjectJudge, strictest, type Finding } from './catalog-objects.js';
import { implicitCastFinding, isColumn } from './catalog-rules.js';
import { classifierConfig, classifyNow } from './classify.js';
import { judgeFunction, judgeOperator } from './function-rules.js';
import { classificationOf } from './info-merge.js';
import {
  CLASS_RANK,
  Flag,
  type CatalogRefs,
  type Classification,
  type ClassifierOptions,
  type StatementClass,
  type StatementInfo,
} from './types.js';
import { utf8Length } from './utf8.js';
import { verdictIdentity } from './verdict-identity.js';

/** What the catalog changes in one statement. */
interface Delta {
  class: StatementClass;
  add: string[];
  /** Reasons of calls the catalog proved read-only (the static "may write"). */
  drop: string[];
  lowered: boolean;
}

interface Context {
  index: CatalogIndex;
  opts: ClassifierOptions;
  judge: ObjectJudge;
  /** Per static verdict: one entry per statement (null: unchanged), or null for all. */
  deltas: WeakMap<Classification, (Delta | null)[] | null>;
}

const contexts = new WeakMap<CatalogSnapshot, WeakMap<ClassifierOptions, Context>>();
const NO_OPTIONS: ClassifierOptions = Object.freeze({});

/** Statements that carry no names to resolve (protocol-level verdicts). */
const NAMELESS = new Set(['FunctionCall', 'ParseError', 'Unparsed', 'Empty', 'Execute']);

export function judgeWithCatalog(
  c: Classification,
  catalog: CatalogSnapshot,
  opts?: ClassifierOptions,
): Classification {
  const ctx = contextFor(catalog, opts ?? NO_OPTIONS);
  if (ctx.index.empty) return c;
  const origin = verdictIdentity(c);
  let deltas = ctx.deltas.get(origin);
  if (deltas === undefined) {
    const each = origin.statements.map((s) => assess(s, ctx, 0));
    deltas = each.some((d) => d !== null) ? each : null;
    ctx.deltas.set(origin, deltas);
  }
  if (deltas === null) return c;
  const statements = c.statements.map((s, i) => applyDelta(s, deltas[i] ?? null));
  return classificationOf(statements, c.error);
}

function contextFor(catalog: CatalogSnapshot, opts: ClassifierOptions): Context {
  let byOpts = contexts.get(catalog);
  if (!byOpts) {
    byOpts = new WeakMap();
    contexts.set(catalog, byOpts);
  }
  let ctx = byOpts.get(opts);
  if (!ctx) {
    const index = catalogIndex(catalog);
    const created: Context = {
      index,
      opts,
      judge: undefined as unknown as ObjectJudge,
      deltas: new WeakMap(),
    };
    created.judge = new ObjectJudge(index, opts, (sql, depth) => classifyText(sql, created, depth));
    ctx = created;
    byOpts.set(opts, ctx);
  }
  return ctx;
}

/** A definition, body or expression, classified as a statement and then with the catalog. */
function classifyText(sql: string, ctx: Context, depth: number): Finding {
  if (utf8Length(sql) > classifierConfig().syncMaxBytes)
    return { class: 'write', reasons: ['definition too long to classify here'] };
  const c = classifyNow(sql, ctx.opts);
  if (c.class === 'invalid')
    return { class: 'write', reasons: [`definition Sluice cannot parse (${c.error?.message})`] };
  const found: Finding[] = [];
  for (const s of c.statements) {
    const d = assess(s, ctx, depth);
    const cls = d ? d.class : s.class;
    const reasons = d ? [...s.reasons.filter((r) => !d.drop.includes(r)), ...d.add] : s.reasons;
    // A session-level change inside a view or function body persists: counted as a write.
    const strict: StatementClass = cls === 'read' || cls === 'forbidden' ? cls : 'write';
    found.push({ class: strict, reasons: strict === 'read' ? [] : reasons });
  }
  return strictest(found);
}

function assess(info: StatementInfo, ctx: Context, depth: number): Delta | null {
  const refs = info.catalogRefs;
  if (!refs) {
    if (NAMELESS.has(info.kind) || CLASS_RANK[info.class] >= CLASS_RANK.write) return null;
    return {
      class: 'write',
      add: ['its names were not recorded, so the catalog cannot vouch for it (fail closed)'],
      drop: [],
      lowered: false,
    };
  }
  const { index, judge } = ctx;
  const found: Finding[] = [];
  let touched = false;
  const note = (f: Finding): void => {
    touched = true;
    found.push(f);
  };
  for (const r of info.relations) {
    for (const rel of relationCandidates(index, r.schema, r.name, r.qualified)) {
      if (r.access === 'read') note(judge.relation(rel, depth));
      else if (rel.hasTriggers)
        note({
          class: 'read',
          reasons: [`${rel.schema}.${rel.name} has triggers, which fire on this write`],
        });
      else touched = true;
    }
  }
  for (const parts of refs.calls)
    for (const f of functionCandidates(index, parts)) note(judge.fn(f, depth));
  for (const parts of refs.operators)
    for (const op of operatorCandidates(index, parts)) note(judge.operator(op, depth));
  /** Casts from a user type: they can only run where a value of that type is around. */
  const fromUserTypes: CatalogCast[] = [];
  for (const parts of refs.types) {
    for (const t of typeCandidates(index, parts)) note(judge.type(t, depth));
    for (const cast of castCandidates(index, parts)) {
      if (splitQualified(cast.source)[0] === 'pg_catalog') note(judge.cast(cast, depth));
      else fromUserTypes.push(cast);
    }
  }
  for (const { qualifier, field } of refs.fields) {
    const fns = functionCandidates(index, [field]);
    if (fns.length === 0 || isColumn(index, refs.aliases, qualifier, field)) continue;
    const shown = [...qualifier, field].join('.');
    for (const f of fns) {
      const found = judge.fn(f, depth);
      note({
        class: found.class,
        reasons: found.reasons.length
          ? found.reasons.map((r) => `${shown} may call ${f.schema}.${f.name}(): ${r}`)
          : [],
      });
    }
  }
  if (touched) for (const cast of fromUserTypes) found.push(judge.cast(cast, depth));
  const implicit = implicitCastFinding(index, judge, touched, depth);
  if (implicit) found.push(implicit);
  if (found.length === 0) return null;
  const catalog = strictest(found);
  const lower = lowering(info, ctx, depth);
  let cls: StatementClass;
  if (lower) cls = maxClass(refs.withoutUnlisted, catalog.class);
  else cls = maxClass(info.class, catalog.class);
  const add = catalog.reasons.filter((r) => !info.reasons.includes(r));
  if (lower) for (const r of lower.add) if (!add.includes(r)) add.push(r);
  if (cls === info.class && add.length === 0) return null;
  return {
    class: cls,
    add,
    drop: lower?.drop ?? replaced(refs, ctx),
    lowered: lower !== undefined,
  };
}

/**
 * The calls and operators the static rules held only for being off the allowlist, when
 * every one of them has user candidates only, all inferred read-only: then the statement
 * keeps the class it has without them.
 */
function lowering(
  info: StatementInfo,
  ctx: Context,
  depth: number,
): { add: string[]; drop: string[] } | undefined {
  const refs = info.catalogRefs!;
  if (info.class !== 'write' || refs.unlisted.length === 0) return undefined;
  if (ctx.index.snapshot.truncated) return undefined;
  if (CLASS_RANK[refs.withoutUnlisted] >= CLASS_RANK.write) return undefined;
  const add: string[] = [];
  const drop: string[] = [];
  const safe = ctx.opts.safeFunctions ?? [];
  for (const u of refs.unlisted) {
    const name = u.name[u.name.length - 1] ?? '';
    const schema = u.name.length > 1 ? u.name[u.name.length - 2] : undefined;
    // A built-in of the same name may be the one PostgreSQL picks.
    if (schema === 'pg_catalog' || schema === 'information_schema') return undefined;
    if (u.kind === 'function' && schema === undefined && UNLISTED_BUILTIN_FUNCTIONS.has(name))
      return undefined;
    const candidates =
      u.kind === 'function'
        ? functionCandidates(ctx.index, u.name).map((f) => ctx.judge.fn(f, depth))
        : operatorCandidates(ctx.index, u.name).map((o) => ctx.judge.operator(o, depth));
    if (candidates.length === 0 || candidates.some((f) => f.class !== 'read')) return undefined;
    for (const f of candidates) add.push(...f.reasons);
    drop.push(
      u.kind === 'function'
        ? judgeFunction(u.name, safe).reason
        : judgeOperator(u.name, safe).reason,
    );
  }
  return { add, drop };
}

/** The static "may write" reasons of unlisted calls the catalog has judged itself. */
function replaced(refs: CatalogRefs, ctx: Context): string[] {
  const safe = ctx.opts.safeFunctions ?? [];
  const out: string[] = [];
  for (const u of refs.unlisted) {
    if (u.kind === 'function' && functionCandidates(ctx.index, u.name).length > 0)
      out.push(judgeFunction(u.name, safe).reason);
    else if (u.kind === 'operator' && operatorCandidates(ctx.index, u.name).length > 0)
      out.push(judgeOperator(u.name, safe).reason);
  }
  return out;
}

function applyDelta(s: StatementInfo, d: Delta | null): StatementInfo {
  if (d === null) return s;
  const out: StatementInfo = {
    ...s,
    class: d.class,
    reasons: [...s.reasons.filter((r) => !d.drop.includes(r)), ...d.add],
    risk: riskFor(s, d.class),
  };
  if (d.lowered) out.flags = s.flags.filter((f) => f !== Flag.unsafeFunction);
  // What the catalog finds that writes is code a user object runs (a view's or CHECK's
  // calls, a cast's, operator's or function's code): flagged as a static unsafe call is.
  else if (CLASS_RANK[d.class] > CLASS_RANK[s.class] && !s.flags.includes(Flag.unsafeFunction))
    out.flags = [...s.flags, Flag.unsafeFunction];
  return out;
}

function riskFor(s: StatementInfo, cls: StatementClass): StatementInfo['risk'] {
  if (cls === s.class) return s.risk;
  if (cls === 'forbidden') return 'critical';
  if (cls === 'write') return s.risk === 'low' ? 'medium' : s.risk;
  return 'low';
}

function maxClass(a: StatementClass, b: StatementClass): StatementClass {
  return CLASS_RANK[a] >= CLASS_RANK[b] ? a : b;
}
