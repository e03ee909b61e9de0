// Splits a psql script (PostgreSQL's regression files) into the statements psql would
// send, using libpg-query's lexer and parser for every decision about where a statement
// ends: psql meta-commands (lines starting with a backslash) are dropped, `\g`-style
// commands end the statement before them, `\;` joins statements, and the data lines
// after COPY ... FROM STDIN (up to `\.`) are kept as that statement's data, not SQL.
import { parseStatements, scanTokens } from '../../../src/sql/parser.js';
import { Utf8Text } from '../../../src/sql/utf8.js';

export interface ScriptStatement {
  sql: string;
  /** 1-based line of the statement's first line in the file. */
  line: number;
  /** Data lines for COPY ... FROM STDIN (without the terminating `\.`). */
  copyData?: string;
  /** The chunk did not parse as a whole and was split at top-level semicolons. */
  fallback?: boolean;
}

/** psql meta-commands that send the query buffer. */
const SEND = /^\\(g|gx|gset|gexec|gdesc|crosstabview|watch)\b/;
/** psql meta-commands that empty the query buffer. */
const RESET = /^\\r\b/;

export function splitPsqlScript(text: string): ScriptStatement[] {
  const lines = text.split('\n');
  const out: ScriptStatement[] = [];
  let buf: string[] = [];
  let start = 0;

  const flush = (allowIncomplete: boolean): boolean => {
    const sql = buf.join('\n');
    if (sql.trim() === '') {
      buf = [];
      return true;
    }
    const parsed = parseStatements(sql);
    if (!parsed.ok && !allowIncomplete && parsed.message.includes('at end of input')) return false;
    emit(
      sql,
      parsed.ok ? parsed.statements.map((s) => [s.location, s.length] as const) : undefined,
    );
    buf = [];
    return true;
  };

  const emit = (sql: string, ranges: readonly (readonly [number, number])[] | undefined): void => {
    const text = new Utf8Text(sql);
    const pieces = ranges ?? splitAtSemicolons(sql).map((r) => [r[0], r[1]] as const);
    for (const [loc, len] of pieces) {
      const end = len > 0 ? loc + len : text.byteLength;
      const piece = text.slice(loc, end).trim();
      if (!hasSql(piece)) continue;
      const line =
        start + 1 + countNewlines(text.slice(0, loc)) + leadingNewlines(text.slice(loc, end));
      out.push(ranges ? { sql: piece, line } : { sql: piece, line, fallback: true });
    }
  };

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.includes('\\')) {
      const trimmed = line.trimStart();
      if (trimmed.startsWith('\\') && (buf.length === 0 || !insideLiteral(buf.join('\n')))) {
        if (SEND.test(trimmed)) flush(true);
        else if (RESET.test(trimmed)) buf = [];
        continue;
      }
      let cut = metaCommandOffset(buf, line);
      while (cut !== undefined && line.slice(cut).startsWith('\\;')) {
        line = line.slice(0, cut) + ';' + line.slice(cut + 2);
        cut = metaCommandOffset(buf, line);
      }
      if (cut !== undefined) {
        // A meta-command ends the line's SQL; \g and friends also send the buffer.
        const meta = line.slice(cut);
        if (buf.length === 0) start = i;
        buf.push(line.slice(0, cut));
        if (SEND.test(meta)) flush(true);
        else if (RESET.test(meta)) buf = [];
        continue;
      }
    }
    if (buf.length === 0) start = i;
    buf.push(line);
    if (!line.includes(';')) continue;
    const sql = buf.join('\n');
    const before = out.length;
    if (!endsWithSemicolon(sql) || !flush(false)) continue;
    const last = out.length > before ? out[out.length - 1] : undefined;
    if (last && /^copy\b/i.test(last.sql) && /\bfrom\s+stdin\b/i.test(last.sql)) {
      const data: string[] = [];
      for (i++; i < lines.length && lines[i] !== '\\.'; i++) data.push(lines[i]!);
      last.copyData = data.length > 0 ? data.join('\n') + '\n' : '';
    }
  }
  flush(true);
  return out;
}

/** True when the text ends inside a quoted string, identifier or comment. */
function insideLiteral(sql: string): boolean {
  try {
    scanTokens(sql);
    return false;
  } catch {
    return true;
  }
}

/** True when the text is complete up to a final semicolon (not inside a literal). */
function endsWithSemicolon(sql: string): boolean {
  let tokens;
  try {
    tokens = scanTokens(sql);
  } catch {
    return false;
  }
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!.text;
    if (t.startsWith('--') || t.startsWith('/*')) continue;
    return t === ';';
  }
  return false;
}

/** Offset (JS string index) in `line` of a backslash meta-command outside any literal. */
function metaCommandOffset(buf: string[], line: string): number | undefined {
  if (!line.includes('\\')) return undefined;
  const prefix = buf.length > 0 ? buf.join('\n') + '\n' : '';
  let tokens;
  try {
    tokens = scanTokens(prefix + line);
  } catch {
    return undefined;
  }
  const prefixBytes = Buffer.byteLength(prefix);
  const hit = tokens.find((t) => t.text === '\\' && t.start >= prefixBytes);
  if (!hit) return undefined;
  return Buffer.from(prefix + line)
    .subarray(prefixBytes, hit.start)
    .toString().length;
}

/** Byte ranges between top-level semicolons, for text that does not parse as a whole. */
function splitAtSemicolons(sql: string): [number, number][] {
  let tokens;
  try {
    tokens = scanTokens(sql);
  } catch {
    return [[0, Buffer.byteLength(sql)]];
  }
  const out: [number, number][] = [];
  let from = 0;
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth = Math.max(0, depth - 1);
    else if (t.text === ';' && depth === 0) {
      out.push([from, t.start - from]);
      from = t.end;
    }
  }
  out.push([from, Buffer.byteLength(sql) - from]);
  return out;
}

function hasSql(piece: string): boolean {
  if (piece === '') return false;
  try {
    return scanTokens(piece).some((t) => !t.text.startsWith('--') && !t.text.startsWith('/*'));
  } catch {
    return true;
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === '\n') n++;
  return n;
}

function leadingNewlines(s: string): number {
  const m = /^\s*/.exec(s)?.[0] ?? '';
  return countNewlines(m);
}
