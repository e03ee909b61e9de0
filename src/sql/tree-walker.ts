// Walks every field of every node of a raw parse tree (iteratively: a hostile query can
// nest deeper than the JavaScript stack) and collects what the statement rules need:
// relations and their access, function and operator calls, nested data-modifying
// statements, locking clauses, SELECT INTO, and anything the walker does not know.
// Unknown node types and unknown fields are collected, never skipped: the rules turn
// them into a write (fail closed), so a libpg-query upgrade cannot open a hole.
import {
  functionDisplayName,
  judgeFunction,
  judgeOperator,
  type FunctionVerdict,
} from './function-rules.js';
import { CATALOG_RELATIONS } from './catalog-relations.js';
import { nodeFields, type FieldKind } from './node-schema.js';
import { pinnedSetConfigCalls } from './pinned-setting.js';
import { judgeSetting, splitListSetting, type SettingValue } from './setting-rules.js';
import {
  ANALYZER_ONLY,
  DML,
  OPERATOR_EXPR_KINDS,
  WRITE_TARGET_FIELD,
  isObject,
  str,
  stringList,
  constString,
} from './tree-nodes.js';
import {
  CLASS_RANK,
  type Access,
  type CatalogRefs,
  type RelationRef,
  type StatementClass,
} from './types.js';

export { constString, stringList };

export interface DmlFact {
  kind: string;
  /** Below the top-level statement (in a CTE, a rule action, COPY (...), PREPARE...). */
  nested: boolean;
  inCte: boolean;
  /** UPDATE/DELETE without WHERE (WHERE CURRENT OF counts as a WHERE). */
  noWhere: boolean;
}

export interface WalkFacts {
  relations: RelationRef[];
  functions: string[];
  /** Most restrictive class implied by calls (functions, operators, set_config). */
  callClass: StatementClass;
  /** A call judged write (not allowlisted / known writer): flag unsafe_function. */
  unsafeCall: boolean;
  settingChange: boolean;
  callReasons: string[];
  dml: DmlFact[];
  /** Statement node kinds found below the top, other than DML and SELECT. */
  nestedStatements: string[];
  locking: boolean;
  selectInto: boolean;
  unknown: string[];
  /** Names a catalog snapshot can resolve (withoutUnlisted is filled in by the rules). */
  refs: Omit<CatalogRefs, 'withoutUnlisted'>;
  /** Most restrictive class implied by calls other than the `unlisted` ones. */
  listedCallClass: StatementClass;
}

interface Frame {
  type: string;
  body: unknown;
  access: Access;
  depth: number;
  inCte: boolean;
  /** A RangeVar naming the relation a CREATE makes: it goes to the creation schema. */
  creates?: boolean;
}

/** Fields whose RangeVar names a relation being created, never an existing one. */
const CREATION_TARGETS: ReadonlySet<string> = new Set([
  'CreateStmt.relation',
  'IntoClause.rel',
  'ViewStmt.view',
  'CreateSeqStmt.sequence',
  'CompositeTypeStmt.typevar',
]);

type Body = Record<string, unknown>;

