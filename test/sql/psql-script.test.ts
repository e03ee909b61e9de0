// The oracle's script splitter: statements as psql would send them.
import { beforeAll, describe, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { splitPsqlScript } from './helpers/psql-script.js';

beforeAll(() => initClassifier());

const sqls = (text: string): string[] => splitPsqlScript(text).map((s) => s.sql);

describe('psql script splitter', () => {
  it('drops meta-command lines and keeps statements with their line numbers', () => {
    const out = splitPsqlScript('\\set x 1\n-- comment\nSELECT 1;\n\\d t\n\nSELECT\n  2;\n');
    expect(out).toEqual([
      { sql: 'SELECT 1', line: 3 },
      { sql: 'SELECT\n  2', line: 6 },
    ]);
  });

  it('keeps semicolons inside strings, dollar quotes, comments and BEGIN ATOMIC bodies', () => {
    expect(
      sqls(
        "SELECT 'a;b';\nCREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n" +
          'CREATE FUNCTION g() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\n/* ; */ SELECT 3;\n',
      ),
    ).toEqual([
      "SELECT 'a;b'",
      'CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql',
      'CREATE FUNCTION g() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND',
      'SELECT 3',
    ]);
  });

  it('ends a statement at \\g-style commands, joins at \\;, and drops a buffer reset with \\r', () => {
    expect(sqls('SELECT 1 AS one \\gset\nSELECT 2 \\;SELECT 3;\nSELECT 4 \\r\nSELECT 5;')).toEqual([
      'SELECT 1 AS one',
      'SELECT 2',
      'SELECT 3',
      'SELECT 5',
    ]);
  });

  it('does not take a backslash inside a literal for a meta-command', () => {
    expect(sqls("SELECT $$\n\\not a command\n$$;\nSELECT E'\\\\x';")).toEqual([
      'SELECT $$\n\\not a command\n$$',
      "SELECT E'\\\\x'",
    ]);
  });

  it('keeps COPY FROM STDIN data (up to \\.) out of the SQL', () => {
    const out = splitPsqlScript('COPY t (a) FROM stdin;\n1\n2;DROP TABLE t;\n\\.\nSELECT 1;');
    expect(out).toEqual([
      { sql: 'COPY t (a) FROM stdin', line: 1, copyData: '1\n2;DROP TABLE t;\n' },
      { sql: 'SELECT 1', line: 5 },
    ]);
  });

  it('splits text that does not parse at top-level semicolons and marks it', () => {
    // Like psql, an unclosed parenthesis keeps the semicolons inside the statement.
    const out = splitPsqlScript('SELECT (1; SELECT 2;\n');
    expect(out.map((s) => [s.sql, s.fallback])).toEqual([['SELECT (1; SELECT 2;', true]]);
    expect(sqls('SELEC 1;\nSELECT 2;')).toEqual(['SELEC 1', 'SELECT 2']);
  });
});
