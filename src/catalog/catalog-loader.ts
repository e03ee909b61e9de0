// Reads one database's user objects into a CatalogSnapshot, in one REPEATABLE READ
// read-only transaction so that every part (and the fingerprint) is the same moment of
// the catalog. Memory is bounded: past `maxObjects` rows of one kind, a text longer than
// `maxTextBytes` or `maxTotalBytes` in all, the snapshot is marked truncated and its
// users stay static-strict (it cannot vouch that a name is absent or a body harmless).
import pg from 'pg';
import {
  RelationKind,
  TypeKind,
  type CatalogCast,
  type CatalogFunction,
  type CatalogOperator,
  type CatalogRelation,
  type CatalogSnapshot,
  type CatalogType,
} from './catalog-types.js';
import {
  CASTS_SQL,
  FINGERPRINT_SQL,
  FUNCTIONS_SQL,
  OPERATORS_SQL,
  POLICIES_SQL,
  RELATIONS_SQL,
  RULES_SQL,
  SEARCH_PATH_SQL,
  TYPES_SQL,
} from './catalog-queries.js';

export interface CatalogLimits {
  /** Rows of one kind (relations, functions, …) kept (default 50,000). */
  maxObjects?: number;
  /** Longest single text (a view, body or policy) kept, in bytes (default 1 MiB). */
  maxTextBytes?: number;
  /** All texts together, in bytes (default 64 MiB). */
  maxTotalBytes?: number;
}

/** A connected client (left open) or a connection URL (connected and closed here). */
export type CatalogSource = pg.Client | string;

type Row = Record<string, unknown>;

const RELKIND: Record<string, RelationKind> = {
  r: RelationKind.table,
  p: RelationKind.partitioned,
  v: RelationKind.view,
  m: RelationKind.materializedView,
  f: RelationKind.foreign,
  S: RelationKind.sequence,
  c: RelationKind.composite,
};
const TYPTYPE: Record<string, TypeKind> = {
  e: TypeKind.enum,
  d: TypeKind.domain,
  c: TypeKind.composite,
  b: TypeKind.base,
  r: TypeKind.range,
  m: TypeKind.multirange,
  p: TypeKind.pseudo,
};
const RULE_EVENT = { '1': 'select', '2': 'update', '3': 'insert', '4': 'delete' } as const;
const POLICY_COMMAND: Record<string, string> = {
  r: 'select',
  a: 'insert',
  w: 'update',
  d: 'delete',
  '*': 'all',
};
const CAST_CONTEXT: Record<string, CatalogCast['context']> = {
  i: 'implicit',
  a: 'assignment',
  e: 'explicit',
};
const PROKIND = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window' } as const;
const VOLATILITY = { i: 'immutable', s: 'stable', v: 'volatile' } as const;

/** Connects for one use: a side connection named so that it is recognisable upstream. */
export async function connectCatalogClient(url: string, timeoutMs = 10_000): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'sluice catalog',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    // A migration holding a catalog lock must not pile up blocked side connections (the
    // client-side timeout ends the wait here, not the backend's): the server gives up too.
    await client.query(
      `SET lock_timeout = '${Math.ceil(timeoutMs / 2)}ms'; SET statement_timeout = '${timeoutMs}ms'`,
    );
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}

