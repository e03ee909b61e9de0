// Short forms for classifier tests.
import { classify } from '../../../src/sql/classify.js';
import type { Classification, ClassifierOptions, StatementInfo } from '../../../src/sql/types.js';

export function classOf(sql: string, opts?: ClassifierOptions): string {
  return classify(sql, opts).class;
}

/** The only statement of `sql` (fails the test if there are several). */
export function only(sql: string, opts?: ClassifierOptions): StatementInfo {
  const c = classify(sql, opts);
  if (c.statements.length !== 1)
    throw new Error(`expected one statement, got ${c.statements.length}: ${sql}`);
  return c.statements[0]!;
}

/**
 * What a verdict says, for comparing a reused classification with a full parse.
 * `withText: false` leaves out the statement's text and length (a template's verdict
 * keeps the text it was first made for).
 */
export function verdict(c: Classification, { withText = true } = {}) {
  return {
    class: c.class,
    statements: c.statements.map((s) => ({
      ...(withText ? { sql: s.sql, length: s.length } : {}),
      location: s.location,
      kind: s.kind,
      class: s.class,
      relations: s.relations,
      functions: s.functions,
      flags: s.flags,
      risk: s.risk,
      fingerprint: s.fingerprint,
    })),
  };
}
