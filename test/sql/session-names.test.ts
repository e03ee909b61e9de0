// What a name may hold, as SessionNames answers it: each change is seen by the very next
// lookup (session-classifier.test.ts covers the same rules through whole statements).
import { describe, expect, it } from 'vitest';
import { SessionNames, type Entry } from '../../src/sql/session-names.js';
import type { Classification } from '../../src/sql/types.js';

function entry(sql: string, cls: 'read' | 'write', holdable = false): Entry {
  const classification = { class: cls, statements: [] } as unknown as Classification;
  return { classification, sql, holdable };
}

const ENTRIES = [
  entry('SELECT 1', 'read'),
  entry('DELETE FROM t', 'write'),
  entry('SELECT 2', 'read', true),
  entry('UPDATE t SET v = 1', 'write', true),
];

/** A session past its start-up ReadyForQuery. */
function started(): SessionNames {
  const n = new SessionNames();
  n.readyForQuery();
  return n;
}

describe('SessionNames', () => {
  const [r1, w1, r2] = ENTRIES as [Entry, Entry, Entry];

  it('a candidate added through a portal is seen at once', () => {
    const n = started();
    n.set('P', 'c', [r1]);
    expect(n.lookup('P', 'c')).toEqual([r1]);
    n.add('P', 'c', w1);
    expect(n.lookup('P', 'c')).toEqual([r1, w1]);
  });

  it('a clearing is seen at once', () => {
    const n = started();
    n.set('S', 'a', [w1]);
    n.closeBatch();
    n.readyForQuery();
    expect(n.lookup('S', 'a')).toEqual([w1]);
    n.clear('S');
    expect(n.lookup('S', 'a')).toEqual([]);
  });

  it('a confirmed batch narrows what a name may hold at once', () => {
    const n = started();
    n.set('S', 'a', [r1]);
    n.closeBatch();
    n.set('S', 'a', [r2]);
    n.closeBatch();
    n.readyForQuery(); // the first batch ran
    expect(n.lookup('S', 'a')).toEqual([r1, r2]);
    n.readyForQuery(); // so did the second: it replaced the first
    expect(n.lookup('S', 'a')).toEqual([r2]);
  });

  it('a change in the open batch, and its end, are seen at once', () => {
    const n = started();
    n.set('S', 'a', [r1]);
    n.closeBatch();
    n.readyForQuery();
    expect(n.lookup('S', 'a')).toEqual([r1]);
    n.set('S', 'a', [w1]);
    expect(n.lookup('S', 'a')).toEqual([w1]);
    n.closeBatch(); // not confirmed yet: either may be there
    expect(n.lookup('S', 'a')).toEqual([r1, w1]);
  });
});
