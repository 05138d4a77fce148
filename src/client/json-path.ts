// Tiny dotted JSON paths (`data.token`, `result.items.0.id`): enough to tell the client where a backend puts the
// token, without a dependency.
export function getPath(value: unknown, path: string): unknown {
  if (path === '' || path === '.') return value;
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
