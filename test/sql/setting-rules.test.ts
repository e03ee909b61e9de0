// Parsing of reported settings, and the parser-agreement rules behind them.
import { describe, expect, it } from 'vitest';
import {
  encodingHasBackslashBytes,
  parseBool,
  parserMismatch,
  searchPathShadowsCatalog,
  splitListSetting,
} from '../../src/sql/setting-rules.js';

describe('settings', () => {
  it('parses booleans like PostgreSQL', () => {
    for (const v of ['on', 'ON', 'true', 't', 'tr', 'yes', 'y', '1'])
      expect(parseBool(v), v).toBe(true);
    for (const v of ['off', 'of', 'false', 'f', 'no', 'n', '0'])
      expect(parseBool(v), v).toBe(false);
    for (const v of ['', 'o', 'maybe', '2']) expect(parseBool(v), v).toBeUndefined();
  });

  it('knows the client-only encodings whose characters can hold a backslash byte', () => {
    for (const e of [
      'SJIS',
      'sjis',
      'Shift_JIS',
      'SHIFT_JIS_2004',
      'BIG5',
      'GBK',
      'GB18030',
      'UHC',
      'JOHAB',
      'WIN932',
      'windows-949',
      'cp936',
    ]) {
      expect(encodingHasBackslashBytes(e), e).toBe(true);
    }
    for (const e of ['UTF8', 'utf-8', 'LATIN1', 'EUC_JP', 'WIN1252', 'SQL_ASCII'])
      expect(encodingHasBackslashBytes(e), e).toBe(false);
  });

  it('splits search_path as the server reports it', () => {
    expect(splitListSetting('"$user", public')).toEqual(['$user', 'public']);
    expect(splitListSetting('A, "B,c", "d""e"')).toEqual(['a', 'B,c', 'd"e']);
    expect(splitListSetting('')).toEqual([]);
  });

  it('pg_catalog after a user schema shadows built-ins; pg_temp does not count', () => {
    expect(searchPathShadowsCatalog(['public', 'pg_catalog'])).toBe(true);
    expect(searchPathShadowsCatalog(['$user', 'pg_catalog'])).toBe(true);
    expect(searchPathShadowsCatalog(['pg_catalog', 'public'])).toBe(false);
    expect(searchPathShadowsCatalog(['public'])).toBe(false);
    expect(searchPathShadowsCatalog(['pg_temp', 'pg_catalog', 'public'])).toBe(false);
  });

  it('names the mismatch for each reported setting', () => {
    expect(parserMismatch('standard_conforming_strings', 'off')).toMatch(/backslash/);
    expect(parserMismatch('standard_conforming_strings', 'on')).toBeUndefined();
    expect(parserMismatch('client_encoding', 'SJIS')).toMatch(/SJIS/);
    expect(parserMismatch('search_path', 'app, pg_catalog')).toMatch(/pg_catalog/);
    expect(parserMismatch('TimeZone', 'UTC')).toBeUndefined();
  });
});
