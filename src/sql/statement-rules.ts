// Classifies one top-level statement: its family's rule sets the base class, then the
// facts from walking the whole tree can only raise it (a function that may write, a
// data-modifying CTE, a locking clause, an unknown node). Nothing is decided from the
// first keyword.
import { commandName } from './command-names.js';
import { relationsOfObjectNames } from './object-names.js';
import { riskOf } from './risk.js';
import { applySessionFamily, unknownPreparedReason } from './session-rules.js';
import { Family, familyOf } from './statement-kinds.js';
import { walkStatement, type WalkFacts } from './tree-walker.js';
import { Flag, type ClassifierOptions, type StatementClass, type StatementInfo } from './types.js';
import { Verdict } from './verdict.js';

export interface RuleContext {
  opts: ClassifierOptions;
  /** The statement's own text. */
  sql: string;
  /** Classifies a statement nested in this one (PREPARE, DECLARE) into a StatementInfo. */
  inner(node: unknown, sql: string): StatementInfo;
}

type Body = Record<string, unknown>;

/** LockStmt.mode for ACCESS SHARE (PostgreSQL's AccessShareLock; 0 is NoLock). */
const ACCESS_SHARE_LOCK = 1;

export function classifyNode(node: unknown, ctx: RuleContext): Verdict {
  const keys = typeof node === 'object' && node !== null ? Object.keys(node) : [];
  const kind = keys.length === 1 ? keys[0]! : 'Unknown';
  const body = ((node as Body | null)?.[kind] ?? {}) as Body;
  const v = new Verdict(kind);
  const facts = walkStatement(kind, body, {
    safeFunctions: ctx.opts.safeFunctions ?? [],
    topAccess: kind === 'SelectStmt' ? 'read' : 'write',
  });
  v.relations = facts.relations;
  v.functions = facts.functions;
  const family = familyOf(kind);
  let generic = true;
  if (family === undefined || family === Family.notTopLevel) {
    v.raise('write', `unknown statement type ${kind}: classed as a write (fail closed)`);
  } else {
    generic = applyFamily(family, kind, body, facts, v, ctx);
  }
  applyUnknown(v, facts);
  const beforeCalls = v.class;
  applyCalls(v, facts);
  if (generic) applyNested(v, facts, ctx.opts);
  v.catalogRefs = {
    ...facts.refs,
    withoutUnlisted: withoutUnlisted(v, facts, beforeCalls, generic ? ctx.opts : undefined),
  };
  if (v.reasons.length === 0)
    v.reason(describeReads(v, body.valuesLists ? 'VALUES' : commandName(kind)));
  v.risk = riskOf(v, body);
  return v;
}

/** Returns false when the rule already accounted for nested statements itself. */
function applyFamily(
  family: Family,
  kind: string,
  b: Body,
  facts: WalkFacts,
  v: Verdict,
  ctx: RuleContext,
): boolean {
  switch (family) {
    case Family.select:
      // "reads no table" only if nothing more telling is said (see classifyNode).
      if (v.relations.length > 0) v.reason(describeReads(v, b.valuesLists ? 'VALUES' : 'SELECT'));
      return true;
    case Family.show:
      v.reason('SHOW reads a setting');
      return true;
    case Family.explain:
      return explain(b, v, facts, ctx);
    case Family.dml:
      dml(kind, b, facts, v);
      return true;
    case Family.copy:
      copy(b, v);
      return true;
    case Family.forbidden:
      v.raise(
        'forbidden',
        kind === 'LoadStmt'
          ? 'LOAD loads a shared library into the server'
          : 'ALTER SYSTEM changes the server configuration',
      );
      return true;
    case Family.ddl:
    case Family.alterSetting:
    case Family.createTableAs:
      ddl(kind, b, v, ctx);
      return true;
    case Family.truncate:
      v.raise('write', `TRUNCATE removes every row of ${targets(v) || 'the tables'}`);
      return true;
    case Family.maintenance:
      if (kind === 'LockStmt' && b.mode === ACCESS_SHARE_LOCK) {
        // The lock every SELECT takes on what it reads; PostgreSQL allows it in a
        // read-only transaction. pg_dump takes it on every table it dumps.
        v.relations = v.relations.map((r) => ({ ...r, access: 'read' as const }));
        dedupeRelations(v);
        v.reason(
          `LOCK ... IN ACCESS SHARE MODE only blocks ${readTargets(v)} from being altered or dropped, as a SELECT does`,
        );
        return true;
      }
      v.raise('write', maintenanceReason(kind, b));
      return true;
    case Family.code:
      v.raise(
        'write',
        kind === 'DoStmt'
          ? 'DO runs procedural code, which may write'
          : 'CALL runs a procedure, which may write',
      );
      return true;
    case Family.notify:
      v.raise('write', 'NOTIFY sends a notification to other sessions');
      return true;
    case Family.set:
    case Family.transaction:
    case Family.prepare:
    case Family.execute:
    case Family.deallocate:
    case Family.declare:
    case Family.fetch:
    case Family.close:
    case Family.discard:
    case Family.listen:
    case Family.constraints:
      return applySessionFamily(family, b, facts, v, ctx);
    case Family.notTopLevel:
      return true;
  }
}

