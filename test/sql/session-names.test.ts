// SessionNames answers repeated lookups from its latest answers while nothing they depend
// on has changed. Random traffic through one instance that memoizes and one that never
// does must give the same answer for every name after every step.
import { describe, expect, it } from 'vitest';
import { SessionNames, type Entry, type Space } from '../../src/sql/session-names.js';
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
const NAMES = ['', 'a', 'b'];
const SPACES: Space[] = ['S', 'P'];

/** A session past its start-up ReadyForQuery. */
function started(): SessionNames {
  const n = new SessionNames();
  n.readyForQuery();
  return n;
}

describe('SessionNames', () => {
  const [r1, w1, r2] = ENTRIES as [Entry, Entry, Entry];

  // Each case asks for a name, changes what it may hold, and asks again at once: the
  // second answer must not be the remembered first one.
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

  it('answers from its latest answers exactly as it would from its maps', () => {
    let k = 4242;
    const rnd = (n: number) => {
      k = (k * 1103515245 + 12345) % 2 ** 31;
      return k % n;
    };
    let steps = 0;
    for (let run = 0; run < 100; run++) {
      const fast = new SessionNames();
      const slow = new SessionNames(false);
      fast.readyForQuery();
      slow.readyForQuery();
      for (let step = 0; step < 80; step++, steps++) {
        const op = rnd(12);
        const space = SPACES[rnd(2)]!;
        const name = NAMES[rnd(NAMES.length)]!;
        const other = NAMES[rnd(NAMES.length)]!;
        const e = ENTRIES[rnd(ENTRIES.length)]!;
        const clearNow = rnd(2) === 0;
        for (const n of [fast, slow]) {
          switch (op) {
            case 0:
            case 1:
              n.set(space, name, [e]);
              break;
            case 2:
              n.set(space, name, null);
              break;
            case 3:
            case 4: {
              // A Bind: the portal gets what the statement may hold (the same array).
              const held = n.lookup('S', name);
              n.set('P', other, held.length > 0 ? held : null);
              break;
            }
            case 5:
              n.add(space, name, e);
              break;
            case 6:
              if (clearNow) n.clear(space, (x) => x.holdable);
              break;
            case 7:
            case 8:
              n.closeBatch();
              break;
            case 9:
              n.expectReady();
              break;
            case 10:
              n.readyForQuery();
              break;
            case 11:
              n.serverError();
              break;
          }
        }
        // Only the name looked up last in a space is remembered, and only the first
        // question after a step can be answered from a stale memory: the first name asked
        // is drawn, so that over the run each is asked first after every kind of step.
        const first = NAMES[rnd(NAMES.length)]!;
        for (const s of SPACES) {
          for (const nm of [first, ...NAMES.filter((x) => x !== first)]) {
            expect(fast.lookup(s, nm), `run ${run} step ${step} ${s}${nm}`).toEqual(
              slow.lookup(s, nm),
            );
          }
        }
      }
    }
    expect(steps).toBe(8000);
  });
});
