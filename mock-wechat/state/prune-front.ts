// Bounded, insertion-ordered Maps (codes, tokens, rids, payments, sealed messages) drop their oldest entries from the
// front as new ones arrive.
//
// A fresh for...of from the front on every insert is not O(1) amortised: a Map keeps each deleted entry as a hole until
// V8 rebuilds its table, and an iterator steps over every hole before the first live entry. With 100,000 live login
// codes a mint cost 89 µs that way (about 1 µs with 1,000), so a long load run slowed down as it went. A Map iterator
// stays valid while entries are added and deleted, and it sees entries added after it was made: one kept per Map
// steps over each hole once.

interface Cursor<K, V> {
  it: Iterator<[K, V]>;
  /** The entry the cursor stands on, read but not dropped (the next call looks at it first). */
  head: [K, V] | undefined;
}

const cursors = new WeakMap<Map<unknown, unknown>, Cursor<unknown, unknown>>();

/**
 * Deletes entries from the front of `m`, oldest first, while `drop(value, size)` says so (size: the Map's size before
 * that entry goes), calling `onDrop` for each. Entries deleted or replaced by other code meanwhile are skipped.
 */
export function pruneFront<K, V>(m: Map<K, V>, drop: (value: V, size: number) => boolean, onDrop?: (key: K, value: V) => void): void {
  let c = cursors.get(m as Map<unknown, unknown>) as Cursor<K, V> | undefined;
  if (!c) {
    c = { it: m.entries(), head: undefined };
    cursors.set(m as Map<unknown, unknown>, c as Cursor<unknown, unknown>);
  }
  for (;;) {
    if (!c.head) {
      const r = c.it.next();
      // Past the end: the Map is empty. An exhausted iterator stays exhausted, so the next call starts a new one.
      if (r.done) {
        cursors.delete(m as Map<unknown, unknown>);
        return;
      }
      c.head = r.value;
    }
    const [k, v] = c.head;
    if (m.get(k) !== v) {
      // Deleted (or given another value) since the cursor read it: not the oldest entry any more.
      c.head = undefined;
      continue;
    }
    if (!drop(v, m.size)) return;
    m.delete(k);
    c.head = undefined;
    onDrop?.(k, v);
  }
}
