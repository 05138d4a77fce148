// runProgram: a mini program's own code, run in Node. Reads app.json, loads app.js and the pages' scripts (loader.ts),
// runs the launch lifecycle (App onLaunch/onShow, then the first page's onLoad/onShow/onReady;
// https://developers.weixin.qq.com/miniprogram/dev/framework/app-service/page-life-cycle.html), then each tap in order,
// each after the work the one before started has settled. Holds the page stack the navigation APIs change
// (https://developers.weixin.qq.com/miniprogram/dev/framework/app-service/route.html), the tab pages of app.json's
// tabBar, which stay alive while another tab shows, and the run's local files (files.ts, removed at the end).
// Answers the trace and whether the run passed.
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, type Dispatcher } from 'undici';
import { openTypeEvent, tapEvent } from './events.js';
import { createLoader, ModuleLoadError } from './loader.js';
import { mask } from './mask.js';
import { createFileSandbox } from './files.js';
import { componentPage, createPage, parsePageUrl, type ComponentParts, type PageDef, type PageInstance } from './pages.js';
import { checkExpectations, type Expectation, type ExpectationResult, type TapStep } from './scenario.js';
import { createFileStorage, storageOwner, type WxStorage } from './storage.js';
import { describeThrown, type TraceEntry } from './trace.js';
import { createTracker } from './tracker.js';
import type { UrlMapping } from './url-map.js';
import { createWxHost, DEFAULT_SDK_VERSION, type WxNavigator } from './wx.js';

/** Timers up to this long are waited for between steps; longer ones are left (and cleared at the end). */
export const DEFAULT_TIMER_BOUND_MS = 5000;

export class ProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProgramError';
  }
}

export interface RunProgramOptions {
  dir: string;
  mock: string;
  appid?: string;
  user: string;
  sdkVersion?: string;
  storage?: string | WxStorage;
  map?: readonly UrlMapping[];
  taps?: readonly TapStep[];
  expect?: readonly Expectation[];
  timerBoundMs?: number;
  requestTimeoutMs?: number;
  /** The most one wx.uploadFile or wx.downloadFile moves (default 50 MB). */
  maxFileBytes?: number;
  dispatcher?: Dispatcher;
  /** Each trace entry as it happens (a live view). */
  onEntry?: (e: TraceEntry) => void;
}

export interface RunReport {
  ok: boolean;
  dir: string;
  user: string;
  appid?: string;
  sdkVersion: string;
  pages: string[];
  trace: TraceEntry[];
  expectations: ExpectationResult[];
  /** Why the run failed: thrown errors, unhandled fails, failed expectations. */
  failures: string[];
  /** The user's storage at the end (unmasked: it is the caller's own). */
  storage: Record<string, unknown>;
}

/** A tab of app.json's tabBar.list (https://developers.weixin.qq.com/miniprogram/dev/reference/configuration/app.html#tabBar). */
interface TabItem {
  pagePath: string;
  text: string;
}

