import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/sql/lru-cache.js';

describe('LruCache', () => {
  it('evicts the least recently placed key past capacity', () => {
    const c = new LruCache<string, number>(3);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    c.set('d', 4);
    expect(c.get('a')).toBeUndefined();
    expect([c.get('b'), c.get('c'), c.get('d')]).toEqual([2, 3, 4]);
    expect(c.size).toBe(3);
  });

  it('keeps a key that is used while others come and go', () => {
    const c = new LruCache<string, number>(100);
    c.set('hot', 0);
    for (let i = 0; i < 10_000; i++) {
      c.set(`k${i}`, i);
      if (i % 50 === 0) expect(c.get('hot')).toBe(0);
    }
    expect(c.get('hot')).toBe(0);
    expect(c.size).toBe(100);
  });

  it('replaces a value, shrinks on resize and ignores sets at capacity 0', () => {
    const c = new LruCache<string, number>(4);
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, 1);
    c.set('a', 2);
    expect(c.get('a')).toBe(2);
    c.resize(2);
    expect(c.size).toBe(2);
    expect(c.get('a')).toBe(2); // re-set last, so among the two newest
    c.resize(0);
    c.set('x', 1);
    expect(c.size).toBe(0);
  });
});
