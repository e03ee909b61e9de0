// The walker's picture of the parse tree must match libpg-query's own type description,
// and every statement node must belong to a rule family: an upgrade of libpg-query that
// adds a node or a field fails here instead of silently going unwalked.
import { describe, expect, it } from 'vitest';
import { NODE_SCHEMA_SOURCE } from '../../src/sql/node-schema-data.js';
import { familyOf, knownStatementKinds } from '../../src/sql/statement-kinds.js';
import { walkStatement } from '../../src/sql/tree-walker.js';
import { readPgsqlTypesSchema } from './helpers/pgsql-types-schema.js';

describe('node schema', () => {
  it('matches @pgsql/types exactly', () => {
    const expected = readPgsqlTypesSchema();
    expect(Object.keys(expected).length).toBeGreaterThan(250);
    expect(NODE_SCHEMA_SOURCE).toEqual(expected);
  });

  it('every *Stmt node type has a rule family', () => {
    const statementTypes = Object.keys(NODE_SCHEMA_SOURCE).filter((t) => t.endsWith('Stmt'));
    const missing = statementTypes.filter((t) => familyOf(t) === undefined);
    expect(missing).toEqual([]);
    const stale = knownStatementKinds().filter((k) => !(k in NODE_SCHEMA_SOURCE));
    expect(stale).toEqual([]);
  });
});

describe('the walker fails closed', () => {
  it('reports node types it does not know', () => {
    const facts = walkStatement(
      'SelectStmt',
      { targetList: [{ ResTarget: { val: { FutureExpr: { arg: { FuncCall: {} } } } } }] },
      { topAccess: 'read' },
    );
    expect(facts.unknown).toContain('FutureExpr');
  });

  it('reports fields it does not know when they hold something', () => {
    const facts = walkStatement(
      'SelectStmt',
      { newClause: [{ FuncCall: {} }], newFlag: true },
      { topAccess: 'read' },
    );
    expect(facts.unknown).toEqual(['SelectStmt.newClause']);
  });

  it('reports analyzer-only nodes and malformed wrappers', () => {
    const facts = walkStatement(
      'SelectStmt',
      { targetList: [{ NextValueExpr: {} }, { A_Const: {}, Extra: {} }] },
      { topAccess: 'read' },
    );
    expect(facts.unknown).toEqual(expect.arrayContaining(['NextValueExpr']));
    expect(facts.unknown.length).toBe(2);
  });
});
