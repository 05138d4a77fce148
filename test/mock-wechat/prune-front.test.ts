// pruneFront: the mock's bounded Maps drop their oldest entries through one iterator kept per Map, not a fresh
// for...of per insert (which steps over every hole deleted entries leave at the front until V8 rebuilds the table).
import { describe, expect, it } from 'vitest';
import { pruneFront } from '../../mock-wechat/state/prune-front.js';

/** A Map that counts the iterators made over it. */
function counted<K, V>(entries: [K, V][] = []) {
  const m = new Map<K, V>(entries);
  let iterators = 0;
  const entriesOf = m.entries.bind(m);
  m.entries = () => {
    iterators++;
    return entriesOf();
  };
  const iterate = m[Symbol.iterator].bind(m);
  m[Symbol.iterator] = () => {
    iterators++;
    return iterate();
  };
  return { m, iterators: () => iterators };
}

describe('pruneFront', () => {
  it('drops from the front while the test holds, oldest first, and stops at the first entry it keeps', () => {
    const m = new Map([['a', 1], ['b', 2], ['c', 3], ['d', 1]]);
    const dropped: string[] = [];
    pruneFront(m, (v) => v <= 2, (k) => dropped.push(k));
    expect(dropped).toEqual(['a', 'b']);
    expect([...m.keys()]).toEqual(['c', 'd']);
    // 'd' would pass the test, but it is behind 'c'.
    pruneFront(m, (v) => v <= 2, (k) => dropped.push(k));
    expect([...m.keys()]).toEqual(['c', 'd']);
  });
  it('caps the size: the test sees the size before each entry goes', () => {
    const m = new Map(Array.from({ length: 10 }, (_, i) => [i, i] as [number, number]));
    pruneFront(m, (_v, size) => size > 4);
    expect([...m.keys()]).toEqual([6, 7, 8, 9]);
  });
  it('skips entries deleted or replaced by other code, and goes on after the Map was emptied or cleared', () => {
    const m = new Map<string, number>([['a', 1], ['b', 1], ['c', 9]]);
    pruneFront(m, (v) => v < 5); // the cursor now stands on 'c'
    m.delete('c');
    m.set('d', 1);
    m.set('e', 9);
    pruneFront(m, (v) => v < 5);
    expect([...m.keys()]).toEqual(['e']);
    // The cursor stands on 'e'. Given another value, 'e' is passed over (the mock's Maps never set a key twice),
    // and the walk goes on behind it.
    m.set('e', 1);
    m.set('f', 1);
    m.set('g', 9);
    pruneFront(m, (v) => v < 5);
    expect([...m.keys()]).toEqual(['e', 'g']);
    m.clear();
    pruneFront(m, () => true);
    m.set('x', 1);
    m.set('h', 9);
    pruneFront(m, (v) => v < 5);
    expect([...m.keys()]).toEqual(['h']);
    m.delete('h');
    pruneFront(m, () => true);
    m.set('i', 1);
    pruneFront(m, () => true);
    expect(m.size).toBe(0);
  });
  it('keeps one iterator per Map across calls: a steady stream of inserts makes no new ones', () => {
    const { m, iterators } = counted<number, number>();
    const ttl = 1000;
    for (let t = 0; t < 20_000; t++) {
      pruneFront(m, (expiresAt) => expiresAt <= t);
      m.set(t, t + ttl);
    }
    expect(m.size).toBe(ttl);
    expect([...m.keys()][0]).toBe(20_000 - ttl);
    // The walk above made 2 (one while the Map was empty at the start); a for...of per insert would make 20,000.
    expect(iterators()).toBeLessThanOrEqual(3);
  });
});
