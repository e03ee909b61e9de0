// Estimated affected rows for the PR body: the planner's guess from EXPLAIN (FORMAT JSON),
// on a separate connection, never ANALYZE (that would run the write). Planning is not
// side-effect free either: constant folding runs IMMUTABLE functions, so any call outside
// the classifier's allowlist (flag unsafe_function) means no estimate at all. As a second
// fence the EXPLAIN runs in a READ ONLY transaction with short timeouts, then rolls back.
import pg from 'pg';
import type { ApprovalRequest } from '../approval/types.js';
import { Flag, StatementClass } from '../sql/types.js';

export type RowEstimate =
  | { kind: 'estimated'; rows: number; statements: { sql: string; rows: number }[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; reason: string };

export interface RowEstimateOptions {
  /** statement_timeout for the EXPLAIN (default 5 s). */
  timeoutMs?: number;
  /** Whole budget including connecting (default 10 s). */
  connectTimeoutMs?: number;
}

/** Statement kinds EXPLAIN accepts and where a row count means something. */
const EXPLAINABLE = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'SelectStmt']);

type EstimateInput = Pick<ApprovalRequest, 'classification' | 'params' | 'session'>;

/** Why no estimate may be computed for this request, or undefined when it may. */
export function estimateBlocker(request: EstimateInput): string | undefined {
  const c = request.classification;
  if (c.class !== StatementClass.write) return `statement class is ${c.class}`;
  if (c.statements.some((s) => s.flags.includes(Flag.unsafeFunction))) {
    return 'calls a function outside the allowlist (planning could run it)';
  }
  const writes = c.statements.filter((s) => s.class === StatementClass.write);
  if (writes.length === 0) return 'no write statement';
  const notExplainable = writes.find((s) => !EXPLAINABLE.has(s.kind));
  if (notExplainable) return `${notExplainable.kind} has no row estimate`;
  if (request.params.length > 0) {
    if (c.statements.length !== 1) return 'parameters with several statements';
    if (request.params.some((p) => p.redacted)) return 'parameters are redacted';
    if (request.params.some((p) => p.format === 'binary')) return 'binary parameters';
  }
  return undefined;
}

/** The rows a plan will touch: a ModifyTable node reports 0, its input has the count. */
function planRows(plan: unknown): number | undefined {
  const root = Array.isArray(plan) ? (plan[0] as { Plan?: unknown } | undefined)?.Plan : undefined;
  if (!root || typeof root !== 'object') return undefined;
  const node = root as { 'Node Type'?: string; 'Plan Rows'?: number; Plans?: unknown[] };
  if (node['Node Type'] === 'ModifyTable') {
    const child = node.Plans?.[0] as { 'Plan Rows'?: number } | undefined;
    return typeof child?.['Plan Rows'] === 'number' ? child['Plan Rows'] : undefined;
  }
  return typeof node['Plan Rows'] === 'number' ? node['Plan Rows'] : undefined;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function estimateRows(
  connectionUrl: string,
  request: EstimateInput,
  options: RowEstimateOptions = {},
): Promise<RowEstimate> {
  const blocker = estimateBlocker(request);
  if (blocker) return { kind: 'skipped', reason: blocker };
  const timeoutMs = options.timeoutMs ?? 5000;
  const client = new pg.Client({
    connectionString: withDatabase(connectionUrl, request.session.database),
    application_name: 'sluice-row-estimate',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // Belt and braces: even if the SET LOCAL below failed, the server stops us.
    statement_timeout: timeoutMs,
  });
  // A dropped connection must not crash the process; the query promise reports it.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(timeoutMs / 5))}`);
    const values = request.params.map((p) => p.value);
    const statements: { sql: string; rows: number }[] = [];
    for (const s of request.classification.statements) {
      if (s.class !== StatementClass.write) continue;
      // Extended protocol: the server accepts exactly one statement, whatever s.sql holds.
      const res = await client.query<{ 'QUERY PLAN': unknown }>({
        text: `EXPLAIN (FORMAT JSON) ${s.sql}`,
        values,
        queryMode: 'extended',
      } as pg.QueryConfig<(string | null)[]>);
      const rows = planRows(res.rows[0]?.['QUERY PLAN']);
      if (rows === undefined) return { kind: 'failed', reason: 'unexpected EXPLAIN output' };
      statements.push({ sql: s.sql, rows });
    }
    return { kind: 'estimated', rows: statements.reduce((n, s) => n + s.rows, 0), statements };
  } catch (err) {
    return { kind: 'failed', reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  }
}

export function describeEstimate(estimate: RowEstimate | undefined): string {
  if (!estimate) return 'not computed';
  switch (estimate.kind) {
    case 'estimated':
      return `about ${estimate.rows} row${estimate.rows === 1 ? '' : 's'} (planner estimate, EXPLAIN without ANALYZE)`;
    case 'skipped':
      return `not estimated: ${estimate.reason}`;
    case 'failed':
      return `not available: ${estimate.reason}`;
  }
}
