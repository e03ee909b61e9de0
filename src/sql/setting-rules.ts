// Run-time settings that matter to the gate, whichever way they are changed: SET/RESET,
// set_config(), ALTER ROLE/DATABASE ... SET, or reported by the server (ParameterStatus).
//
// Three families are refused outright:
//  - identity: role and session_authorization (SET ROLE would bypass per-role policy);
//  - the read-only guard: turning off (default_)transaction_read_only;
//  - parser agreement: settings under which the server would read later SQL text
//    differently from Sluice's parser (standard_conforming_strings = off, a client
//    encoding whose multibyte characters can contain a backslash byte, a search_path
//    that puts pg_catalog after another schema so lower() may not be the built-in).
// Every other setting change is a session statement.

export type SettingValue =
  /** The value list as the server will see it (search_path: one element per schema). */
  | { kind: 'values'; values: string[] }
  /** RESET, SET ... TO DEFAULT: back to the role/database/server default. */
  | { kind: 'default' }
  /** set_config() with a non-constant argument: cannot be checked. */
  | { kind: 'unknown' };

export interface SettingVerdict {
  class: 'session' | 'forbidden';
  reason: string;
}

/** Encodings whose multibyte characters may contain 0x5C (backslash); PostgreSQL calls them client-only. */
const BACKSLASH_ENCODINGS = new Set([
  'big5',
  'win950',
  'windows950',
  'gbk',
  'cp936',
  'win936',
  'windows936',
  'gb18030',
  'johab',
  'sjis',
  'mskanji',
  'shiftjis',
  'win932',
  'windows932',
  'shiftjis2004',
  'uhc',
  'win949',
  'windows949',
]);

const FALSE_WORDS = ['false', 'no'];
const TRUE_WORDS = ['true', 'yes'];

/** PostgreSQL's parse_bool: prefixes of true/false/yes/no, on/off (2+ chars), 1/0. */
export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (v === '1' || v === 'on') return true;
  if (v === '0' || v === 'of' || v === 'off') return false;
  if (TRUE_WORDS.some((w) => w.startsWith(v))) return true;
  if (FALSE_WORDS.some((w) => w.startsWith(v))) return false;
  return undefined;
}

export function encodingHasBackslashBytes(encoding: string): boolean {
  return BACKSLASH_ENCODINGS.has(encoding.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** Splits a list setting as the server reports it: `"$user", public` -> ['$user', 'public']. */
export function splitListSetting(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < value.length && /\s/.test(value[i]!)) i++;
  };
  while (i < value.length) {
    skipSpace();
    if (i >= value.length) break;
    let item = '';
    if (value[i] === '"') {
      // A quoted identifier keeps its case; "" is a quote.
      for (i++; i < value.length; i++) {
        if (value[i] === '"' && value[i + 1] === '"') {
          item += '"';
          i++;
        } else if (value[i] === '"') {
          i++;
          break;
        } else item += value[i];
      }
      while (i < value.length && value[i] !== ',') i++;
    } else {
      while (i < value.length && value[i] !== ',') item += value[i++];
      item = item.trim().toLowerCase();
    }
    out.push(item);
    i++; // the comma
  }
  return out;
}

/** True when pg_catalog is listed after a schema where user functions could live. */
export function searchPathShadowsCatalog(schemas: readonly string[]): boolean {
  let userSchemaSeen = false;
  for (const s of schemas) {
    if (s === 'pg_catalog') return userSchemaSeen;
    // pg_temp is never searched for functions or operators.
    if (s !== 'pg_temp' && !s.startsWith('pg_temp_') && s !== '') userSchemaSeen = true;
  }
  return false;
}

/** Why a reported/assigned value makes the server parse differently from us, if it does. */
export function parserMismatch(name: string, value: string): string | undefined {
  switch (name.toLowerCase()) {
    case 'standard_conforming_strings':
      return parseBool(value) === false
        ? 'standard_conforming_strings is off: the server would read backslashes in quoted strings as escapes, unlike Sluice’s parser'
        : undefined;
    case 'client_encoding':
      return encodingHasBackslashBytes(value)
        ? `client_encoding ${value} has multibyte characters that can contain a backslash byte, which Sluice’s parser cannot follow`
        : undefined;
    case 'search_path':
      return searchPathShadowsCatalog(splitListSetting(value))
        ? `search_path "${value}" puts pg_catalog after another schema, so built-in function names may resolve to user functions`
        : undefined;
    default:
      return undefined;
  }
}

export function judgeSetting(rawName: string, value: SettingValue): SettingVerdict {
  // GUC names are case-insensitive: SET "ROLE" is SET role.
  const name = rawName.toLowerCase();
  const forbid = (reason: string): SettingVerdict => ({ class: 'forbidden', reason });
  const verb = value.kind === 'default' ? 'resets' : 'sets';
  switch (name) {
    case 'role':
    case 'session_authorization':
      return forbid(`changing ${name} is refused: Sluice decides by the connection's own identity`);
    case 'transaction_read_only':
    case 'default_transaction_read_only': {
      const only =
        value.kind === 'values' && value.values.length === 1 ? value.values[0]! : undefined;
      if (only !== undefined && parseBool(only) === true)
        return { class: 'session', reason: `sets ${name} on` };
      return forbid(`turning off (or resetting) ${name} is refused`);
    }
    case 'standard_conforming_strings':
    case 'client_encoding':
    case 'search_path': {
      if (value.kind === 'unknown') return forbid(`${name} set to a value Sluice cannot see`);
      if (value.kind === 'default') {
        // The default comes from the role or database and is reported back (ParameterStatus,
        // search_path included since PostgreSQL 18), but a pipelined next query could be
        // parsed before Sluice sees it; search_path only matters for later name lookup.
        if (name === 'search_path') return { class: 'session', reason: 'resets search_path' };
        return forbid(`resetting ${name} could select a value Sluice's parser cannot follow`);
      }
      const mismatch =
        name === 'search_path'
          ? searchPathShadowsCatalog(value.values)
            ? `search_path ${value.values.map(quoteIdent).join(', ')} puts pg_catalog after another schema`
            : undefined
          : parserMismatch(name, value.values.join(', '));
      return mismatch ? forbid(mismatch) : { class: 'session', reason: `sets ${name}` };
    }
    default:
      return { class: 'session', reason: `${verb} ${name}` };
  }
}

function quoteIdent(s: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`;
}

/** Transaction characteristics: READ WRITE is refused when the policy forces read-only. */
export function judgeReadWrite(
  where: 'BEGIN' | 'SET TRANSACTION' | 'SET SESSION CHARACTERISTICS',
  readOnly: boolean | undefined,
  opts: { forceReadOnly?: boolean },
): SettingVerdict {
  if (readOnly !== false) return { class: 'session', reason: `${where}` };
  if (where === 'SET SESSION CHARACTERISTICS') {
    return {
      class: 'forbidden',
      reason:
        'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE turns off default_transaction_read_only',
    };
  }
  if (opts.forceReadOnly) {
    return {
      class: 'forbidden',
      reason: `${where} ... READ WRITE is refused: the policy forces read-only transactions`,
    };
  }
  return { class: 'session', reason: `${where} READ WRITE` };
}