export function walkStatement(
  kind: string,
  body: unknown,
  opts: { safeFunctions?: readonly string[]; topAccess: Access },
): WalkFacts {
  const facts: WalkFacts = {
    relations: [],
    functions: [],
    callClass: 'read',
    unsafeCall: false,
    settingChange: false,
    callReasons: [],
    dml: [],
    nestedStatements: [],
    locking: false,
    selectInto: false,
    unknown: [],
    refs: { calls: [], operators: [], types: [], fields: [], aliases: [], unlisted: [] },
    listedCallClass: 'read',
  };
  const refs = facts.refs;
  /** Dedupes refs by kind and name (a long IN list repeats its operator). */
  const refKeys = new Set<string>();
  const addRef = (list: string[][], tag: string, parts: string[]): void => {
    const key = `${tag}\u0000${parts.join('\u0000')}`;
    if (refKeys.has(key)) return;
    refKeys.add(key);
    list.push(parts);
  };
  const relationKeys = new Set<string>();
  const cteNames = new Set<string>();
  /** set_config() calls whose setting name a WHERE clause pins (pinned-setting.ts). */
  let pinned: Map<object, string> | undefined;
  const safe = opts.safeFunctions ?? [];
  const stack: Frame[] = [{ type: kind, body, access: opts.topAccess, depth: 0, inCte: false }];

  const noteCall = (
    display: string,
    verdict: FunctionVerdict,
    ref?: { kind: 'function' | 'operator'; name: string[] },
  ): void => {
    if (!facts.functions.includes(display)) facts.functions.push(display);
    if (verdict.class === 'read') return;
    if (ref && verdict.unlisted) {
      if (!refs.unlisted.some((u) => u.kind === ref.kind && sameParts(u.name, ref.name)))
        refs.unlisted.push(ref);
    } else if (CLASS_RANK[verdict.class] > CLASS_RANK[facts.listedCallClass]) {
      facts.listedCallClass = verdict.class;
    }
    if (CLASS_RANK[verdict.class] > CLASS_RANK[facts.callClass]) facts.callClass = verdict.class;
    if (verdict.class === 'write') facts.unsafeCall = true;
    if (!facts.callReasons.includes(verdict.reason)) facts.callReasons.push(verdict.reason);
  };

  while (stack.length > 0) {
    const frame = stack.pop()!;
    const fields = nodeFields(frame.type);
    if (!fields || ANALYZER_ONLY.has(frame.type) || !isObject(frame.body)) {
      facts.unknown.push(frame.type);
      continue;
    }
    const b = frame.body;
    const isStatement = frame.type.endsWith('Stmt');
    if (isStatement && frame.depth > 0) {
      if (DML.has(frame.type)) {
        facts.dml.push({
          kind: frame.type,
          nested: true,
          inCte: frame.inCte,
          noWhere: noWhere(frame.type, b),
        });
      } else if (frame.type !== 'SelectStmt') {
        facts.nestedStatements.push(frame.type);
      }
    } else if (isStatement && DML.has(frame.type)) {
      facts.dml.push({
        kind: frame.type,
        nested: false,
        inCte: false,
        noWhere: noWhere(frame.type, b),
      });
    }
    visitSpecial(frame, b);
    const target = WRITE_TARGET_FIELD[frame.type];
    const childDepth = isStatement ? frame.depth + 1 : frame.depth;
    // Pushed last-first so that the stack visits fields in source order.
    const entries = Object.entries(b);
    for (let k = entries.length - 1; k >= 0; k--) {
      const [field, value] = entries[k]!;
      const fk = fields.get(field);
      if (!fk) {
        if (typeof value === 'object' && value !== null)
          facts.unknown.push(`${frame.type}.${field}`);
        continue;
      }
      let access: Access = frame.access;
      if (target !== undefined) access = field === target ? 'write' : 'read';
      else if (frame.type === 'CopyStmt' && field === 'relation')
        access = b.is_from ? 'write' : 'read';
      else if (frame.type === 'CopyStmt') access = 'read';
      const inCte = frame.inCte || frame.type === 'CommonTableExpr';
      const creates = CREATION_TARGETS.has(`${frame.type}.${field}`);
      pushField(
        stack,
        fk,
        value,
        { access, depth: childDepth, inCte, ...(creates ? { creates } : {}) },
        facts,
        `${frame.type}.${field}`,
      );
    }
  }
  return facts;

  function visitSpecial(frame: Frame, b: Body): void {
    switch (frame.type) {
      case 'RangeVar': {
        const name = str(b.relname);
        const schemaName = str(b.schemaname);
        if (frame.access === 'read' && !schemaName && cteNames.has(name)) return;
        const schema =
          schemaName ||
          (b.relpersistence === 't'
            ? 'pg_temp'
            : !frame.creates && CATALOG_RELATIONS.has(name)
              ? 'pg_catalog'
              : 'public');
        const alias = str((b.alias as Body | undefined)?.aliasname);
        if (alias) refs.aliases.push({ alias, relation: schemaName ? [schemaName, name] : [name] });
        const key = `${schema}\u0000${name}\u0000${frame.access}`;
        if (!relationKeys.has(key)) {
          relationKeys.add(key);
          facts.relations.push({
            schema,
            name,
            qualified: Boolean(schemaName),
            access: frame.access,
          });
        }
        return;
      }
      case 'SelectStmt':
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'MergeStmt': {
        // CTE names are known before the FROM clause that uses them is visited.
        const ctes = (b.withClause as Body | undefined)?.ctes;
        if (Array.isArray(ctes)) {
          for (const c of ctes) {
            const cte = (c as Body).CommonTableExpr as Body | undefined;
            if (cte && typeof cte.ctename === 'string') cteNames.add(cte.ctename);
          }
        }
        if (frame.type === 'SelectStmt') {
          if (frame.depth === 0 && kind === 'SelectStmt') pinned = pinnedSetConfigCalls(b);
          if (b.intoClause) facts.selectInto = true;
          if (Array.isArray(b.lockingClause) && b.lockingClause.length > 0) facts.locking = true;
        }
        return;
      }
      case 'FuncCall': {
        const parts = stringList(b.funcname);
        const verdict = judgeFunction(parts, safe);
        const display = functionDisplayName(parts);
        addRef(refs.calls, 'f', parts);
        if (verdict.setConfig) {
          facts.settingChange = true;
          noteCall(display, setConfigVerdict(b.args, pinned?.get(b)));
        } else noteCall(display, verdict, { kind: 'function', name: parts });
        return;
      }
      case 'A_Expr': {
        const exprKind = str(b.kind);
        if (OPERATOR_EXPR_KINDS.has(exprKind)) noteOperator(stringList(b.name));
        else if (exprKind.startsWith('AEXPR_BETWEEN') || exprKind.startsWith('AEXPR_NOT_BETWEEN')) {
          // BETWEEN is rewritten to >= and <= (and their negations): user operators may run.
          for (const op of ['>=', '<=', '<', '>']) addRef(refs.operators, 'o', [op]);
        }
        return;
      }
      case 'CaseExpr': {
        // CASE x WHEN y compares with the = operator of x's type.
        if (b.arg !== undefined) addRef(refs.operators, 'o', ['=']);
        return;
      }
      case 'SubLink': {
        // x op ANY (SELECT ...): the operator is a call like any other.
        if (Array.isArray(b.operName) && b.operName.length > 0)
          noteOperator(stringList(b.operName));
        return;
      }
      case 'TypeName': {
        const names = stringList(b.names);
        if (names.length > 0) addRef(refs.types, 't', names);
        return;
      }
      case 'ColumnRef': {
        const fields = Array.isArray(b.fields) ? b.fields : [];
        if (fields.length < 2) return;
        const last = ((fields[fields.length - 1] as Body)?.String as Body | undefined)?.sval;
        if (typeof last !== 'string') return;
        refs.fields.push({ qualifier: stringList(fields.slice(0, -1)), field: last });
        return;
      }
      case 'A_Indirection': {
        if (!Array.isArray(b.indirection)) return;
        for (const i of b.indirection) {
          const field = ((i as Body)?.String as Body | undefined)?.sval;
          if (typeof field === 'string') refs.fields.push({ qualifier: [], field });
        }
        return;
      }
      case 'SortBy': {
        if (Array.isArray(b.useOp)) noteOperator(stringList(b.useOp));
        return;
      }
      case 'RangeTableSample': {
        const parts = stringList(b.method);
        noteCall(`tablesample ${functionDisplayName(parts)}`, judgeFunction(parts, safe));
        return;
      }
      default:
        return;
    }
  }

  function noteOperator(parts: string[]): void {
    addRef(refs.operators, 'o', parts);
    const verdict = judgeOperator(parts, safe);
    if (verdict.class !== 'read')
      noteCall(`operator(${parts.join('.')})`, verdict, { kind: 'operator', name: parts });
  }

  function setConfigVerdict(args: unknown, pinnedName: string | undefined): FunctionVerdict {
    const list = Array.isArray(args) ? args : [];
    const name = constString(list[0]) ?? pinnedName;
    const value = constString(list[1]);
    if (name === undefined) {
      return {
        class: 'forbidden',
        reason: 'set_config() with a setting name Sluice cannot see (it could be role)',
      };
    }
    const lower = name.toLowerCase();
    const v: SettingValue =
      value === undefined
        ? { kind: 'unknown' }
        : { kind: 'values', values: lower === 'search_path' ? splitListSetting(value) : [value] };
    const s = judgeSetting(name, v);
    return { class: s.class, reason: `set_config('${name}', ...): ${s.reason}` };
  }
}

