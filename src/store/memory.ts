// The in-memory engine (tests, `memory://`): one Map per namespace, private to its handle.
import type { Store } from './contract.js';
import { localLocks } from './local-lock.js';
import { keyvKey, keyvNamespaces } from './namespace.js';

export function openMemory(now: () => number, prefix: string): Store {
  const maps: Map<string, unknown>[] = [];
  const store: Store = {
    kind: 'memory',
    ...keyvNamespaces(prefix, now, (namespace) => {
      const map = new Map<string, unknown>();
      maps.push(map);
      return {
        store: map,
        // Read, compute and write in one synchronous stretch: nothing else can run in between, so no lock is needed.
        async update(key, step) {
          const k = keyvKey(namespace, key);
          const cur = map.get(k);
          const next = step(typeof cur === 'string' ? cur : undefined);
          if (next !== undefined) map.set(k, next);
        },
      };
    }),
    lock: localLocks(now),
    async prune() {
      let n = 0;
      const t = now();
      for (const map of maps) {
        for (const [k, raw] of map) {
          // keyv serialises Map entries as JSON text: {"value":{"v":...,"e":...},"expires":...}
          const e = expiryOf(raw);
          if (e !== undefined && e <= t) {
            map.delete(k);
            n++;
          }
        }
      }
      return n;
    },
    async ping() {},
    async close() {
      for (const m of maps) m.clear();
    },
  };
  return store;
}

function expiryOf(raw: unknown): number | undefined {
  try {
    const obj = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { value?: { e?: unknown } };
    return typeof obj?.value?.e === 'number' ? obj.value.e : undefined;
  } catch {
    return undefined;
  }
}
