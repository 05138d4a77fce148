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

type Fn = (...a: unknown[]) => unknown;
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export const COMPONENT_LIFETIMES = ['created', 'attached', 'ready', 'detached'] as const;
export const PAGE_LIFETIMES = ['show', 'hide'] as const;

/** A property as the Component() definition declares it: `paramA: Number` or `{type: Number, value: 1}`. */
interface PropertyDef {
  type: unknown;
  value: unknown;
}

/** What a page built with Component() has beyond a Page(): properties, component lifetimes, page lifetimes. */
export interface ComponentParts {
  properties: Record<string, PropertyDef>;
  lifetimes: Record<(typeof COMPONENT_LIFETIMES)[number], Fn[]>;
  pageLifetimes: Record<(typeof PAGE_LIFETIMES)[number], Fn[]>;
}

/**
 * A Component() used as a page (https://developers.weixin.qq.com/miniprogram/dev/framework/custom-component/component.html,
 * "使用 Component 构造器构造页面"): the page handlers and methods are under `methods`; `properties` receive the page's
 * query parameters; the component lifetimes (`lifetimes`, or the same names at the top, `lifetimes` winning; a
 * function or the name of a method) and `pageLifetimes` run too; `behaviors` mix in their data, properties, methods
 * and lifetimes (a behavior's lifetimes run before the component's, the component's own methods and data win).
 */
export function componentPage(def: PageDef): { def: PageDef; parts: ComponentParts } {
  const parts: ComponentParts = { properties: {}, lifetimes: { created: [], attached: [], ready: [], detached: [] }, pageLifetimes: { show: [], hide: [] } };
  const methods: PageDef = {};
  const data: Record<string, unknown> = {};
  const seen = new Set<unknown>();
  const mix = (d: Record<string, unknown>, depth: number) => {
    if (seen.has(d) || depth > 20) return;
    seen.add(d);
    // Built-in behaviors ("wx://form-field") are names, not definitions: nothing to mix in here.
    if (Array.isArray(d.behaviors)) for (const b of d.behaviors) if (isObj(b)) mix(b, depth + 1);
    const own = isObj(d.methods) ? d.methods : {};
    for (const [k, v] of Object.entries(own)) if (typeof v === 'function') methods[k] = v;
    if (isObj(d.data)) Object.assign(data, copy(d.data));
    if (isObj(d.properties)) {
      for (const [k, v] of Object.entries(d.properties)) {
        parts.properties[k] = isObj(v) && ('type' in v || 'value' in v) ? { type: v.type, value: v.value } : { type: v, value: undefined };
      }
    }
    const fn = (v: unknown): Fn | undefined => (typeof v === 'function' ? (v as Fn) : typeof v === 'string' && typeof own[v] === 'function' ? (own[v] as Fn) : undefined);
    const lifetimes = isObj(d.lifetimes) ? d.lifetimes : {};
    for (const name of COMPONENT_LIFETIMES) {
      const f = fn(lifetimes[name]) ?? fn(d[name]);
      if (f) parts.lifetimes[name].push(f);
    }
    const pageLifetimes = isObj(d.pageLifetimes) ? d.pageLifetimes : {};
    for (const name of PAGE_LIFETIMES) {
      const f = fn(pageLifetimes[name]);
      if (f) parts.pageLifetimes[name].push(f);
    }
  };
  mix(def, 0);
  return { def: { ...methods, data }, parts };
}

/**
 * A query value given to a property, converted to the property's type as WeChat's component framework does
 * (glass-easel: String(v); a finite Number, else the default; !!v for Boolean; anything for null).
 */
function propertyValue(p: PropertyDef, v: string): unknown {
  switch (typeOf(p)) {
    case 'String':
      return String(v);
    case 'Number':
      return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : propertyDefault(p);
    case 'Boolean':
      return !!v;
    case 'Array':
    case 'Object':
      return propertyDefault(p);
    default:
      return v;
  }
}

function propertyDefault(p: PropertyDef): unknown {
  if (p.value !== undefined) return copy(p.value);
  return { String: '', Number: 0, Boolean: false, Array: [] }[typeOf(p) as string] ?? null;
}

/**
 * The property's type by name: the program's `Number` is its own context's, not this one's, so it is never
 * `=== Number` here.
 */
function typeOf(p: PropertyDef): string | undefined {
  return typeof p.type === 'function' && ['String', 'Number', 'Boolean', 'Array', 'Object'].includes(p.type.name) ? p.type.name : undefined;
}

export function createPage(def: PageDef, route: string, options: Record<string, string>, afterSetData: (cb: () => void) => void, component?: ComponentParts): PageInstance {
  const page: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(def)) page[k] = typeof v === 'function' ? v : copy(v);
  const data = (page.data && typeof page.data === 'object' ? page.data : {}) as Record<string, unknown>;
  page.data = data;
  if (component) {
    for (const [k, p] of Object.entries(component.properties)) data[k] = Object.hasOwn(options, k) ? propertyValue(p, options[k]!) : propertyDefault(p);
    // A component's properties and data are one object (this.properties === this.data).
    page.properties = data;
  }
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
