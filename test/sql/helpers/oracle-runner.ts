// The classifier's oracle: PostgreSQL itself. Each statement of a corpus file is
// classified as the proxy would (one SessionClassifier per file, fed the server's
// ParameterStatus, ErrorResponse and ReadyForQuery), then run inside a READ ONLY
// transaction: SQLSTATE 25006 means PostgreSQL considers it a write, and the classifier
// must not have called it read or session (a miss). Then it runs for real, so the file
// builds its state as in PostgreSQL's own regression run.
import pg from 'pg';
import { isSafeFunction } from '../../../src/sql/function-rules.js';
import { SessionClassifier } from '../../../src/sql/session-classifier.js';
import type { Classification, StatementInfo } from '../../../src/sql/types.js';
import { noProbeReason, oracleSkipReason } from './oracle-skips.js';
import { StuckError, probeReadOnly, run } from './pg-run.js';
import { splitPsqlScript } from './psql-script.js';

export interface Finding {
  file: string;
  line: number;
  sql: string;
  class: string;
  detail: string;
}

export interface FileResult {
  file: string;
  statements: number;
  fallbackPieces: number;
  invalid: number;
  probed: number;
  knownWrites: number;
  plainSelects: number;
  skipped: number;
  underParserMismatch: number;
  /** Held by the static rules, read with the catalog, and PostgreSQL agreed. */
  lowered: number;
  misses: Finding[];
  falseHolds: Finding[];
  skips: Finding[];
  /** Set when the connection had to be abandoned (a statement never answered). */
  aborted?: string;
  ms: number;
}

/**
 * The catalog-aware run (oracle-catalog.ts): verdicts judged with a snapshot of the file's
 * database, refreshed after statements that may have changed its catalog.
 */
export interface OracleCatalog {
  /** Called before `judge`: brings the snapshot up to date where the verdict depends on it. */
  prepare(c: Classification): Promise<void>;
  judge(c: Classification): Classification;
  /** Called after each statement ran for real, with its static verdict. */
  settle(c: Classification): Promise<void>;
  close(): Promise<void>;
}

export interface OracleConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

export async function runCorpusFile(
  file: string,
  text: string,
  conn: OracleConnection,
  database: string,
  openCatalog?: (database: string) => Promise<OracleCatalog>,
): Promise<FileResult> {
  const started = performance.now();
  const result: FileResult = {
    file,
    statements: 0,
    fallbackPieces: 0,
    invalid: 0,
    probed: 0,
    knownWrites: 0,
    plainSelects: 0,
    skipped: 0,
    underParserMismatch: 0,
    lowered: 0,
    misses: [],
    falseHolds: [],
    skips: [],
    ms: 0,
  };
  const client = new pg.Client({
    ...conn,
    database,
    // Startup options, so RESET and DISCARD ALL in the scripts fall back to them.
    options:
      '-c statement_timeout=5000 -c lock_timeout=5000 -c idle_in_transaction_session_timeout=0',
  });
  client.on('error', () => {});
  // The proxy's view: the server's ParameterStatus (from start-up on), its ErrorResponse
  // and ReadyForQuery; the first ReadyForQuery is the start-up's.
  const session = new SessionClassifier();
  const wire = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  wire.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) =>
    session.parameterStatus(m.parameterName, m.parameterValue),
  );
  await client.connect();
  session.readyForQuery();
  const catalog = openCatalog ? await openCatalog(database) : undefined;
  try {
    await processStatements();
  } catch (err) {
    if (!(err instanceof StuckError)) throw err;
    result.aborted = err.message;
  } finally {
    await client.end().catch(() => {});
    await catalog?.close();
  }
  result.ms = performance.now() - started;
  return result;

  async function processStatements(): Promise<void> {
    for (const s of splitPsqlScript(text)) {
      result.statements++;
      if (s.fallback) result.fallbackPieces++;
      const staticVerdict = session.query(s.sql);
      await catalog?.prepare(staticVerdict);
      const c = catalog ? catalog.judge(staticVerdict) : staticVerdict;
      const info = c.statements[0];
      const finding = (detail: string): Finding => ({
        file,
        line: s.line,
        sql: s.sql,
        class: c.class,
        detail,
      });
      if (c.class === 'invalid' || !info) {
        if (c.class === 'invalid') result.invalid++;
        // The proxy answers these itself; nothing reaches the server (as a refused query).
        refused(session);
        continue;
      }
      const skip = c.statements.map(oracleSkipReason).find((r) => r !== undefined);
      if (skip) {
        result.skipped++;
        result.skips.push(finding(skip));
        refused(session);
        continue;
      }
      let probe;
      if (!c.statements.some((x) => noProbeReason(x))) {
        probe = await probeReadOnly(client, s.sql, s.copyData);
        if (probe) result.probed++;
      }
      if (probe?.code === '25006') {
        result.knownWrites++;
        if (c.class === 'read' || c.class === 'session')
          result.misses.push(finding(probe.message ?? ''));
      }
      if (
        probe &&
        probe.code === undefined &&
        staticVerdict.class === 'write' &&
        c.class === 'read'
      )
        result.lowered++;
      if (isPlainSelect(c)) {
        result.plainSelects++;
        if (probe && probe.code === undefined && c.class !== 'read') {
          if (info.flags.includes('parser_mismatch')) result.underParserMismatch++;
          else result.falseHolds.push(finding(info.reasons.join('; ')));
        }
      }
      const real = await run(client, s.sql, s.copyData);
      if (real.code) session.serverError();
      session.readyForQuery();
      await catalog?.settle(staticVerdict);
    }
  }
}

function refused(session: SessionClassifier): void {
  session.serverError();
  session.readyForQuery();
}

/** A SELECT with no INTO, locking clause, data-modifying CTE or call outside the allowlist. */
function isPlainSelect(c: Classification): boolean {
  if (c.statements.length !== 1) return false;
  const s = c.statements[0] as StatementInfo;
  if (s.kind !== 'SelectStmt') return false;
  if (s.flags.some((f) => f === 'select_into' || f === 'locking_clause' || f === 'modifying_cte'))
    return false;
  return s.functions.every(
    (f) =>
      !f.startsWith('operator(') && !f.startsWith('tablesample ') && isSafeFunction(f.split('.')),
  );
}
