// The only module that talks to libpg-query (PostgreSQL's own parser compiled to WASM).
// Everything here is synchronous once loadParser() has resolved, so the proxy can
// classify on its hot path without awaiting.
import { fingerprintSync, loadModule, normalizeSync, parseSync, scanSync } from 'libpg-query';

let loaded: Promise<void> | undefined;
let ready = false;

export function loadParser(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  return loaded;
}

export function parserReady(): boolean {
  return ready;
}

/** A raw statement: the wrapped node plus its UTF-8 byte range in the query. */
export interface RawStatement {
  node: Record<string, unknown>;
  location: number;
  /** 0 means "to the end of the query", as in PostgreSQL's RawStmt. */
  length: number;
}

export type ParseOutcome =
  { ok: true; statements: RawStatement[] } | { ok: false; message: string; cursorPosition: number };

interface SqlErrorLike {
  message: string;
  sqlDetails?: { cursorPosition?: number };
}

export function parseStatements(sql: string): ParseOutcome {
  let tree: { stmts?: { stmt?: unknown; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (err) {
    const e = err as SqlErrorLike;
    // libpg-query converts PostgreSQL's 1-based cursor to 0-based; PostgreSQL clients
    // (and ErrorResponse's P field) expect 1-based character positions.
    const zeroBased = e.sqlDetails?.cursorPosition;
    return {
      ok: false,
      message: e.message || 'syntax error',
      cursorPosition: typeof zeroBased === 'number' ? zeroBased + 1 : 0,
    };
  }
  const statements: RawStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    statements.push({
      node: (raw.stmt ?? {}) as Record<string, unknown>,
      location: raw.stmt_location ?? 0,
      length: raw.stmt_len ?? 0,
    });
  }
  return { ok: true, statements };
}

/** libpg-query's fingerprint, or '' when it cannot compute one. */
export function fingerprintOf(sql: string): string {
  try {
    return fingerprintSync(sql);
  } catch {
    return '';
  }
}

/**
 * The query with every constant replaced by $n, by PostgreSQL's own parser (pg_query's
 * normalize); undefined when it does not parse.
 */
export function normalizedTextOf(sql: string): string | undefined {
  try {
    return normalizeSync(sql);
  } catch {
    return undefined;
  }
}

export interface Token {
  /** UTF-8 byte offsets. */
  start: number;
  end: number;
  text: string;
  keyword: boolean;
}

/** PostgreSQL's lexer; throws on unterminated quotes and comments. */
export function scanTokens(sql: string): Token[] {
  if (sql === '') return [];
  const result = scanSync(sql);
  return result.tokens.map((t) => ({
    start: t.start,
    end: t.end,
    text: t.text,
    keyword: t.keywordKind !== 0,
  }));
}
