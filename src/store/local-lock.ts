// A named lock held in this process only (memory and SQLite: one backend instance per store). Redis takes its locks
// on the server instead, so they exclude other instances too.
import { randomBytes } from 'node:crypto';

export function localLocks(now: () => number) {
  const held = new Map<string, { id: string; until: number }>();
  return async (name: string, ttlMs: number) => {
    const cur = held.get(name);
    if (cur && cur.until > now()) return undefined;
    const id = randomBytes(8).toString('hex');
    held.set(name, { id, until: now() + ttlMs });
    return async () => {
      if (held.get(name)?.id === id) held.delete(name);
    };
  };
}