function explain(b: Body, v: Verdict, facts: WalkFacts, ctx: RuleContext): boolean {
  const inner = classifyNode(b.query, ctx);
  if (inner.effect?.type === 'execute') v.effect = inner.effect;
  if (explainAnalyze(b.options)) {
    v.flag(Flag.explainAnalyze);
    for (const f of inner.flags) v.flag(f);
    v.raise(inner.class, `EXPLAIN ANALYZE runs the ${inner.kind}`);
    for (const r of inner.reasons) v.raise(inner.class, r);
    v.relations = inner.relations;
    return false;
  }
  // Plain EXPLAIN only plans; planning can still run functions (constant folding), so
  // calls keep their weight through applyCalls, but the statement's own writes do not.
  v.reason(`EXPLAIN only plans the ${inner.kind}`);
  if (inner.effect?.type === 'execute') v.raise('write', unknownPreparedReason(inner.effect.name));
  v.relations = facts.relations.map((r) => ({ ...r, access: 'read' as const }));
  dedupeRelations(v);
  return false;
}

/** EXPLAIN ANALYZE, EXPLAIN (ANALYZE), (ANALYZE true|on|1); anything unreadable counts as ANALYZE. */
function explainAnalyze(options: unknown): boolean {
  if (!Array.isArray(options)) return false;
  for (const o of options) {
    const d = (o as Body).DefElem as Body | undefined;
    if (!d || d.defname !== 'analyze') continue;
    if (d.arg === undefined) return true;
    const arg = d.arg as Body;
    const s = (arg.String as Body | undefined)?.sval;
    const i = (arg.Integer as Body | undefined)?.ival;
    if (typeof s === 'string') {
      const t = s.toLowerCase();
      if (['false', 'off', 'no', '0'].includes(t)) continue;
      return true;
    }
    if (arg.Integer !== undefined) {
      if ((i ?? 0) === 0) continue;
      return true;
    }
    return true;
  }
  return false;
}

const DML_VERB: Readonly<Record<string, string>> = {
  InsertStmt: 'INSERT into',
  UpdateStmt: 'UPDATE of',
  DeleteStmt: 'DELETE from',
  MergeStmt: 'MERGE into',
};

function dml(kind: string, b: Body, facts: WalkFacts, v: Verdict): void {
  const top = facts.dml.find((d) => !d.nested);
  v.raise('write', `${DML_VERB[kind] ?? kind} ${targets(v) || 'a table'}`);
  if (top?.noWhere) {
    v.flag(Flag.noWhere);
    v.reason(`${kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE'} without WHERE touches every row`);
  }
  if (kind === 'InsertStmt' && b.onConflictClause)
    v.reason('INSERT ... ON CONFLICT may update existing rows');
}

function copy(b: Body, v: Verdict): void {
  if (b.is_program) {
    v.raise('forbidden', 'COPY ... PROGRAM runs a shell command on the database server');
  } else if (typeof b.filename === 'string') {
    v.raise(
      'forbidden',
      `COPY ${b.is_from ? 'FROM' : 'TO'} a file reads or writes files on the database server`,
    );
  } else if (b.is_from) {
    v.flag(Flag.copyFromStdin);
    v.raise('write', `COPY ... FROM STDIN loads rows into ${targets(v) || 'a table'}`);
  } else {
    v.flag(Flag.copyToStdout);
    v.reason(describeReads(v, 'COPY ... TO STDOUT'));
  }
}