function pushField(
  stack: Frame[],
  fk: FieldKind,
  value: unknown,
  ctx: { access: Access; depth: number; inCte: boolean; creates?: boolean },
  facts: WalkFacts,
  where: string,
): void {
  switch (fk.kind) {
    case 'scalar':
      return;
    case 'node':
      pushWrapped(stack, value, ctx, facts, where);
      return;
    case 'nodes':
      if (!Array.isArray(value)) {
        facts.unknown.push(where);
        return;
      }
      for (let i = value.length - 1; i >= 0; i--) pushWrapped(stack, value[i], ctx, facts, where);
      return;
    case 'struct':
      stack.push({ type: fk.type, body: value, ...ctx });
      return;
    case 'structs':
      if (!Array.isArray(value)) {
        facts.unknown.push(where);
        return;
      }
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ type: fk.type, body: value[i], ...ctx });
      return;
  }
}

function pushWrapped(
  stack: Frame[],
  value: unknown,
  ctx: { access: Access; depth: number; inCte: boolean; creates?: boolean },
  facts: WalkFacts,
  where: string,
): void {
  if (!isObject(value)) {
    facts.unknown.push(where);
    return;
  }
  const keys = Object.keys(value);
  // A NIL inside a node list (RangeFunction's missing column definitions) is {}.
  if (keys.length === 0) return;
  if (keys.length !== 1) {
    facts.unknown.push(`${where}{${keys.join(',')}}`);
    return;
  }
  const type = keys[0]!;
  stack.push({ type, body: value[type], ...ctx });
}

function sameParts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function noWhere(kind: string, b: Body): boolean {
  return (kind === 'UpdateStmt' || kind === 'DeleteStmt') && !b.whereClause;
}
