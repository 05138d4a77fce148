// runProgram on test/runtime/fixtures/pages: the page stack (wx.navigateTo / redirectTo / reLaunch / navigateBack),
// onLoad's query options and the lifecycle order, a page built with Component(), and --storage between two runs.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage, parseTap, runProgram } from '../../src/runtime/index.js';
import { startMock, type Mock } from '../backend/helpers.js';
import { ensureBuilt, run } from '../cli/helpers.js';
import { afterTap, consoleText, events } from './trace-helpers.js';

const PAGES = join(import.meta.dirname, 'fixtures', 'pages');
const HOME = 'pages/home/home';
const DETAIL = 'pages/detail/detail';
const CART = 'pages/cart/cart';
const PROFILE = 'pages/profile/profile';

let mock: Mock;
let tmp: string;

beforeAll(async () => {
  mock = await startMock();
  tmp = mkdtempSync(join(tmpdir(), 'wxlogin-pages-'));
});
afterAll(async () => {
  await mock?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const go = (taps: string[], more: Partial<Parameters<typeof runProgram>[0]> = {}) =>
  runProgram({ dir: PAGES, mock: mock.url, user: 'alice', taps: taps.map(parseTap), ...more });

describe('the page stack', () => {
  it('launch: App onLaunch, then the first page onLoad (empty options) and onShow', async () => {
    const r = await go([]);
    expect(r.failures).toEqual([]);
    expect(r.trace.filter((e) => e.kind === 'lifecycle').map((e) => `${e.where} ${(e as { hook: string }).hook}`)).toEqual([
      'app onLaunch',
      `${HOME} onLoad`,
      `${HOME} onShow`,
    ]);
    expect(consoleText(r)).toEqual(['launch 1', 'home onLoad {}', `home onShow ${HOME}`]);
  });

  it('navigateTo: the switch comes after the calling handler; onHide, then onLoad with the query, onShow; success last', async () => {
    const r = await go([`${HOME}:toDetail`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 'toDetail')).toEqual([
      `home: after navigateTo ${HOME}`,
      `[${HOME} onHide]`,
      'home: home onHide',
      `[${DETAIL} onLoad]`,
      `detail: detail onLoad {"id":"42","name":"tea"} ${HOME} > ${DETAIL}`,
      `[${DETAIL} onShow]`,
      'detail: detail onShow 42',
      `home: navigateTo:ok ${HOME} > ${DETAIL}`,
    ]);
    const nav = r.trace.find((e) => e.kind === 'wx' && e.api === 'navigateTo');
    expect(nav).toMatchObject({ where: HOME, errMsg: 'navigateTo:ok', args: { url: '../detail/detail?id=42&name=tea' } });
  });

  it('navigateBack unloads the top page and shows the one below; at the first page it fails with WeChat wording', async () => {
    const r = await go([`${HOME}:toDetail`, `${DETAIL}:back`, `${HOME}:back`]);
    expect(afterTap(r, 'back').slice(0, 4)).toEqual([`[${DETAIL} onUnload]`, 'detail: detail onUnload 42', `[${HOME} onShow]`, `home: home onShow ${HOME}`]);
    expect(consoleText(r).at(-1)).toBe('navigateBack:fail cannot navigate back at first page.');
    // A fail the program handled does not fail the run.
    expect(r.failures).toEqual([]);
  });

  it('redirectTo replaces the top page (onUnload, no onHide); reLaunch unloads every page and opens one with its query', async () => {
    const r = await go([`${HOME}:toDetail`, `${DETAIL}:replace`, `${CART}:restart`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 'replace')).toEqual([
      `[${DETAIL} onUnload]`,
      'detail: detail onUnload 42',
      `[${CART} onLoad]`,
      `cart: cart onLoad {"from":"redirect"} ${HOME} > ${CART}`,
      `[${CART} onShow]`,
      'cart: cart onShow',
      `detail: redirected ${HOME} > ${CART}`,
    ]);
    expect(afterTap(r, 'restart')).toEqual([
      `[${CART} onUnload]`,
      'cart: cart onUnload',
      `[${HOME} onUnload]`,
      'home: home onUnload',
      `[${HOME} onLoad]`,
      'home: home onLoad {"again":"1"}',
      `[${HOME} onShow]`,
      `home: home onShow ${HOME}`,
      `cart: relaunched ${HOME}`,
    ]);
  });

  it('navigateBack with a delta: two pages at once, or down to the first page when the delta is larger', async () => {
    const two = await go([`${HOME}:toDetail`, `${DETAIL}:toCart`, `${CART}:backTwo`]);
    expect(two.failures).toEqual([]);
    expect(afterTap(two, 'toCart')).toContain(`cart: cart onLoad {"from":"42"} ${HOME} > ${DETAIL} > ${CART}`);
    expect(afterTap(two, 'backTwo').filter((l) => l.startsWith('['))).toEqual([`[${CART} onUnload]`, `[${DETAIL} onUnload]`, `[${HOME} onShow]`]);
    const many = await go([`${HOME}:toDetail`, `${DETAIL}:toCart`, `${CART}:backMany`]);
    expect(consoleText(many).at(-1)).toBe(`back to ${HOME}`);
  });

  it('refusals: an unknown page, a missing url, the tenth page; the stack is left as it was', async () => {
    const r = await go([`${HOME}:toMissing`, `${HOME}:noUrl`, `${HOME}:fill`]);
    expect(r.failures).toEqual([]);
    const text = consoleText(r);
    expect(text).toContain('navigateTo:fail page "pages/nope/nope" is not found');
    expect(text).toContain('redirectTo:fail parameter error: parameter.url should be String instead of Undefined;');
    expect(text.filter((t) => t.startsWith('fill: '))).toEqual(['fill: navigateTo:fail webview count limit exceed at 10 pages']);
    expect(afterTap(r, 'toMissing').filter((l) => l.startsWith('['))).toEqual([]);
    expect(r.trace.filter((e) => e.kind === 'lifecycle' && e.hook === 'onLoad' && e.where === DETAIL)).toHaveLength(9);
  });

  it('a tap on a page that is not showing stops the run with a clear error', async () => {
    const r = await go([`${HOME}:toDetail`, `${HOME}:toDetail`]);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([`${HOME}: cannot tap ${HOME}:toDetail: the page showing is ${DETAIL}`]);
  });

  it('a navigation that fails with no fail callback (promise form, never awaited) fails the run', async () => {
    const dir = join(tmp, 'unhandled-nav');
    mkdirSync(join(dir, 'pages', 'a'), { recursive: true });
    writeFileSync(join(dir, 'app.json'), JSON.stringify({ pages: ['pages/a/a'] }));
    writeFileSync(join(dir, 'app.js'), 'App({})\n');
    writeFileSync(join(dir, 'pages', 'a', 'a.js'), "Page({ go() { wx.navigateTo({ url: '/pages/b/b' }) } })\n");
    const r = await runProgram({ dir, mock: mock.url, user: 'alice', taps: [{ page: 'pages/a/a', handler: 'go' }] });
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual(['pages/a/a: wx.navigateTo failed and nothing handled it: navigateTo:fail page "pages/b/b" is not found']);
    // The promise form awaited in a try: handled, the run passes.
    writeFileSync(
      join(dir, 'pages', 'a', 'a.js'),
      "Page({ async go() { try { await wx.navigateTo({ url: '/pages/b/b' }) } catch (e) { console.log('caught ' + e.errMsg) } } })\n",
    );
    const caught = await runProgram({ dir, mock: mock.url, user: 'alice', taps: [{ page: 'pages/a/a', handler: 'go' }] });
    expect(caught.failures).toEqual([]);
    expect(consoleText(caught)).toEqual(['caught navigateTo:fail page "pages/b/b" is not found']);
  });
});

describe('a page built with Component()', () => {
  it('properties take the query (typed), lifetimes and page lifetimes run in order, behaviors mix in', async () => {
    const r = await go([`${HOME}:toProfile`, `${PROFILE}:rename`, `${PROFILE}:toDetail`, `${DETAIL}:back`, `${PROFILE}:back`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 'toProfile')).toEqual([
      `[${HOME} onHide]`,
      'home: home onHide',
      `[${PROFILE} created]`,
      'profile: profile created',
      `[${PROFILE} attached]`,
      // A console line is labelled with the file it is written in.
      'visits: behavior attached',
      `[${PROFILE} attached]`,
      'profile: profile attached visits=1',
      `[${PROFILE} onLoad]`,
      'profile: profile onLoad {"paramA":"123","paramB":"xyz","flag":"1","extra":"yes"} paramA=123 (number) paramB=xyz flag=true missing=7 same=true',
      `[${PROFILE} onShow]`,
      'profile: profile onShow',
      `[${PROFILE} pageLifetimes.show]`,
      'profile: profile pageLifetimes.show',
      `[${PROFILE} ready]`,
      'profile: profile ready',
    ]);
    expect(consoleText(r)).not.toContain('top-level attached: must not run');
    // setData by path, its callback after the change, a behavior's method on the instance.
    expect(afterTap(r, 'rename')).toEqual(['profile: renamed tea hello hello from the behavior']);
    expect(afterTap(r, 'toDetail').slice(0, 3)).toEqual([`[${PROFILE} pageLifetimes.hide]`, 'profile: profile pageLifetimes.hide', `[${DETAIL} onLoad]`]);
    expect(afterTap(r, 'back').filter((l) => l.startsWith('['))).toEqual([`[${DETAIL} onUnload]`, `[${PROFILE} onShow]`, `[${PROFILE} pageLifetimes.show]`]);
    const last = r.trace.slice(r.trace.findLastIndex((e) => e.kind === 'tap'));
    expect(events(last).filter((l) => l.startsWith(`[${PROFILE}`))).toEqual([`[${PROFILE} onUnload]`, `[${PROFILE} detached]`]);
  });

  it('an unset property gets its type default; a Number property given a word keeps its default', async () => {
    const dir = join(tmp, 'component-defaults');
    cpSync(PAGES, dir, { recursive: true });
    writeFileSync(join(dir, 'pages', 'home', 'home.js'), "Page({ go() { wx.navigateTo({ url: '/pages/profile/profile?paramA=abc' }) } })\n");
    const r = await runProgram({ dir, mock: mock.url, user: 'alice', taps: [{ page: HOME, handler: 'go' }] });
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toContain('profile onLoad {"paramA":"abc"} paramA=0 (number) paramB=none flag=false missing=7 same=true');
  });
});

describe('--storage FILE', () => {
  it('keeps the storage between two runs, one record per user', async () => {
    const file = join(tmp, 'storage', 'wx.json');
    const first = await go([], { storage: file });
    expect(first.storage).toEqual({ launches: 1 });
    const second = await go([], { storage: file });
    expect(consoleText(second)[0]).toBe('launch 2');
    expect(second.storage).toEqual({ launches: 2 });
    // Another user starts empty; the first user's record is left alone.
    const bob = await go([], { storage: file, user: 'bob' });
    expect(consoleText(bob)[0]).toBe('launch 1');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'default/alice': { launches: 2 }, 'default/bob': { launches: 1 } });
    // It holds tokens: readable by its owner only.
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a storage object given in code is used as is', async () => {
    const storage = createMemoryStorage({ launches: 41 });
    const r = await go([], { storage });
    expect(consoleText(r)[0]).toBe('launch 42');
    expect(storage.get('launches')).toBe(42);
  });

  it('a corrupt, wrongly shaped or unreadable storage file is an error naming the file, the file left untouched', async () => {
    const bad = join(tmp, 'corrupt.json');
    writeFileSync(bad, '{"default/alice": {"launches": 1');
    await expect(go([], { storage: bad })).rejects.toThrow(`the storage file ${bad} is not JSON`);
    expect(readFileSync(bad, 'utf8')).toBe('{"default/alice": {"launches": 1');
    const list = join(tmp, 'list.json');
    writeFileSync(list, '[1, 2]');
    await expect(go([], { storage: list })).rejects.toThrow(`the storage file ${list} is not a JSON object`);
    const shape = join(tmp, 'shape.json');
    writeFileSync(shape, '{"default/alice": "token"}');
    await expect(go([], { storage: shape })).rejects.toThrow(`the storage file ${shape}: "default/alice" is not a JSON object of keys and values`);
    // A folder where the file should be: cannot be read.
    await expect(go([], { storage: tmp })).rejects.toThrow(`cannot read the storage file ${tmp}`);
  });

  it('wxlogin run --storage: two runs share it; a corrupt file is one line on stderr and exit code 1', async () => {
    ensureBuilt();
    const file = join(tmp, 'cli-storage.json');
    for (const n of [1, 2]) {
      const r = await run(['--json', 'run', PAGES, '--mock', mock.url, '--storage', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).storage).toEqual({ launches: n });
    }
    writeFileSync(file, 'not json');
    const bad = await run(['run', PAGES, '--mock', mock.url, '--storage', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringContaining(`the storage file ${file} is not JSON`)]);
    expect(bad.stdout).toBe('');
  });
});