async function withClient<T>(source: CatalogSource, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  if (typeof source !== 'string') return fn(source);
  const client = await connectCatalogClient(source);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The cheap change check: a hash that changes with any user object in the snapshot's catalogs. */
export async function catalogFingerprint(source: CatalogSource): Promise<string> {
  return withClient(source, async (client) => fingerprintOf(client));
}

async function fingerprintOf(client: pg.Client): Promise<string> {
  const r = await client.query<{ fingerprint: string | null; rows: string }>(FINGERPRINT_SQL);
  const row = r.rows[0]!;
  return `${row.rows}:${row.fingerprint ?? 'none'}`;
}

export async function loadCatalog(
  source: CatalogSource,
  limits: CatalogLimits = {},
): Promise<CatalogSnapshot> {
  return withClient(source, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snapshot = await readAll(client, limits);
      await client.query('COMMIT');
      return snapshot;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

async function readAll(client: pg.Client, limits: CatalogLimits): Promise<CatalogSnapshot> {
  const maxObjects = limits.maxObjects ?? 50_000;
  const maxText = limits.maxTextBytes ?? 1024 * 1024;
  const budget = new TextBudget(maxText, limits.maxTotalBytes ?? 64 * 1024 * 1024);
  let truncated = false;
  const rows = async (sql: string): Promise<Row[]> => {
    const params = sql.includes('$2') ? [maxObjects + 1, maxText] : [maxObjects + 1];
    const r = await client.query<Row>(sql, params);
    if (r.rows.length > maxObjects) {
      truncated = true;
      return r.rows.slice(0, maxObjects);
    }
    return r.rows;
  };
  const head = await client.query<{ database: string; path: string[] }>(SEARCH_PATH_SQL);
  const fingerprint = await fingerprintOf(client);

  const byOid = new Map<number, CatalogRelation>();
  const relations = new Map<string, CatalogRelation>();
  for (const r of await rows(RELATIONS_SQL)) {
    const rel: CatalogRelation = {
      oid: Number(r.oid),
      schema: String(r.schema),
      name: String(r.name),
      kind: RELKIND[String(r.relkind)] ?? RelationKind.other,
      columns: r.columns as string[],
      rules: [],
      rowSecurity: r.row_security === true,
      policies: [],
      hasTriggers: r.has_triggers === true,
    };
    const def = budget.text(r, 'view_def');
    if (def !== undefined) rel.viewDefinition = def;
    byOid.set(rel.oid, rel);
    relations.set(`${rel.schema}.${rel.name}`, rel);
  }
  for (const r of await rows(RULES_SQL)) {
    const rel = byOid.get(Number(r.relid));
    const event = RULE_EVENT[String(r.ev_type) as keyof typeof RULE_EVENT];
    const definition = budget.text(r, 'definition');
    if (rel && event && definition !== undefined)
      rel.rules.push({ name: String(r.name), event, definition });
  }
  for (const r of await rows(POLICIES_SQL)) {
    const rel = byOid.get(Number(r.relid));
    if (!rel) continue;
    const using = budget.text(r, 'using_expr');
    const check = budget.text(r, 'check_expr');
    rel.policies.push({
      name: String(r.name),
      command: POLICY_COMMAND[String(r.cmd)] ?? 'all',
      ...(using !== undefined ? { using } : {}),
      ...(check !== undefined ? { check } : {}),
    });
  }

  const types = new Map<string, CatalogType>();
  for (const r of await rows(TYPES_SQL)) {
    const checks = r.checks as string[];
    budget.count(checks.join(''));
    const t: CatalogType = {
      oid: Number(r.oid),
      schema: String(r.schema),
      name: String(r.name),
      kind: TYPTYPE[String(r.typtype)] ?? TypeKind.pseudo,
      checks,
      ioFunctions: (r.io_functions as string[]).map(Number),
    };
    if (r.base_type) t.baseType = String(r.base_type);
    if (r.attribute_types) t.attributeTypes = r.attribute_types as string[];
    if (r.subtype) t.subtype = String(r.subtype);
    types.set(`${t.schema}.${t.name}`, t);
  }

  const casts: CatalogCast[] = (await rows(CASTS_SQL)).map((r) => ({
    source: String(r.source),
    target: String(r.target),
    ...(r.func !== null ? { functionOid: Number(r.func) } : {}),
    method: r.method === 'f' ? 'function' : r.method === 'i' ? 'inout' : 'binary',
    context: CAST_CONTEXT[String(r.context)] ?? 'implicit',
  }));

  const operators = new Map<string, CatalogOperator[]>();
  for (const r of await rows(OPERATORS_SQL)) {
    const op: CatalogOperator = {
      oid: Number(r.oid),
      schema: String(r.schema),
      name: String(r.name),
      ...(r.left_type ? { left: String(r.left_type) } : {}),
      ...(r.right_type ? { right: String(r.right_type) } : {}),
      functionOid: Number(r.func),
    };
    pushTo(operators, op.name, op);
  }

  const functionsByName = new Map<string, CatalogFunction[]>();
  const functionsByOid = new Map<number, CatalogFunction>();
  for (const r of await rows(FUNCTIONS_SQL)) {
    const body = budget.text(r, 'body');
    // A body too long to keep cannot be judged: the snapshot says so (truncated) rather
    // than holding a function whose body reads as empty.
    if (body === undefined) continue;
    const f: CatalogFunction = {
      oid: Number(r.oid),
      schema: String(r.schema),
      name: String(r.name),
      kind: PROKIND[String(r.prokind) as keyof typeof PROKIND] ?? 'function',
      language: String(r.language),
      body,
      volatility: VOLATILITY[String(r.volatility) as keyof typeof VOLATILITY] ?? 'volatile',
      securityDefiner: r.security_definer === true,
      owner: String(r.owner),
      argTypes: r.arg_types as string[],
      defaults: Number(r.defaults),
      variadic: r.variadic === true,
    };
    if (r.return_type) f.returnType = String(r.return_type);
    const defaults = budget.text(r, 'arg_defaults');
    if (defaults !== undefined) f.argDefaults = defaults;
    functionsByOid.set(f.oid, f);
    pushTo(functionsByName, f.name, f);
  }

  return {
    database: head.rows[0]!.database,
    fingerprint,
    loadedAt: Date.now(),
    searchPath: head.rows[0]!.path,
    relations,
    types,
    functionsByName,
    functionsByOid,
    operators,
    casts,
    truncated: truncated || budget.exceeded,
  };
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Counts the bytes of kept texts; a text over either bound is dropped and remembered. */
class TextBudget {
  private used = 0;
  exceeded = false;

  constructor(
    private readonly maxText: number,
    private readonly maxTotal: number,
  ) {}

  /** The row's bounded text column (undefined when SQL NULL or over a bound). */
  text(row: Row, column: string): string | undefined {
    const bytes = row[`${column}_bytes`];
    if (bytes === null || bytes === undefined) return undefined;
    const value = row[column];
    if (value === null || value === undefined || Number(bytes) > this.maxText) {
      this.exceeded = true;
      return undefined;
    }
    return this.count(String(value)) ? String(value) : undefined;
  }

  count(text: string): boolean {
    this.used += text.length;
    if (this.used > this.maxTotal) this.exceeded = true;
    return this.used <= this.maxTotal;
  }
}