function ddl(kind: string, b: Body, v: Verdict, ctx: RuleContext): void {
  v.flag(Flag.ddl);
  for (const r of relationsOfObjectNames(kind, b)) {
    if (
      !v.relations.some((x) => x.schema === r.schema && x.name === r.name && x.access === r.access)
    )
      v.relations.push(r);
  }
  const what = targets(v);
  v.raise(
    'write',
    `${commandName(kind)} changes the database schema or privileges${what ? ` (${what})` : ''}`,
  );
  if (kind === 'AlterRoleSetStmt' || kind === 'AlterDatabaseSetStmt') {
    const set = b.setstmt as Body | undefined;
    if (set) {
      const s = classifyNode({ VariableSetStmt: set }, { ...ctx, sql: ctx.sql });
      if (s.class === 'forbidden') for (const r of s.reasons) v.raise('forbidden', r);
    }
  }
}

function maintenanceReason(kind: string, b: Body): string {
  switch (kind) {
    case 'VacuumStmt':
      return b.is_vacuumcmd ? 'VACUUM rewrites table storage' : 'ANALYZE writes planner statistics';
    case 'ClusterStmt':
      return 'CLUSTER rewrites a table';
    case 'ReindexStmt':
      return 'REINDEX rebuilds indexes';
    case 'RefreshMatViewStmt':
      return 'REFRESH MATERIALIZED VIEW rewrites a materialized view';
    case 'LockStmt':
      return 'LOCK takes table locks that block other sessions';
    default:
      return 'CHECKPOINT forces a checkpoint';
  }
}

function applyUnknown(v: Verdict, facts: WalkFacts): void {
  if (facts.unknown.length === 0) return;
  const list = [...new Set(facts.unknown)].slice(0, 5).join(', ');
  v.raise(
    'write',
    `parse tree has parts Sluice does not know (${list}): classed as a write (fail closed)`,
  );
}

function applyCalls(v: Verdict, facts: WalkFacts): void {
  if (facts.settingChange) v.flag(Flag.settingChange);
  if (facts.unsafeCall) v.flag(Flag.unsafeFunction);
  for (const r of facts.callReasons) v.raise(facts.callClass, r);
  if (facts.callClass !== 'read') v.raise(facts.callClass, '');
}

/**
 * The class the statement would have if the calls held only for being off the allowlist
 * were known to read: the rest of the rules applied to a scratch verdict.
 */
function withoutUnlisted(
  v: Verdict,
  facts: WalkFacts,
  beforeCalls: StatementClass,
  nestedOpts: ClassifierOptions | undefined,
): StatementClass {
  if (facts.refs.unlisted.length === 0) return v.class;
  const scratch = new Verdict(v.kind);
  scratch.raise(beforeCalls, '');
  scratch.raise(facts.listedCallClass, '');
  if (nestedOpts) applyNested(scratch, facts, nestedOpts);
  return scratch.class;
}

function applyNested(v: Verdict, facts: WalkFacts, opts: ClassifierOptions): void {
  for (const d of facts.dml) {
    if (!d.nested) continue;
    v.raise('write', `contains a data-modifying ${d.kind.replace(/Stmt$/, '').toUpperCase()}`);
    if (d.inCte) v.flag(Flag.modifyingCte);
    if (d.noWhere) v.flag(Flag.noWhere);
  }
  const others = [...new Set(facts.nestedStatements)];
  if (others.length > 0 && v.class !== 'forbidden')
    v.raise('write', `contains ${others.join(', ')}`);
  if (facts.selectInto) {
    v.flag(Flag.selectInto);
    v.raise('write', 'SELECT INTO creates a table');
  }
  if (facts.locking) {
    v.flag(Flag.lockingClause);
    if (opts.lockingClauseIsWrite === false)
      v.reason('FOR UPDATE/SHARE locks rows (policy treats locking as a read)');
    else v.raise('write', 'FOR UPDATE/SHARE locks rows, which blocks writers');
  }
}

function targets(v: Verdict): string {
  return v.relations
    .filter((r) => r.access === 'write')
    .map((r) => `${r.schema}.${r.name}`)
    .join(', ');
}

function readTargets(v: Verdict): string {
  return v.relations.map((r) => `${r.schema}.${r.name}`).join(', ') || 'the tables';
}

function describeReads(v: Verdict, what: string): string {
  const reads = v.relations.filter((r) => r.access === 'read').map((r) => `${r.schema}.${r.name}`);
  return reads.length > 0 ? `${what} reads ${reads.join(', ')}` : `${what} reads no table`;
}

function dedupeRelations(v: Verdict): void {
  const seen = new Set<string>();
  v.relations = v.relations.filter((r) => {
    const k = `${r.schema}\u0000${r.name}\u0000${r.access}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
