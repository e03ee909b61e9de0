// Facts about raw parse-tree nodes, shared by the walker and the rules.

/** Node types that only exist in analyzed or planned trees; in a raw tree they mean trouble. */
export const ANALYZER_ONLY: ReadonlySet<string> = words(`
  Var Param Aggref WindowFunc WindowFuncRunCondition SubscriptingRef FuncExpr OpExpr
  DistinctExpr NullIfExpr ScalarArrayOpExpr SubPlan AlternativeSubPlan FieldSelect FieldStore
  RelabelType CoerceViaIO ArrayCoerceExpr ConvertRowtypeExpr CollateExpr CaseTestExpr ArrayExpr
  RowCompareExpr CoerceToDomain CoerceToDomainValue NextValueExpr InferenceElem ReturningExpr
  TargetEntry RangeTblRef FromExpr OnConflictExpr Query RangeTblEntry RTEPermissionInfo
  RangeTblFunction TableSampleClause WithCheckOption SortGroupClause WindowClause RowMarkClause
  JsonConstructorExpr JsonExpr JsonTablePath JsonTablePathScan JsonTableSiblingJoin TableFunc
  PlaceHolderVar ParseResult ScanResult RawStmt ScanToken SetOperationStmt`);

export const DML: ReadonlySet<string> = words('InsertStmt UpdateStmt DeleteStmt MergeStmt');

/** A_Expr kinds whose name is an operator (a call of the operator's function). */
export const OPERATOR_EXPR_KINDS: ReadonlySet<string> = words(`
  AEXPR_OP AEXPR_OP_ANY AEXPR_OP_ALL AEXPR_DISTINCT AEXPR_NOT_DISTINCT AEXPR_NULLIF AEXPR_IN
  AEXPR_LIKE AEXPR_ILIKE AEXPR_SIMILAR`);

/** Fields of these statements whose RangeVars are written; everything else in them is read. */
export const WRITE_TARGET_FIELD: Readonly<Record<string, string>> = {
  InsertStmt: 'relation',
  UpdateStmt: 'relation',
  DeleteStmt: 'relation',
  MergeStmt: 'relation',
  SelectStmt: 'intoClause',
  CreateTableAsStmt: 'into',
  ViewStmt: 'view',
};

function words(text: string): ReadonlySet<string> {
  return new Set(text.split(/\s+/).filter(Boolean));
}

type Body = Record<string, unknown>;

export function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** ["pg_catalog", "lower"] from [{String: {sval: "pg_catalog"}}, {String: {sval: "lower"}}]. */
export function stringList(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((item) => str(((item as Body)?.String as Body | undefined)?.sval));
}

/** The value of a string (or numeric) constant, possibly under a cast; undefined otherwise. */
export function constString(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  if (isObject(v.TypeCast)) return constString(v.TypeCast.arg);
  const c = v.A_Const;
  if (!isObject(c)) return undefined;
  if (c.isnull) return undefined;
  if (isObject(c.sval)) return str(c.sval.sval);
  if (isObject(c.ival)) return String(c.ival.ival ?? 0);
  if (isObject(c.fval)) return str(c.fval.fval);
  if (isObject(c.boolval)) return c.boolval.boolval ? 'true' : 'false';
  return undefined;
}
