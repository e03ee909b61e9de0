// The classifier's output: what a statement can do, decided from the whole parse tree.
// Every other layer (policy, approval, GitHub) consumes these types and nothing else
// from the parser.

/** Ordered from least to most restrictive: the class of a string is its maximum member. */
export const StatementClass = {
  read: 'read',
  session: 'session',
  write: 'write',
  invalid: 'invalid',
  forbidden: 'forbidden',
} as const;
export type StatementClass = (typeof StatementClass)[keyof typeof StatementClass];

export const CLASS_RANK: Record<StatementClass, number> = {
  read: 0,
  session: 1,
  write: 2,
  invalid: 3,
  forbidden: 4,
};

export const Risk = { low: 'low', medium: 'medium', high: 'high', critical: 'critical' } as const;
export type Risk = (typeof Risk)[keyof typeof Risk];

export type Access = 'read' | 'write';

export interface RelationRef {
  /** Schema as written; unqualified: pg_catalog for a catalog table or view, else public (see `qualified`). */
  schema: string;
  name: string;
  /** Whether the statement named the schema explicitly. */
  qualified: boolean;
  access: Access;
}

/** Machine-readable facts a policy can match on. */
export const Flag = {
  noWhere: 'no_where', // UPDATE/DELETE without WHERE
  modifyingCte: 'modifying_cte', // INSERT/UPDATE/DELETE/MERGE inside WITH
  explainAnalyze: 'explain_analyze',
  lockingClause: 'locking_clause', // FOR UPDATE/SHARE/...
  selectInto: 'select_into',
  ddl: 'ddl',
  copyFromStdin: 'copy_from_stdin',
  copyToStdout: 'copy_to_stdout',
  unsafeFunction: 'unsafe_function', // a call outside the side-effect-free allowlist
  transactionControl: 'transaction_control',
  preparedUnknown: 'prepared_unknown', // EXECUTE / Bind of a name we never saw
  multiStatement: 'multi_statement',
  /** Not parsed: longer than the synchronous limit (see classifyAsync) or the hard cap. */
  oversized: 'oversized',
  /** The server reported a setting that makes it read SQL text differently from our parser. */
  parserMismatch: 'parser_mismatch',
  /** SET/RESET or set_config(): changes a run-time setting of the session. */
  settingChange: 'setting_change',
} as const;
export type Flag = (typeof Flag)[keyof typeof Flag];

export interface StatementInfo {
  /** The statement's own text, cut from the query at the parser's UTF-8 byte offsets. */
  sql: string;
  /** Byte offset and length of `sql` within the whole query string (UTF-8). */
  location: number;
  length: number;
  /** AST node name, e.g. 'DeleteStmt', 'SelectStmt'. */
  kind: string;
  class: StatementClass;
  relations: RelationRef[];
  /** Called functions, schema-qualified when written so, lower-cased as the parser folds them. */
  functions: string[];
  flags: Flag[];
  risk: Risk;
  reasons: string[];
  /** libpg-query fingerprint (hex), stable across literal values. */
  fingerprint: string;
  /**
   * For EXECUTE, FETCH/MOVE and protocol Executes resolved by a SessionClassifier: the
   * text of the prepared statement or cursor query that actually runs (for approvers).
   */
  resolvedSql?: string;
  /** What the statement does to per-session names; consumed by SessionClassifier. */
  effect?: SessionEffect;
  /** Names only the database's catalog can resolve (src/sql/catalog-judge.ts). */
  catalogRefs?: CatalogRefs;
}

/**
 * The names in a statement that may reach a user object: collected by the walker with the
 * static classification (they depend only on the text, so they are cached with it) and
 * resolved against a catalog snapshot by judgeWithCatalog().
 */
export interface CatalogRefs {
  /** Function calls, as written (['app', 'fn'] or ['fn']). */
  calls: string[][];
  /** Operator names, as written (['='] or ['app', '=']), including those BETWEEN and CASE imply. */
  operators: string[][];
  /** Type names of casts, typed literals and other type references (array types by element). */
  types: string[][];
  /** `q.f` column references and `(expr).f` selections: f may be a call f(q). */
  fields: { qualifier: string[]; field: string }[];
  /** FROM-list aliases: alias -> the relation name it stands for (as written). */
  aliases: { alias: string; relation: string[] }[];
  /**
   * The class the statement would have without the calls and operators the static rules
   * hold only for being off the allowlist (`unlisted`): what a catalog that proves those
   * calls read-only may lower it to.
   */
  withoutUnlisted: StatementClass;
  /** The calls and operators held only for being off the allowlist. */
  unlisted: { kind: 'function' | 'operator'; name: string[] }[];
}

/**
 * Session-level name effects (prepared statements, cursors) of one statement, computed
 * without session state so they can be cached with the classification.
 */
export type SessionEffect =
  /** PREPARE name AS inner: `statement` is the classification of the inner statement. */
  | { type: 'prepare'; name: string; statement: StatementInfo }
  /** EXECUTE name, or EXPLAIN [ANALYZE] EXECUTE name. */
  | { type: 'execute'; name: string; paramsClass: StatementClass }
  | { type: 'deallocate'; name: string | null }
  /** DECLARE name CURSOR FOR inner. */
  | { type: 'declare'; name: string; hold: boolean; statement: StatementInfo }
  /** FETCH / MOVE: runs more of the cursor's query. */
  | { type: 'fetch'; name: string }
  | { type: 'close'; name: string | null }
  | { type: 'discard'; all: boolean }
  /** COMMIT / ROLLBACK / PREPARE TRANSACTION: non-holdable cursors and portals end. */
  | { type: 'transaction_end' };

export interface ParseErrorInfo {
  message: string;
  /** 1-based character position in the query, as PostgreSQL reports it. */
  cursorPosition: number;
}

export interface Classification {
  class: StatementClass;
  statements: StatementInfo[];
  /** Set when class is 'invalid'. */
  error?: ParseErrorInfo;
}

/** Classifier options that policy may extend. */
export interface ClassifierOptions {
  /** Treat SELECT ... FOR UPDATE/SHARE as a write (default true). */
  lockingClauseIsWrite?: boolean;
  /** Extra side-effect-free functions: names ('myschema.fn' or 'fn') or whole schemas ('schema.*'). */
  safeFunctions?: string[];
  /** When true, BEGIN ... READ WRITE / SET transaction_read_only = off are forbidden. */
  forceReadOnly?: boolean;
}

/** Process-wide classifier tuning (see configureClassifier in classify.ts). */
export interface ClassifierConfig {
  /** Entries in the LRU cache of classifications (default 2000; 0 disables it). */
  cacheSize?: number;
  /** Texts longer than this (UTF-8 bytes) are not cached (default 64 KiB). */
  cacheMaxBytes?: number;
  /**
   * Texts longer than this are never parsed on the calling thread: classify() returns a
   * fail-closed 'write' (flag oversized) and classifyAsync() parses them in a worker
   * thread (default 64 KiB, about 30 ms of parsing).
   */
  syncMaxBytes?: number;
  /** Texts longer than this are not parsed at all, even in the worker (default 64 MiB). */
  hardMaxBytes?: number;
}
