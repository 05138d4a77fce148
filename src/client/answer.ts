// Finding what a check needs in a backend's answer, wherever that backend put it: the data itself or an object
// inside it, a few levels deep. Backends under test are not ours, so their answers are searched, not parsed.

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The profile object in a backend answer: the data itself, or a `profile`/`userInfo`/`user` inside it. */
export function findProfile(data: unknown): Record<string, unknown> | undefined {
  const d = obj(data);
  if (!d) return undefined;
  if ('nickName' in d) return d;
  for (const k of ['profile', 'userInfo', 'user']) {
    const inner = obj(d[k]);
    if (inner && 'nickName' in inner) return inner;
    const deeper = obj(inner?.profile);
    if (deeper && 'nickName' in deeper) return deeper;
  }
  return undefined;
}

export function findString(data: unknown, keys: string[], depth = 2): string | undefined {
  const d = obj(data);
  if (!d) return undefined;
  for (const k of keys) if (typeof d[k] === 'string') return d[k] as string;
  if (depth > 0) {
    for (const v of Object.values(d)) {
      const found = findString(v, keys, depth - 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export function findArray(data: unknown, key: string, depth = 2): unknown[] | undefined {
  const d = obj(data);
  if (!d) return undefined;
  if (Array.isArray(d[key])) return d[key] as unknown[];
  if (depth > 0) {
    for (const v of Object.values(d)) {
      const found = findArray(v, key, depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}
