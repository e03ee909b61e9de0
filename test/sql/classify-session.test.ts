// Rule 2, "Session": transaction control, other SET/RESET, DISCARD, DEALLOCATE,
// LISTEN/UNLISTEN; DECLARE/FETCH/CLOSE by their query; and "Invalid".
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, initClassifier } from '../../src/sql/classify.js';
import { classOf, only } from './helpers/classify-helpers.js';

beforeAll(() => initClassifier());

describe('session', () => {
  it.each([
    'BEGIN',
    'BEGIN ISOLATION LEVEL SERIALIZABLE',
    'BEGIN READ ONLY',
    'START TRANSACTION',
    'COMMIT',
    'COMMIT AND CHAIN',
    'END',
    'ROLLBACK',
    'ABORT',
    'SAVEPOINT s1',
    'RELEASE SAVEPOINT s1',
    'RELEASE s1',
    'ROLLBACK TO SAVEPOINT s1',
    'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
    'SET TRANSACTION READ ONLY',
    "SET TRANSACTION SNAPSHOT '00000003-0000001B-1'",
    'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY',
    "SET work_mem = '64MB'",
    'SET LOCAL statement_timeout = 1000',
    "SET TIME ZONE 'UTC'",
    "SET application_name = 'x'",
    'SET search_path = app, public',
    'SET search_path = pg_catalog, app',
    'SET search_path TO DEFAULT',
    'RESET search_path',
    'SET standard_conforming_strings = on',
    "SET client_encoding = 'UTF8'",
    "SET NAMES 'LATIN1'",
    'SET default_transaction_read_only = on',
    'SET transaction_read_only TO true',
    'RESET work_mem',
    'RESET ALL',
    'SET CONSTRAINTS ALL DEFERRED',
    'DISCARD ALL',
    'DISCARD PLANS',
    'DISCARD SEQUENCES',
    'DISCARD TEMP',
    'DEALLOCATE p',
    'DEALLOCATE PREPARE p',
    'DEALLOCATE ALL',
    'LISTEN ch',
    'UNLISTEN ch',
    'UNLISTEN *',
    'CLOSE c',
    'CLOSE ALL',
    'DECLARE c CURSOR FOR SELECT * FROM t',
    'DECLARE c SCROLL CURSOR WITH HOLD FOR VALUES (1)',
    'PREPARE p AS SELECT * FROM t WHERE id = $1',
    "SELECT set_config('application_name', 'x', false)",
    "SELECT set_config('myapp.user_id', '42', true)",
  ])('%s', (sql) => {
    expect(classOf(sql)).toBe('session');
  });

  it('DECLARE takes the class of its query; FETCH/MOVE of an unseen cursor is a write', () => {
    expect(classOf('DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE')).toBe('write');
    expect(classOf("DECLARE c CURSOR FOR SELECT nextval('s')")).toBe('write');
    expect(classOf('DECLARE c CURSOR FOR SELECT pg_terminate_backend(1)')).toBe('forbidden');
    expect(only('FETCH 10 FROM c').flags).toContain('prepared_unknown');
    expect(classOf('FETCH 10 FROM c')).toBe('write');
    expect(classOf('MOVE NEXT IN c')).toBe('write');
  });

  it('PREPARE takes the class of its statement; EXECUTE of an unseen name is a write', () => {
    expect(classOf('PREPARE p AS DELETE FROM t')).toBe('write');
    expect(classOf("PREPARE p AS SELECT nextval('s')")).toBe('write');
    expect(classOf('EXECUTE p')).toBe('write');
    expect(only('EXECUTE p(1, 2)').flags).toContain('prepared_unknown');
    expect(classOf('EXECUTE p(pg_terminate_backend(1))')).toBe('forbidden');
    expect(only('PREPARE p(int) AS SELECT $1').effect).toMatchObject({
      type: 'prepare',
      name: 'p',
      statement: { sql: 'SELECT $1', kind: 'SelectStmt', class: 'read' },
    });
  });

  it('transaction control is flagged, setting changes are flagged', () => {
    expect(only('BEGIN').flags).toContain('transaction_control');
    expect(only('SET work_mem = 1').flags).toContain('setting_change');
    expect(only("SELECT set_config('a.b', 'c', false)").flags).toContain('setting_change');
  });
});

describe('invalid', () => {
  it('gets the parser’s message and a 1-based character position', () => {
    const c = classify('SELECT * FROM t WHERE');
    expect(c.class).toBe('invalid');
    expect(c.error).toEqual({ message: 'syntax error at end of input', cursorPosition: 22 });
    const d = classify("SELECT 'é' FRM x y");
    expect(d.error?.cursorPosition).toBe(16); // characters, not bytes: é is one
    expect(d.statements[0]).toMatchObject({ kind: 'ParseError', class: 'invalid' });
  });

  it('is the class of the whole string when any part does not parse', () => {
    expect(classOf('SELECT 1; DELETE FROM t; SELEC 2')).toBe('invalid');
    expect(classOf("SELECT 'unterminated")).toBe('invalid');
    expect(classOf('SELECT 1 /* unterminated comment')).toBe('invalid');
  });

  it('refuses text with a NUL byte (the server would stop reading there)', () => {
    const c = classify('SELECT 1\u0000; DELETE FROM t');
    expect(c.class).toBe('invalid');
    expect(c.error?.cursorPosition).toBe(9);
  });
});
