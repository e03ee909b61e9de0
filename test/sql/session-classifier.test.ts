// Prepared statements, portals and cursors per session, and the rule that what a name
// runs is never underestimated, even when the server skipped messages after an error.
import { beforeAll, describe, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { SessionClassifier } from '../../src/sql/session-classifier.js';

beforeAll(() => initClassifier());

/** A session past its start-up ReadyForQuery, as the proxy sees it. */
function started(opts?: ConstructorParameters<typeof SessionClassifier>[0]): SessionClassifier {
  const s = new SessionClassifier(opts);
  s.readyForQuery();
  return s;
}

/** A query the server ran (hooks as the proxy calls them). */
function ok(s: SessionClassifier, sql: string): string {
  const c = s.query(sql).class;
  s.readyForQuery();
  return c;
}

/** A query the server failed (or the proxy refused with a failing substitute). */
function failed(s: SessionClassifier, sql: string): string {
  const c = s.query(sql).class;
  s.serverError();
  s.readyForQuery();
  return c;
}

describe('PREPARE / EXECUTE', () => {
  it('EXECUTE takes the class of what was prepared, with its text for approvers', () => {
    const s = started();
    expect(ok(s, 'PREPARE r(int) AS SELECT * FROM t WHERE id = $1')).toBe('session');
    expect(ok(s, 'PREPARE w(int) AS DELETE FROM t WHERE id = $1')).toBe('write');
    const r = s.query('EXECUTE r(1)');
    expect(r.class).toBe('read');
    const w = s.query('EXECUTE w(1)').statements[0]!;
    expect(w).toMatchObject({
      class: 'write',
      kind: 'ExecuteStmt',
      resolvedSql: 'DELETE FROM t WHERE id = $1',
    });
    expect(w.relations).toEqual([
      { schema: 'public', name: 't', qualified: false, access: 'write' },
    ]);
    expect(w.flags).not.toContain('prepared_unknown');
    expect(s.statementText('w')).toBe('DELETE FROM t WHERE id = $1');
  });

  it('an unknown name is a write, never a read', () => {
    const s = started();
    const c = s.query('EXECUTE nope');
    expect(c.class).toBe('write');
    expect(c.statements[0]!.flags).toContain('prepared_unknown');
    expect(s.statementText('nope')).toBeUndefined();
  });

  it('arguments of EXECUTE count too', () => {
    const s = started();
    ok(s, 'PREPARE r(bigint) AS SELECT $1');
    expect(s.query("EXECUTE r(nextval('s'))").class).toBe('write');
    expect(s.query('EXECUTE r(pg_terminate_backend(1))').class).toBe('forbidden');
  });

  it('EXPLAIN [ANALYZE] EXECUTE resolves the name', () => {
    const s = started();
    ok(s, 'PREPARE w AS DELETE FROM t');
    ok(s, 'PREPARE r AS SELECT 1');
    expect(s.query('EXPLAIN ANALYZE EXECUTE w').class).toBe('write');
    expect(s.query('EXPLAIN EXECUTE r').class).toBe('read');
    expect(s.query('EXPLAIN EXECUTE unknown_name').class).toBe('write');
  });

  it('PREPARE and EXECUTE in one query string are resolved in order', () => {
    const s = started();
    expect(s.query('PREPARE x AS SELECT 1; EXECUTE x').class).toBe('session');
    expect(s.query('PREPARE y AS UPDATE t SET a = 1; EXECUTE y').statements[1]!.class).toBe(
      'write',
    );
  });

  it('DEALLOCATE forgets once the server confirms it; DISCARD ALL forgets everything', () => {
    const s = started();
    ok(s, 'PREPARE r AS SELECT 1');
    ok(s, 'DEALLOCATE r');
    expect(ok(s, 'EXECUTE r')).toBe('write');
    ok(s, 'PREPARE a AS SELECT 1');
    ok(s, 'PREPARE b AS SELECT 2');
    ok(s, 'DEALLOCATE ALL');
    expect(ok(s, 'EXECUTE a')).toBe('write');
    ok(s, 'PREPARE c AS SELECT 1');
    ok(s, 'DECLARE k CURSOR WITH HOLD FOR SELECT 1');
    ok(s, 'DISCARD ALL');
    expect(ok(s, 'EXECUTE c')).toBe('write');
    expect(ok(s, 'FETCH k')).toBe('write');
  });

  it('a re-PREPARE after a DEALLOCATE that did not run keeps the old statement in view', () => {
    const s = started();
    ok(s, 'PREPARE p AS DELETE FROM accounts');
    // The first statement fails, so the server never runs the DEALLOCATE...
    failed(s, 'SELECT 1/0; DEALLOCATE p');
    // ...and this PREPARE fails with "already exists": p is still the DELETE.
    failed(s, 'PREPARE p AS SELECT 1');
    const c = s.query('EXECUTE p');
    expect(c.class).toBe('write');
    expect(c.statements[0]!.resolvedSql).toContain('DELETE FROM accounts');
  });

  it('without any server feedback a reused name is judged by every statement it may hold', () => {
    const s = started();
    s.query('PREPARE p AS DELETE FROM accounts');
    s.query('DEALLOCATE p');
    s.query('PREPARE p AS SELECT 1');
    expect(s.query('EXECUTE p').class).toBe('write');
    // In one query string the order is certain: later statements only run if earlier ones did.
    expect(s.query('DEALLOCATE p; PREPARE p AS SELECT 2; EXECUTE p').statements[2]!.class).toBe(
      'read',
    );
  });

  it('pipelined batches: an error leaves every batch not yet confirmed unconfirmed', () => {
    const s = started();
    ok(s, 'PREPARE p AS DELETE FROM accounts');
    s.query('SELECT 1/0; DEALLOCATE p');
    s.query('PREPARE p AS SELECT 1');
    s.serverError();
    s.readyForQuery();
    s.serverError();
    s.readyForQuery();
    expect(s.query('EXECUTE p').class).toBe('write');
  });

  it('the first ReadyForQuery is the start-up’s and confirms nothing', () => {
    const s = new SessionClassifier();
    s.query('PREPARE p AS DELETE FROM accounts');
    s.query('DEALLOCATE p');
    s.readyForQuery(); // start-up, arriving late
    s.query('PREPARE p AS SELECT 1');
    expect(s.query('EXECUTE p').class).toBe('write');
  });

  it('with server confirmation a reused name is judged by its new statement only', () => {
    const s = started();
    ok(s, 'PREPARE p AS DELETE FROM accounts');
    ok(s, 'DEALLOCATE p');
    ok(s, 'PREPARE p AS SELECT 1');
    expect(s.query('EXECUTE p').class).toBe('read');
  });
});

describe('extended protocol', () => {
  it('Parse/Bind/Execute: the portal has the class of the statement; unknown portal is a write', () => {
    const s = started();
    expect(s.parse('s1', 'SELECT * FROM t WHERE id = $1').class).toBe('read');
    s.bind('', 's1');
    expect(s.portal('').class).toBe('read');
    expect(s.portal('never_bound').class).toBe('write');
    expect(s.portal('never_bound').statements[0]!.flags).toContain('prepared_unknown');
    s.bind('p2', 'no_such_statement');
    expect(s.portal('p2').class).toBe('write');
    expect(s.statementText('s1')).toBe('SELECT * FROM t WHERE id = $1');
  });

  it('Parse shares the PREPARE namespace', () => {
    const s = started();
    s.parse('shared', 'UPDATE t SET a = $1');
    s.sync();
    s.readyForQuery();
    expect(s.query('EXECUTE shared(1)').class).toBe('write');
    ok(s, 'PREPARE other AS SELECT 1');
    s.bind('', 'other');
    expect(s.portal('').class).toBe('read');
  });

  it('a new unnamed Parse replaces the previous one within a batch', () => {
    const s = started();
    s.parse('', 'DELETE FROM t');
    s.bind('', '');
    expect(s.portal('').class).toBe('write');
    s.parse('', 'SELECT 1');
    s.bind('', '');
    expect(s.portal('').class).toBe('read');
    s.sync();
    s.readyForQuery();
    // The usual driver pattern after a write: Parse/Bind/Execute/Sync of a read.
    s.parse('', 'SELECT 2');
    s.bind('', '');
    expect(s.portal('').class).toBe('read');
  });

  it('an unnamed statement swapped in a batch that failed is not trusted afterwards', () => {
    const s = started();
    s.parse('', 'DELETE FROM accounts');
    s.sync();
    s.readyForQuery();
    // The server fails the first message and skips the rest of the batch until Sync.
    s.parse('bad', 'SELEC 1');
    s.serverError();
    s.parse('', 'SELECT 1');
    s.bind('', '');
    s.sync();
    s.readyForQuery();
    // A Bind of the unnamed statement without a new Parse: it may still be the DELETE.
    s.bind('', '');
    expect(s.portal('').class).toBe('write');
  });

  it('a portal bound again to what it surely holds stays right, whatever the batch does', () => {
    const s = started();
    s.parse('r', 'SELECT 1');
    s.parse('w', 'DELETE FROM accounts');
    s.bind('', 'r');
    s.sync();
    s.readyForQuery();
    // The same Bind each transaction (pgbench -M prepared): confirmed, or failed.
    for (const fail of [false, true, false]) {
      s.bind('', 'r');
      expect(s.portal('')).toMatchObject({ class: 'read' });
      s.sync();
      if (fail) s.serverError();
      s.readyForQuery();
      expect(s.portal('').class).toBe('read');
    }
    // Bound elsewhere in an unconfirmed batch, then back: both stay possible.
    s.bind('', 'w');
    s.sync();
    s.bind('', 'r');
    s.sync();
    expect(s.portal('').class).toBe('write');
    s.readyForQuery();
    s.readyForQuery();
    expect(s.portal('').class).toBe('read');
    // Within one batch: a Close, then the same Bind again.
    s.close('P', '');
    expect(s.portal('').class).toBe('write');
    s.bind('', 'r');
    expect(s.portal('').class).toBe('read');
    s.sync();
    s.readyForQuery();
    // A space cleared in this batch (CLOSE ALL), then the same Bind.
    s.query('CLOSE ALL');
    s.readyForQuery();
    s.bind('', 'r');
    expect(s.portal('').class).toBe('read');
    s.sync();
    s.readyForQuery();
    // Cleared inside the open batch (a Query pipelined in it), then the same Bind.
    s.bind('', 'r');
    s.sync();
    s.readyForQuery();
    s.parse('q', 'SELECT 2');
    s.query('CLOSE ALL');
    s.bind('', 'r');
    expect(s.portal('').class).toBe('read');
    s.sync();
    s.readyForQuery();
    s.readyForQuery();
    expect(s.portal('').class).toBe('read');
    // A failed batch that bound it elsewhere leaves both candidates: no shortcut then.
    s.bind('', 'w');
    s.sync();
    s.serverError();
    s.readyForQuery();
    s.bind('', 'r');
    s.sync();
    s.serverError();
    s.readyForQuery();
    expect(s.portal('').class).toBe('write');
  });

  it('Close forgets a statement once confirmed; a portal keeps what it was bound to', () => {
    const s = started();
    s.parse('st', 'SELECT 1');
    s.bind('po', 'st');
    s.close('S', 'st');
    expect(s.portal('po').class).toBe('read');
    s.bind('po2', 'st');
    expect(s.portal('po2').class).toBe('write');
    s.close('P', 'po');
    expect(s.portal('po').class).toBe('write');
  });

  it('statements run through a portal are resolved and only ever add to what names may hold', () => {
    const s = started();
    ok(s, 'PREPARE target AS DELETE FROM t');
    s.parse('', 'EXECUTE target');
    s.bind('', '');
    expect(s.portal('').class).toBe('write');
    s.parse('', 'DEALLOCATE target');
    s.bind('', '');
    s.portal('');
    s.parse('', 'PREPARE q AS TRUNCATE t');
    s.bind('', '');
    s.portal('');
    s.sync();
    s.readyForQuery();
    // The gate saw Bind and Execute separately and cannot know the Execute ran: the
    // DEALLOCATE is ignored and q is known.
    expect(s.query('EXECUTE target').class).toBe('write');
    expect(s.query('EXECUTE q').class).toBe('write');
  });
});

describe('cursors', () => {
  it('FETCH/MOVE take the class of the cursor’s query; CLOSE forgets it', () => {
    const s = started();
    ok(s, 'BEGIN');
    ok(s, 'DECLARE r CURSOR FOR SELECT * FROM t');
    ok(s, 'DECLARE w CURSOR FOR SELECT * FROM t FOR UPDATE');
    expect(ok(s, 'FETCH 10 FROM r')).toBe('read');
    expect(ok(s, 'MOVE NEXT IN w')).toBe('write');
    expect(s.query('FETCH ALL w').statements[0]!.resolvedSql).toBe('SELECT * FROM t FOR UPDATE');
    s.readyForQuery();
    ok(s, 'CLOSE r');
    expect(ok(s, 'FETCH r')).toBe('write');
    ok(s, 'CLOSE ALL');
    expect(ok(s, 'FETCH w')).toBe('write');
  });

  it('a cursor is a portal: Execute of a declared cursor name resolves to its query', () => {
    const s = started();
    ok(s, "DECLARE c CURSOR FOR SELECT nextval('s')");
    expect(s.portal('c').class).toBe('write');
  });

  it('COMMIT ends cursors except WITH HOLD ones', () => {
    const s = started();
    ok(s, 'BEGIN');
    ok(s, 'DECLARE plain CURSOR FOR SELECT 1');
    ok(s, 'DECLARE kept CURSOR WITH HOLD FOR SELECT 1');
    ok(s, 'COMMIT');
    expect(ok(s, 'FETCH plain')).toBe('write');
    expect(ok(s, 'FETCH kept')).toBe('read');
  });
});

describe('server settings (ParameterStatus)', () => {
  it.each([
    ['standard_conforming_strings', 'off'],
    ['client_encoding', 'SJIS'],
    ['client_encoding', 'BIG5'],
    ['client_encoding', 'GBK'],
    ['client_encoding', 'GB18030'],
    ['client_encoding', 'UHC'],
    ['search_path', 'public, pg_catalog'],
    ['search_path', '"$user", pg_catalog'],
  ])('%s = %s makes every later statement forbidden', (name, value) => {
    const s = started();
    s.parameterStatus(name, value);
    const c = s.query('SELECT 1');
    expect(c.class).toBe('forbidden');
    expect(c.statements[0]!.flags).toContain('parser_mismatch');
    expect(c.statements[0]!.reasons[0]).toMatch(new RegExp(name));
    expect(s.parse('x', 'SELECT lower(a) FROM t').class).toBe('forbidden');
  });

  it('harmless values are fine, and a session can set things right again', () => {
    const s = started();
    s.parameterStatus('client_encoding', 'UTF8');
    s.parameterStatus('search_path', '"$user", public');
    s.parameterStatus('standard_conforming_strings', 'on');
    expect(s.query('SELECT 1').class).toBe('read');
    s.parameterStatus('standard_conforming_strings', 'off');
    expect(s.query("SELECT 'a\\'; DELETE FROM t; --'").class).toBe('forbidden');
    expect(s.query('SET standard_conforming_strings = on').class).toBe('session');
    expect(s.query("SET standard_conforming_strings = 'on\\'").class).toBe('forbidden');
    s.parameterStatus('standard_conforming_strings', 'on');
    expect(s.query('SELECT 1').class).toBe('read');
    s.parameterStatus('search_path', 'app, pg_catalog');
    expect(s.query('SET search_path = app, public').class).toBe('session');
    expect(s.query('SELECT lower(x) FROM t').class).toBe('forbidden');
  });

  it('the FunctionCall message is forbidden except for large-object reads', () => {
    const s = started();
    const c = s.functionCall({ oid: 1598, args: [] });
    expect(c.class).toBe('forbidden');
    expect(c.statements[0]!.reasons[0]).toMatch(/FunctionCall/);
    const read = s.functionCall({ oid: 953, args: [{ format: 'binary', value: Buffer.alloc(4) }] });
    expect(read.class).toBe('read');
  });

  it('setOptions applies to later statements', () => {
    const s = started();
    expect(s.query('BEGIN READ WRITE').class).toBe('session');
    s.setOptions({ forceReadOnly: true });
    expect(s.query('BEGIN READ WRITE').class).toBe('forbidden');
    s.setOptions({ safeFunctions: ['app.*'] });
    expect(s.query('SELECT app.f()').class).toBe('read');
  });

  it('stays bounded and correct when the server hooks are never called', () => {
    const s = started();
    s.query('PREPARE w AS DELETE FROM t');
    for (let i = 0; i < 600; i++) s.query(`SELECT ${i}`);
    expect(s.query('EXECUTE w').class).toBe('write');
  });
});
