// pg_dump turns a setting on only where the server has it:
//   SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings
//   WHERE name = 'restrict_nonsystem_relation_kind'
// The first argument is a column, but the WHERE clause pins it: every row that reaches
// set_config() has that name. Such a call is judged as set_config('<literal>', ...).
// Only this exact shape is read: a top-level SELECT with no WITH, no set operation and
// pg_settings (pg_catalog's, or unqualified) as its only FROM item, an AND chain of
// conjuncts with `name = '<literal>'` among them, and set_config(name, ...) directly in
// the target list. Anything else keeps the name unpinned (and refused).
import { constString, isObject, str, stringList } from './tree-nodes.js';

type Body = Record<string, unknown>;

/** A plain setting name: no spaces or accents an unusual comparison could fold away. */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** The set_config FuncCall bodies of a top-level SELECT whose name the WHERE clause pins. */
export function pinnedSetConfigCalls(select: Body): Map<object, string> {
  const out = new Map<object, string>();
  if (select.withClause || select.larg || select.rarg || select.intoClause) return out;
  const from = select.fromClause;
  if (!Array.isArray(from) || from.length !== 1) return out;
  const rv = (from[0] as Body).RangeVar;
  if (!isObject(rv) || rv.relname !== 'pg_settings' || rv.catalogname) return out;
  if (rv.schemaname !== undefined && rv.schemaname !== 'pg_catalog') return out;
  const alias = str((rv.alias as Body | undefined)?.aliasname) || 'pg_settings';
  const name = pinnedName(select.whereClause, alias);
  if (name === undefined) return out;
  for (const t of Array.isArray(select.targetList) ? select.targetList : []) {
    const call = ((t as Body).ResTarget as Body | undefined)?.val as Body | undefined;
    const f = call?.FuncCall;
    if (!isObject(f)) continue;
    const fn = stringList(f.funcname);
    const isSetConfig =
      (fn.length === 1 && fn[0] === 'set_config') ||
      (fn.length === 2 && fn[0] === 'pg_catalog' && fn[1] === 'set_config');
    const args = Array.isArray(f.args) ? f.args : [];
    if (isSetConfig && isNameColumn(args[0], alias)) out.set(f, name);
  }
  return out;
}

/** The literal every `name = '<literal>'` conjunct agrees on, if there is one. */
function pinnedName(where: unknown, alias: string): string | undefined {
  let found: string | undefined;
  for (const c of conjuncts(where)) {
    const e = (c as Body).A_Expr;
    if (!isObject(e) || e.kind !== 'AEXPR_OP') continue;
    const op = stringList(e.name);
    if (!(op.length === 1 || (op.length === 2 && op[0] === 'pg_catalog')) || op.at(-1) !== '=')
      continue;
    const literal = isNameColumn(e.lexpr, alias)
      ? textLiteral(e.rexpr)
      : isNameColumn(e.rexpr, alias)
        ? textLiteral(e.lexpr)
        : undefined;
    if (literal === undefined) continue;
    if (found !== undefined && found !== literal) return undefined;
    found = literal;
  }
  return found !== undefined && PLAIN_NAME.test(found) ? found : undefined;
}

function conjuncts(node: unknown): unknown[] {
  const b = isObject(node) ? node.BoolExpr : undefined;
  if (isObject(b) && b.boolop === 'AND_EXPR' && Array.isArray(b.args))
    return b.args.flatMap(conjuncts);
  return node === undefined ? [] : [node];
}

/** A string constant, not a number or other type a cast would have to convert. */
function textLiteral(node: unknown): string | undefined {
  const c = isObject(node) ? node.A_Const : undefined;
  return isObject(c) && isObject(c.sval) ? constString(node) : undefined;
}

function isNameColumn(node: unknown, alias: string): boolean {
  const ref = isObject(node) ? node.ColumnRef : undefined;
  if (!isObject(ref)) return false;
  const f = stringList(ref.fields);
  if (!Array.isArray(ref.fields) || f.length !== ref.fields.length) return false;
  return (
    (f.length === 1 && f[0] === 'name') || (f.length === 2 && f[0] === alias && f[1] === 'name')
  );
}
