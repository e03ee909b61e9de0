// What Sluice knows of one upstream database's own objects: read on a side connection
// (src/catalog/catalog-loader.ts) and consulted by the classifier (src/sql/catalog-judge.ts)
// so that a view, a user type, cast, operator or function cannot hide a write behind a
// statement that reads. Only user objects (OID >= FIRST_NORMAL_OBJECT_ID) are kept: the
// built-ins are what the static rules already know.

/** PostgreSQL's FirstNormalObjectId: OIDs below it belong to initdb's objects. */
export const FIRST_NORMAL_OBJECT_ID = 16384;

/** pg_class.relkind, spelled out. */
export const RelationKind = {
  table: 'table', // r
  partitioned: 'partitioned', // p
  view: 'view', // v
  materializedView: 'materialized_view', // m
  foreign: 'foreign', // f
  sequence: 'sequence', // S
  composite: 'composite', // c
  other: 'other', // i, I, t: never named in a FROM list
} as const;
export type RelationKind = (typeof RelationKind)[keyof typeof RelationKind];

export interface CatalogRelation {
  oid: number;
  schema: string;
  name: string;
  kind: RelationKind;
  /** Column names, dropped columns left out. */
  columns: string[];
  /** pg_get_viewdef for a view or materialized view. */
  viewDefinition?: string;
  /** Rules other than a view's own _RETURN rule (pg_get_ruledef), with their event. */
  rules: { name: string; event: 'select' | 'insert' | 'update' | 'delete'; definition: string }[];
  /** Row-level security: relrowsecurity, and each policy's USING / WITH CHECK text. */
  rowSecurity: boolean;
  policies: { name: string; command: string; using?: string; check?: string }[];
  /** relhastriggers: a trigger can only fire on a write, recorded for approvers. */
  hasTriggers: boolean;
}

export const TypeKind = {
  enum: 'enum',
  domain: 'domain',
  composite: 'composite',
  base: 'base',
  range: 'range',
  multirange: 'multirange',
  pseudo: 'pseudo',
} as const;
export type TypeKind = (typeof TypeKind)[keyof typeof TypeKind];

export interface CatalogType {
  oid: number;
  schema: string;
  name: string;
  kind: TypeKind;
  /** A domain's base type, schema-qualified (e.g. 'pg_catalog.int4'). */
  baseType?: string;
  /** A domain's CHECK expressions (pg_get_constraintdef without the CHECK keyword). */
  checks: string[];
  /** Base and range types: their I/O functions' OIDs (typinput, typreceive, …). */
  ioFunctions: number[];
  /** Composite types: their attributes' types, 'schema.name' (absent: unknown, judged strictly). */
  attributeTypes?: string[];
  /** Range types: the subtype (pg_range.rngsubtype); multiranges: their range type. */
  subtype?: string;
}

export interface CatalogFunction {
  oid: number;
  schema: string;
  name: string;
  /** prokind: function, procedure, aggregate, window. */
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  /** pg_language.lanname: 'sql', 'plpgsql', 'c', 'internal', … */
  language: string;
  /** prosrc (for SQL functions also prosqlbody decompiled when present). */
  body: string;
  volatility: 'immutable' | 'stable' | 'volatile';
  securityDefiner: boolean;
  owner: string;
  /** Declared input arguments (proargtypes), with how many have defaults. */
  argTypes: string[];
  defaults: number;
  variadic: boolean;
  /**
   * The result type, 'schema.name' (prorettype): a SQL function's result is coerced to it,
   * so a domain's CHECK runs. Absent: judged strictly.
   */
  returnType?: string;
  /**
   * The argument defaults as text (pg_get_expr(proargdefaults, 0)): evaluated on each call
   * that omits them. Absent while `defaults` > 0: judged strictly.
   */
  argDefaults?: string;
}

export interface CatalogOperator {
  oid: number;
  schema: string;
  /** The symbol, e.g. '=' or '@@'. */
  name: string;
  left?: string;
  right?: string;
  /** oprcode: the function the operator runs. */
  functionOid: number;
}

export interface CatalogCast {
  source: string;
  target: string;
  /** castfunc; absent for binary-coercible and I/O casts. */
  functionOid?: number;
  method: 'function' | 'inout' | 'binary';
  /**
   * pg_cast.castcontext: an implicit cast runs where no cast is written; an assignment
   * cast only on INSERT/UPDATE (writes anyway). Absent: judged as implicit (strict).
   */
  context?: 'implicit' | 'assignment' | 'explicit';
}

export interface CatalogSnapshot {
  database: string;
  /** Changes whenever the catalog's user objects change (see the loader's change check). */
  fingerprint: string;
  loadedAt: number;
  /** The search_path the snapshot's session resolved (current_schemas(true)), in order. */
  searchPath: string[];
  /** Keyed 'schema.name', lower-case as stored. */
  relations: ReadonlyMap<string, CatalogRelation>;
  types: ReadonlyMap<string, CatalogType>;
  /** Keyed by name alone: every schema's overloads, so unqualified calls see all candidates. */
  functionsByName: ReadonlyMap<string, readonly CatalogFunction[]>;
  functionsByOid: ReadonlyMap<number, CatalogFunction>;
  /** Keyed by symbol. */
  operators: ReadonlyMap<string, readonly CatalogOperator[]>;
  /** Casts that involve a user type or run a user function. */
  casts: readonly CatalogCast[];
  /**
   * The database has more user objects than the memory bound allows: the snapshot is
   * partial and cannot vouch that a name is absent, so its users must stay static-strict.
   */
  truncated: boolean;
}