interface AppJson {
  pages: string[];
  tabs: TabItem[];
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function readAppJson(dir: string): AppJson {
  const file = join(dir, 'app.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ProgramError(`${dir} is not a folder`);
  if (!existsSync(file)) throw new ProgramError(`no app.json in ${dir}: is it a mini program's folder (the one with app.json, app.js, pages/)?`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProgramError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const pages = (json as { pages?: unknown })?.pages;
  if (!Array.isArray(pages) || pages.length === 0 || !pages.every((p) => typeof p === 'string' && p !== '')) {
    throw new ProgramError(`${file}: "pages" must list the pages, the first one opened at launch ("pages": ["pages/index/index"])`);
  }
  const list = pages.map((p: string) => p.replace(/^\/+/, ''));
  return { pages: list, tabs: readTabBar(file, (json as { tabBar?: unknown }).tabBar, list) };
}

/** app.json's tabBar: 2 to 5 tabs, each a page of "pages" with its text (the tabBar section of app.json's page). */
function readTabBar(file: string, tabBar: unknown, pages: readonly string[]): TabItem[] {
  if (tabBar === undefined) return [];
  const list = isObj(tabBar) ? tabBar.list : undefined;
  if (!Array.isArray(list) || list.length < 2 || list.length > 5) {
    throw new ProgramError(`${file}: "tabBar.list" must list 2 to 5 tabs ({"pagePath": "pages/index/index", "text": "Home"})`);
  }
  const seen = new Set<string>();
  return list.map((t: unknown, i) => {
    if (!isObj(t) || typeof t.pagePath !== 'string' || t.pagePath === '' || typeof t.text !== 'string') {
      throw new ProgramError(`${file}: "tabBar.list[${i}]" needs a "pagePath" and a "text" (strings)`);
    }
    const pagePath = t.pagePath.replace(/^\/+/, '');
    if (!pages.includes(pagePath)) throw new ProgramError(`${file}: "tabBar.list[${i}].pagePath" ${pagePath} is not one of "pages"`);
    if (seen.has(pagePath)) throw new ProgramError(`${file}: "tabBar.list[${i}].pagePath" ${pagePath} is listed twice`);
    seen.add(pagePath);
    return { pagePath, text: t.text };
  });
}

export async function runProgram(o: RunProgramOptions): Promise<RunReport> {
  const dir = resolve(o.dir);
  const appJson = readAppJson(dir);
  if (!existsSync(join(dir, 'app.js'))) throw new ProgramError(`no app.js in ${dir}`);
  const tabs = new Set(appJson.tabs.map((t) => t.pagePath));
  for (const t of o.taps ?? []) {
    if (t.tabBar) {
      if (!tabs.has(t.page)) throw new ProgramError(`--tap tabBar:${t.page}: ${t.page} is not a tab of app.json's tabBar.list (${[...tabs].join(', ') || 'app.json has no tabBar'})`);
      continue;
    }
    if (!appJson.pages.includes(t.page)) throw new ProgramError(`--tap ${t.page}:${t.handler}: ${t.page} is not a page in app.json (${appJson.pages.join(', ')})`);
  }
  // The storage file is read first: a bad one stops the run before anything is opened.
  const userStorage = typeof o.storage === 'string' ? createFileStorage(o.storage, storageOwner(o.appid, o.user)) : o.storage;
  const trace: TraceEntry[] = [];
  const add = (e: TraceEntry) => {
    trace.push(e);
    o.onEntry?.(e);
  };
  const als = new AsyncLocalStorage<string>();
  const where = () => als.getStore() ?? 'app';
  const within = <T>(who: string, fn: () => T): T => als.run(who, fn);
  const tracker = createTracker();
  const ownDispatcher = o.dispatcher ? undefined : new Agent({ keepAliveTimeout: 1000 });
  const dispatcher = o.dispatcher ?? ownDispatcher!;
  const sdkVersion = o.sdkVersion ?? DEFAULT_SDK_VERSION;
  const bound = o.timerBoundMs ?? DEFAULT_TIMER_BOUND_MS;

  const thrown = (err: unknown, what: string) => add({ kind: 'error', where: where(), message: `${what}: ${describeThrown(err, dir)}` });
  const safely = (what: string, fn: () => unknown) => {
    try {
      const r = fn();
      // A handler or hook that is an async function: its rejection is the program throwing.
      if (r && typeof (r as Promise<unknown>).then === 'function') {
        tracker.track(Promise.resolve(r).catch((err) => thrown(err, what)));
      }
    } catch (err) {
      thrown(err, what);
    }
  };

  // The program's state: its App, the registered pages, the page stack, and the tab pages alive (loaded and not
  // unloaded; the one showing is at the bottom of the stack, the others hidden, in none).
  let app: Record<string, unknown> | undefined;
  const defs = new Map<string, { def: PageDef; parts?: ComponentParts }>();
  const stack: PageInstance[] = [];
  const alive = new Map<string, PageInstance>();
  let loading: string | undefined;

  // Each switch happens on a later turn, as WeChat switches pages after the calling code has run: the code after a
  // wx.navigateTo still sees the old page stack, and the new page's onLoad comes after it.
  const later = () => new Promise<void>((r) => setImmediate(r));
  const navigator: WxNavigator = {
    async navigateTo(url) {
      const { route, query } = target(url, 'navigateTo');
      await later();
      // At most ten pages on the stack (the route page: "页面栈最多十层").
      if (stack.length >= 10) throw new Error('webview count limit exceed');
      const top = stack.at(-1);
      if (top) hide(top);
      open(route, query);
    },
    async redirectTo(url) {
      const { route, query } = target(url, 'redirectTo');
      await later();
      const top = stack.pop();
      if (top) unload(top);
      open(route, query);
    },
    async reLaunch(url) {
      const { route, query } = target(url);
      await later();
      // Every page closes, the tab pages hidden behind the one showing too; a tab page may be opened (route page).
      while (stack.length) unload(stack.pop()!);
      for (const page of [...alive.values()]) unload(page);
      open(route, query);
    },
    async navigateBack(delta) {
      await later();
      if (stack.length <= 1) throw new Error('cannot navigate back at first page.');
      for (let i = 0; i < delta && stack.length > 1; i++) unload(stack.pop()!);
      show(stack.at(-1)!);
    },
    async switchTab(url) {
      // No query for a tab page (wx.switchTab's page: "路径后不能带参数"): the base library warns and drops it.
      if (url.includes('?')) add({ kind: 'console', where: where(), level: 'warn', text: 'wx.switchTab: url 不支持 queryString' });
      const { route } = target(url.replace(/\?.*$/, ''));
      if (!tabs.has(route)) throw new Error('can not switch to no-tabBar page');
      await later();
      switchTo(route);
    },
  };
  /** The page a url names; navigateTo and redirectTo refuse a tab page, as WeChat does. */
  function target(url: string, refuseTab?: 'navigateTo' | 'redirectTo') {
    const t = parsePageUrl(url, stack.at(-1)?.route);
    if (!defs.has(t.route)) throw new Error(`page "${t.route}" is not found`);
    if (refuseTab && tabs.has(t.route)) throw new Error(`can not ${refuseTab} a tabbar page`);
    return t;
  }
  /**
   * To a tab page, as the route page's table for a tab switch orders it: the pages that are not tabs close (top
   * first), the tab showing is hidden (not unloaded), then the tab switched to shows, loaded first if it never was.
   * Tab pages only ever sit at the bottom of the stack (navigateTo and redirectTo cannot open one).
   */
  function switchTo(route: string) {
    const showing = stack.at(-1);
    if (stack.length === 1 && showing?.route === route) return;
    while (stack.length && !tabs.has(stack.at(-1)!.route)) unload(stack.pop()!);
    const bottom = stack.pop();
    if (bottom?.route === route) {
      stack.push(bottom);
      show(bottom);
      return;
    }
    if (bottom && bottom === showing) hide(bottom);
    const kept = alive.get(route);
    if (kept) {
      stack.push(kept);
      show(kept);
    } else open(route, {});
  }

  const files = createFileSandbox({ root: dir });
  const host = createWxHost({
    mock: o.mock,
    appid: o.appid,
    user: o.user,
    storage: userStorage,
    sdkVersion,
    map: o.map,
    dispatcher,
    requestTimeoutMs: o.requestTimeoutMs,
    files,
    maxFileBytes: o.maxFileBytes,
    trace: add,
    tracker,
    where,
    onThrow: (err, api) => thrown(err, `in a ${api} callback`),
    navigator,
  });

  // Timers: those up to `bound` count as work in flight; all are cleared when the run ends.
  const timers = new Map<number, NodeJS.Timeout>();
  let nextTimer = 1;
  const timerGlobals = () => ({
    setTimeout(fn: unknown, ms?: unknown, ...args: unknown[]) {
      const delay = Math.max(0, Number(ms) || 0);
      const id = nextTimer++;
      const end = delay <= bound ? tracker.begin() : () => undefined;
      const who = where();
      const h = setTimeout(() => {
        timers.delete(id);
        within(who, () => safely('in a timer', () => (typeof fn === 'function' ? fn(...args) : undefined)));
        end();
      }, delay);
      timers.set(id, h);
      (h as NodeJS.Timeout & { wxEnd?: () => void }).wxEnd = end;
      return id;
    },
    clearTimeout(id: unknown) {
      const h = timers.get(Number(id));
      if (!h) return;
      clearTimeout(h);
      clearInterval(h);
      timers.delete(Number(id));
      (h as NodeJS.Timeout & { wxEnd?: () => void }).wxEnd?.();
    },
    // An interval never settles, so it is not work a run waits for.
    setInterval(fn: unknown, ms?: unknown, ...args: unknown[]) {
      const id = nextTimer++;
      const who = where();
      timers.set(id, setInterval(() => within(who, () => safely('in an interval', () => (typeof fn === 'function' ? fn(...args) : undefined))), Math.max(1, Number(ms) || 0)));
      return id;
    },
    clearInterval(id: unknown) {
      const h = timers.get(Number(id));
      if (h) clearInterval(h);
      timers.delete(Number(id));
    },
  });

  const consoleFor = (label: string) => {
    const line = (level: string) => (...a: unknown[]) =>
      add({ kind: 'console', where: label, level, text: a.map((x) => (typeof x === 'string' ? x : inspectLite(x))).join(' ') });
    return { log: line('log'), info: line('info'), warn: line('warn'), error: line('error'), debug: line('debug') };
  };

  const loader = createLoader({
    root: dir,
    globals: (label) => ({
      wx: host.wx,
      console: consoleFor(label),
      App(def: unknown) {
        if (label !== 'app') throw new Error('App() is called in app.js only');
        if (app) throw new Error('App() is called once');
        app = (def && typeof def === 'object' ? def : {}) as Record<string, unknown>;
      },
      Page(def: unknown) {
        if (!loading || label !== loading) throw new Error(`Page() in ${label}.js, which is not a page in app.json`);
        defs.set(label, { def: (def && typeof def === 'object' ? def : {}) as PageDef });
      },
      Component(def: unknown) {
        // A page built with Component(); a custom component's own Component() is not run here.
        if (loading && label === loading) defs.set(label, componentPage((def && typeof def === 'object' ? def : {}) as PageDef));
      },
      Behavior: (def: unknown) => def,
      getApp: () => app,
      getCurrentPages: () => [...stack],
      ...timerGlobals(),
    }),
  });

  function hook(page: PageInstance, name: string, arg?: unknown) {
    const fn = page[name];
    if (typeof fn !== 'function') return;
    add({ kind: 'lifecycle', where: page.route, hook: name });
    within(page.route, () => safely(`in ${name}`, () => fn.call(page, arg)));
  }
  // A page built with Component() also has component lifetimes and page lifetimes (pages.ts), traced by name.
  const parts = new WeakMap<PageInstance, ComponentParts>();
  function lifetime(page: PageInstance, name: string, fns: readonly ((...a: unknown[]) => unknown)[] | undefined) {
    for (const fn of fns ?? []) {
      add({ kind: 'lifecycle', where: page.route, hook: name });
      within(page.route, () => safely(`in ${name}`, () => fn.call(page)));
    }
  }
  function show(page: PageInstance) {
    hook(page, 'onShow');
    lifetime(page, 'pageLifetimes.show', parts.get(page)?.pageLifetimes.show);
  }
  function hide(page: PageInstance) {
    hook(page, 'onHide');
    lifetime(page, 'pageLifetimes.hide', parts.get(page)?.pageLifetimes.hide);
  }
  function unload(page: PageInstance) {
    if (alive.get(page.route) === page) alive.delete(page.route);
    hook(page, 'onUnload');
    lifetime(page, 'detached', parts.get(page)?.lifetimes.detached);
  }
  // Component pages: created and attached before onLoad, ready after onShow, as a component in a page
  // (https://developers.weixin.qq.com/miniprogram/dev/framework/custom-component/lifetimes.html).
  function open(route: string, query: Record<string, string>) {
    const reg = defs.get(route)!;
    const page = createPage(
      reg.def,
      route,
      query,
      (cb) => {
        const end = tracker.begin();
        setImmediate(() => {
          within(route, () => safely('in a setData callback', cb));
          end();
        });
      },
      reg.parts,
    );
    if (reg.parts) parts.set(page, reg.parts);
    stack.push(page);
    if (tabs.has(route)) alive.set(route, page);
    lifetime(page, 'created', reg.parts?.lifetimes.created);
    lifetime(page, 'attached', reg.parts?.lifetimes.attached);
    hook(page, 'onLoad', query);
    show(page);
    lifetime(page, 'ready', reg.parts?.lifetimes.ready);
    hook(page, 'onReady');
  }

  /**
   * The user taps a tab of the tab bar, which only tab pages show: the switch (as wx.switchTab's, at once: it is no
   * code's call), then the tapped tab's page gets onTabItemTap({index, pagePath, text})
   * (https://developers.weixin.qq.com/miniprogram/dev/reference/api/Page.html#onTabItemTap-Object-object).
   */
  function tapTab(route: string): boolean {
    const showing = stack.at(-1);
    if (!showing || stack.length !== 1 || !tabs.has(showing.route)) {
      add({ kind: 'error', where: showing?.route ?? 'app', message: `cannot tap the tab bar: the page showing, ${showing?.route ?? 'none'}, is not a tab page (the tab bar shows on tab pages only)` });
      return false;
    }
    const index = appJson.tabs.findIndex((x) => x.pagePath === route);
    const item = { index, pagePath: route, text: appJson.tabs[index]!.text };
    add({ kind: 'tap', where: showing.route, handler: 'tabBar', detail: item });
    switchTo(route);
    hook(stack.at(-1)!, 'onTabItemTap', item);
    return true;
  }

  // A promise the program rejected and nobody caught: WeChat's promise form rejects with the fail object.
  const onRejection = (reason: unknown) => {
    const r = reason as { errMsg?: unknown } | undefined;
    if (r && typeof r === 'object' && typeof r.errMsg === 'string') {
      add({ kind: 'unhandled', where: where(), api: r.errMsg.split(':')[0] ?? '?', errMsg: r.errMsg });
    } else add({ kind: 'error', where: where(), message: `unhandled rejection: ${describeThrown(reason, dir)}` });
  };
  process.on('unhandledRejection', onRejection);

  try {
    let started = false;
    try {
      within('app', () => loader.load('app.js'));
      for (const p of appJson.pages) {
        loading = p;
        if (!existsSync(join(dir, `${p}.js`))) throw new ModuleLoadError(`${p}.js is missing (listed in app.json)`);
        within(p, () => loader.load(`${p}.js`));
        if (!defs.has(p)) add({ kind: 'error', where: p, message: `${p}.js did not call Page() or Component()` });
      }
      loading = undefined;
      started = true;
    } catch (err) {
      thrown(err, 'while loading');
    }
    if (started && !app) add({ kind: 'error', where: 'app', message: 'app.js did not call App()' });
    if (started && app) {
      const first = appJson.pages[0]!;
      const launch = { path: first, query: {}, scene: 1001, referrerInfo: {}, apiCategory: 'default' };
      for (const name of ['onLaunch', 'onShow']) {
        const fn = app[name];
        if (typeof fn !== 'function') continue;
        add({ kind: 'lifecycle', where: 'app', hook: name });
        within('app', () => safely(`in App ${name}`, () => fn.call(app, launch)));
      }
      if (defs.has(first)) open(first, {});
      await tracker.settle();

      for (const t of o.taps ?? []) {
        const page = stack.at(-1);
        if (t.tabBar) {
          if (!tapTab(t.page)) break;
          await tracker.settle();
          continue;
        }
        if (!page || page.route !== t.page) {
          add({ kind: 'error', where: t.page, message: `cannot tap ${t.page}:${t.handler}: the page showing is ${page?.route ?? 'none'}` });
          break;
        }
        const fn = page[t.handler];
        if (typeof fn !== 'function') {
          const handlers = Object.keys(page).filter((k) => typeof page[k] === 'function' && !/^on[A-Z]/.test(k) && k !== 'setData');
          add({ kind: 'error', where: t.page, message: `${t.page} has no handler ${t.handler} (its handlers: ${handlers.join(', ') || 'none'})` });
          break;
        }
        const stamp = Date.now();
        const event = t.openType ? await within(t.page, () => openTypeEvent(t.openType!, host, stamp)) : tapEvent(stamp);
        add({ kind: 'tap', where: t.page, handler: t.handler, ...(t.openType ? { openType: t.openType } : {}), ...('detail' in event && t.openType ? { detail: maskDetail(event.detail) } : {}) });
        within(t.page, () => safely(`in ${t.handler}`, () => fn.call(page, event)));
        await tracker.settle();
      }
    }
  } finally {
    process.off('unhandledRejection', onRejection);
    for (const h of timers.values()) {
      clearTimeout(h);
      clearInterval(h);
    }
    timers.clear();
    if (ownDispatcher) await ownDispatcher.close().catch(() => undefined);
    files.dispose();
  }

  const storage = host.storage.snapshot();
  const expectations = checkExpectations(o.expect ?? [], trace, storage);
  const failures = [
    ...trace.flatMap((e) => (e.kind === 'error' ? [`${e.where}: ${e.message}`] : e.kind === 'unhandled' ? [`${e.where}: wx.${e.api} failed and nothing handled it: ${e.errMsg}`] : [])),
    ...expectations.filter((x) => !x.ok).map((x) => `expected ${x.text}`),
  ];
  return {
    ok: failures.length === 0,
    dir,
    user: o.user,
    ...(o.appid ? { appid: o.appid } : {}),
    sdkVersion,
    pages: appJson.pages,
    trace,
    expectations,
    failures,
    storage,
  };
}

const maskDetail = (d: unknown) => mask(d);

function inspectLite(v: unknown): string {
  try {
    const s = JSON.stringify(mask(v));
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}
