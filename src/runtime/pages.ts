// Page instances as WeChat makes them from a Page() (or Component()) definition
// (https://developers.weixin.qq.com/miniprogram/dev/reference/api/Page.html): `data` copied, the functions and
// other fields on the instance, `setData` changing `data` by path ("a.b[0].c"), `route` and `options`.

export type PageDef = Record<string, unknown>;
export type PageInstance = Record<string, unknown> & { data: Record<string, unknown>; route: string };

const copy = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** "a.b[0].c" → ["a", "b", 0, "c"]. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = part.match(/^([^[\]]*)((?:\[\d+\])*)$/);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = parsePath(path);
  let o: Record<string | number, unknown> = target;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) {
      o[k] = value;
      return;
    }
    const next = o[k];
    if (next === null || typeof next !== 'object') o[k] = typeof keys[i + 1] === 'number' ? [] : {};
    o = o[k] as Record<string | number, unknown>;
  });
}

/** A Component() used as a page keeps its page handlers and methods under `methods`. */
export function flattenComponent(def: PageDef): PageDef {
  const methods = (def.methods && typeof def.methods === 'object' ? def.methods : {}) as PageDef;
  return { ...methods, data: def.data, ...(def.options ? { options: def.options } : {}) };
}

export function createPage(def: PageDef, route: string, options: Record<string, string>, afterSetData: (cb: () => void) => void): PageInstance {
  const page: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(def)) page[k] = typeof v === 'function' ? v : copy(v);
  const data = (page.data && typeof page.data === 'object' ? page.data : {}) as Record<string, unknown>;
  page.data = data;
  page.route = route;
  page.__route__ = route;
  page.options = options;
  page.setData = function setData(patch: unknown, cb?: unknown) {
    if (patch && typeof patch === 'object') for (const [k, v] of Object.entries(patch)) setPath(data, k, copy(v));
    if (typeof cb === 'function') afterSetData(() => cb.call(page));
  };
  return page as PageInstance;
}

/** "/pages/a/b?x=1&y=2" → { route: "pages/a/b", query: { x: "1", y: "2" } }. */
export function parsePageUrl(url: string, from?: string): { route: string; query: Record<string, string> } {
  const [path = '', q = ''] = url.split('?', 2);
  let route = path;
  if (!route.startsWith('/') && from) {
    // Relative to the current page's folder.
    const parts = from.split('/').slice(0, -1);
    for (const seg of route.split('/')) {
      if (seg === '..') parts.pop();
      else if (seg !== '.' && seg !== '') parts.push(seg);
    }
    route = parts.join('/');
  }
  route = route.replace(/^\/+/, '').replace(/\.js$/, '');
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(q)) query[k] = v;
  return { route, query };
}
