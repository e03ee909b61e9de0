// Unknown statement kinds and unknown tree parts are writes (fail closed), end to end.
import { beforeAll, describe, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { classifyNode } from '../../src/sql/statement-rules.js';

beforeAll(() => initClassifier());

const ctx = {
  opts: {},
  sql: '',
  inner: () => {
    throw new Error('not used');
  },
};

describe('fail closed', () => {
  it('an unknown statement kind is a write', () => {
    const v = classifyNode({ TeleportStmt: { where: 'mars' } }, ctx);
    expect(v.class).toBe('write');
    expect(v.reasons.join(' ')).toMatch(/unknown statement type TeleportStmt/);
  });

  it('a statement that is only ever part of another is a write at the top', () => {
    expect(classifyNode({ ReturnStmt: {} }, ctx).class).toBe('write');
  });

  it('an unknown node inside a SELECT makes it a write', () => {
    const v = classifyNode(
      { SelectStmt: { targetList: [{ ResTarget: { val: { QuantumExpr: {} } } }] } },
      ctx,
    );
    expect(v.class).toBe('write');
    expect(v.reasons.join(' ')).toMatch(/QuantumExpr/);
  });

  it('an unknown node inside a forbidden statement keeps it forbidden', () => {
    const v = classifyNode({ LoadStmt: { filename: 'x', extra: { Mystery: {} } } }, ctx);
    expect(v.class).toBe('forbidden');
  });
});
