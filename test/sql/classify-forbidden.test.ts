// Rule 2, "Forbidden": always refused, never offered for approval.
import { beforeAll, describe, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { classOf, only } from './helpers/classify-helpers.js';

beforeAll(() => initClassifier());

describe('forbidden', () => {
  it.each([
    // COPY to or from a file or PROGRAM; ALTER SYSTEM; LOAD
    "COPY t FROM '/etc/passwd'",
    "COPY t TO '/tmp/out.csv'",
    "COPY (SELECT 1) TO '/tmp/x'",
    "COPY t FROM PROGRAM 'curl evil'",
    "COPY t TO PROGRAM 'sh'",
    "ALTER SYSTEM SET work_mem = '1GB'",
    'ALTER SYSTEM RESET ALL',
    "LOAD 'auto_explain'",
    // dblink*, server file functions, other backends, configuration reload
    "SELECT dblink('host=x', 'select 1')",
    "SELECT * FROM dblink('host=x', 'delete from t') AS r(x int)",
    "SELECT dblink_exec('host=x', 'drop table t')",
    "SELECT public.dblink_connect('c', 'host=x')",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_read_binary_file('x')",
    "SELECT * FROM pg_ls_dir('.')",
    "SELECT pg_stat_file('x')",
    "SELECT lo_import('/etc/passwd')",
    "SELECT lo_export(1, '/tmp/x')",
    'SELECT pg_terminate_backend(123)',
    'SELECT pg_cancel_backend(pid) FROM pg_stat_activity',
    'SELECT pg_catalog.pg_reload_conf()',
    'SELECT pg_rotate_logfile()',
    // SET ROLE and SET SESSION AUTHORIZATION, in every spelling
    'SET ROLE admin',
    'SET LOCAL ROLE admin',
    'SET SESSION ROLE admin',
    'SET "role" = admin',
    'SET "ROLE" TO admin',
    'RESET ROLE',
    'SET SESSION AUTHORIZATION admin',
    'SET SESSION AUTHORIZATION DEFAULT',
    'RESET SESSION AUTHORIZATION',
    "SELECT set_config('role', 'admin', false)",
    "SELECT set_config('ROLE', 'admin', false)",
    "SELECT set_config('session_authorization', 'admin', false)",
    'SELECT set_config(name, value, false) FROM settings',
    // turning off the read-only guard
    'SET default_transaction_read_only = off',
    'SET default_transaction_read_only TO false',
    'SET transaction_read_only = 0',
    'SET SESSION transaction_read_only = no',
    'RESET default_transaction_read_only',
    'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE',
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT set_config('transaction_read_only', x, true) FROM t",
    // settings under which the server would read later text differently
    'SET standard_conforming_strings = off',
    'SET standard_conforming_strings TO 0',
    'RESET standard_conforming_strings',
    "SELECT set_config('standard_conforming_strings', 'off', false)",
    "SET client_encoding = 'SJIS'",
    "SET NAMES 'big5'",
    "SET client_encoding TO 'GBK'",
    "SET client_encoding = 'gb18030'",
    "SET client_encoding = 'UHC'",
    "SET client_encoding = 'shift_jis_2004'",
    "SET client_encoding = 'WIN932'",
    "SELECT set_config('client_encoding', 'sjis', false)",
    'SET search_path = myschema, pg_catalog',
    'SET search_path TO "$user", public, pg_catalog',
    "SELECT set_config('search_path', 'app, pg_catalog', false)",
    // anything containing a forbidden statement is forbidden as a whole
    'SELECT 1; SET ROLE admin',
  ])('%s', (sql) => {
    expect(classOf(sql)).toBe('forbidden');
  });

  it('BEGIN/SET TRANSACTION ... READ WRITE is forbidden only when the policy forces read-only', () => {
    for (const sql of [
      'BEGIN READ WRITE',
      'START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE',
      'SET TRANSACTION READ WRITE',
    ]) {
      expect(classOf(sql, { forceReadOnly: true }), sql).toBe('forbidden');
      expect(classOf(sql), sql).toBe('session');
    }
    expect(classOf('BEGIN READ ONLY', { forceReadOnly: true })).toBe('session');
    expect(classOf('BEGIN', { forceReadOnly: true })).toBe('session');
  });

  it('ALTER ROLE/DATABASE ... SET of a refused setting is forbidden too', () => {
    expect(classOf('ALTER ROLE app SET default_transaction_read_only = off')).toBe('forbidden');
    expect(classOf("ALTER DATABASE d SET client_encoding = 'SJIS'")).toBe('forbidden');
    expect(classOf('ALTER ROLE app SET default_transaction_read_only = on')).toBe('write');
  });

  it('gives a reason and critical risk', () => {
    const s = only("COPY t TO PROGRAM 'sh'");
    expect(s.risk).toBe('critical');
    expect(s.reasons.join(' ')).toMatch(/PROGRAM runs a shell command/);
    expect(only('SET ROLE x').reasons.join(' ')).toMatch(/role/);
  });
});
