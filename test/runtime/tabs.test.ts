// runProgram on test/runtime/fixtures/tabs: app.json's tabBar, wx.switchTab (tab pages hidden, not unloaded; the
// pages that are not tabs closed), what WeChat refuses (navigateTo / redirectTo to a tab page, switchTab to a page
// that is not one), reLaunch to a tab page, and taps on the tab bar (onTabItemTap).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWx } from '../../src/client/index.js';
import { parseScenario, parseTap, runProgram, ScenarioError } from '../../src/runtime/index.js';
import { afterTap, consoleText, events } from './trace-helpers.js';

const TABS = join(import.meta.dirname, 'fixtures', 'tabs');
const HOME = 'pages/home/home';
const CART = 'pages/cart/cart';
const DETAIL = 'pages/detail/detail';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'wxlogin-tabs-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// Nothing here reaches the mock: no wx call of the fixture goes to it.
const go = (taps: string[], more: Partial<Parameters<typeof runProgram>[0]> = {}) =>
  runProgram({ dir: TABS, mock: 'http://127.0.0.1:1', user: 'alice', taps: taps.map(parseTap), ...more });

const hooks = (lines: string[]) => lines.filter((l) => l.startsWith('['));

describe('wx.switchTab', () => {
  it('from a tab to another: the switch comes after the calling code; onHide (not onUnload), then onLoad, onShow, onReady; success last', async () => {
    const r = await go([`${HOME}:toCart`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 0)).toEqual([
      `home: after switchTab ${HOME}`,
      `[${HOME} onHide]`,
      'home: home onHide',
      `[${CART} onLoad]`,
      'cart: cart onLoad {}',
      `[${CART} onShow]`,
      `cart: cart onShow ${CART}`,
      `[${CART} onReady]`,
      'cart: cart onReady',
      // The page stack holds the tab showing only.
      `home: home switchTab:ok ${CART}`,
    ]);
    expect(r.trace.find((e) => e.kind === 'wx' && e.api === 'switchTab')).toMatchObject({ where: HOME, args: { url: '/pages/cart/cart' }, errMsg: 'switchTab:ok' });
  });

  it('back to a tab switched away from: the same instance shows again (onShow only, its data kept), the other is hidden', async () => {
    const r = await go([`${HOME}:bump`, `${HOME}:toCart`, `${CART}:toHome`, `${HOME}:toCart`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 2)).toEqual([`[${CART} onHide]`, 'cart: cart onHide', `[${HOME} onShow]`, `home: home onShow ${HOME} count=1`]);
    expect(afterTap(r, 3)).toEqual([`home: after switchTab ${HOME}`, `[${HOME} onHide]`, 'home: home onHide', `[${CART} onShow]`, `cart: cart onShow ${CART}`, `home: home switchTab:ok ${CART}`]);
    // Each tab page loaded once in the whole run.
    expect(r.trace.filter((e) => e.kind === 'lifecycle' && e.hook === 'onLoad').map((e) => e.where)).toEqual([HOME, CART]);
    expect(r.trace.some((e) => e.kind === 'lifecycle' && e.hook === 'onUnload')).toBe(false);
  });

  it('from a page over a tab: the pages that are not tabs close (top first); the tab under them, already hidden, gets nothing', async () => {
    // home > detail 1 > detail 2, then switchTab to cart (the route page's table: D.onUnload, C.onUnload, B.onLoad, B.onShow).
    const r = await go([`${HOME}:toDetail`, `${DETAIL}:deeper`, `${DETAIL}:toCart`, `${CART}:toHome`]);
    expect(r.failures).toEqual([]);
    expect(hooks(afterTap(r, 2))).toEqual([`[${DETAIL} onUnload]`, `[${DETAIL} onUnload]`, `[${CART} onLoad]`, `[${CART} onShow]`, `[${CART} onReady]`]);
    expect(afterTap(r, 2).filter((l) => l.startsWith('detail: detail onUnload'))).toEqual(['detail: detail onUnload 2', 'detail: detail onUnload 1']);
    // home stayed alive behind: switching back shows it, not a new one.
    expect(afterTap(r, 3)).toEqual([`[${CART} onHide]`, 'cart: cart onHide', `[${HOME} onShow]`, `home: home onShow ${HOME} count=0`]);
  });

  it('to the tab under the page showing: that page closes and the tab shows again (C → A: C.onUnload, A.onShow)', async () => {
    const r = await go([`${HOME}:toDetail`, `${DETAIL}:toHome`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 1)).toEqual([`[${DETAIL} onUnload]`, 'detail: detail onUnload 1', `[${HOME} onShow]`, `home: home onShow ${HOME} count=0`, `detail: detail switchTab:ok ${HOME}`]);
  });

  it('to the tab showing: nothing happens, and it succeeds', async () => {
    const r = await go([`${HOME}:switchSelf`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 0)).toEqual([`home: self switchTab:ok ${HOME}`]);
  });

  it('a query string: the base library warns and drops it, the tab opens without options', async () => {
    const r = await go([`${HOME}:switchWithQuery`]);
    expect(r.failures).toEqual([]);
    const lines = afterTap(r, 0);
    expect(lines[0]).toBe('home: wx.switchTab: url 不支持 queryString');
    expect(r.trace.find((e) => e.kind === 'console' && e.text.includes('queryString'))).toMatchObject({ level: 'warn', where: HOME });
    expect(lines).toContain('cart: cart onLoad {}');
    expect(lines.at(-1)).toBe(`home: query switchTab:ok ${CART}`);
  });

  it('refusals, in WeChat words: navigateTo or redirectTo a tab page, switchTab to a page that is not a tab, an unknown page, no url; nothing moves', async () => {
    const r = await go([`${HOME}:refusals`]);
    expect(r.failures).toEqual([]);
    // (A console line is labelled with the file it is written in: the fail callback is utils/log.js's.)
    expect(afterTap(r, 0).sort()).toEqual(
      [
        'log: navigateTo navigateTo:fail can not navigateTo a tabbar page',
        'log: redirectTo redirectTo:fail can not redirectTo a tabbar page',
        'log: switchTab switchTab:fail can not switch to no-tabBar page',
        'log: switchTab missing switchTab:fail page "pages/nope/nope" is not found',
        'log: switchTab no url switchTab:fail parameter error: parameter.url should be String instead of Undefined;',
      ].sort(),
    );
  });

  it('a switchTab that fails with nothing to handle it fails the run', async () => {
    const dir = join(tmp, 'unhandled');
    cpSync(TABS, dir, { recursive: true });
    writeFileSync(join(dir, 'pages', 'home', 'home.js'), "Page({ go() { wx.switchTab({ url: '/pages/detail/detail' }) } })\n");
    const r = await runProgram({ dir, mock: 'http://127.0.0.1:1', user: 'alice', taps: [parseTap(`${HOME}:go`)] });
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([`${HOME}: wx.switchTab failed and nothing handled it: switchTab:fail can not switch to no-tabBar page`]);
  });

  it('outside a run (createWx) there is no page stack', async () => {
    const wx = createWx({ mock: 'http://127.0.0.1:1', user: 'alice' });
    const res = await new Promise<Record<string, unknown>>((resolve) => wx.switchTab({ url: '/pages/cart/cart', fail: resolve }));
    expect(res.errMsg).toBe('switchTab:fail no page stack (createWx outside wxlogin run)');
  });
});

describe('tab pages and the other navigation calls', () => {
  it('reLaunch to a tab page closes every page, the hidden tabs too, and opens it with its query', async () => {
    const r = await go([`${HOME}:toCart`, `${CART}:restart`, `${HOME}:toCart`]);
    expect(r.failures).toEqual([]);
    expect(afterTap(r, 1)).toEqual([
      `[${CART} onUnload]`,
      'cart: cart onUnload',
      `[${HOME} onUnload]`,
      'home: home onUnload',
      `[${HOME} onLoad]`,
      'home: home onLoad {"again":"1"}',
      `[${HOME} onShow]`,
      `home: home onShow ${HOME} count=0`,
      `[${HOME} onReady]`,
      'home: home onReady',
      `cart: relaunched ${HOME}`,
    ]);
    // cart was unloaded: switching to it loads it again.
    expect(hooks(afterTap(r, 2))).toEqual([`[${HOME} onHide]`, `[${CART} onLoad]`, `[${CART} onShow]`, `[${CART} onReady]`]);
  });

  it('reLaunch from a page that is not a tab to a tab page with a query', async () => {
    const r = await go([`${HOME}:toDetail`, `${DETAIL}:restartCart`]);
    expect(r.failures).toEqual([]);
    expect(hooks(afterTap(r, 1))).toEqual([`[${DETAIL} onUnload]`, `[${HOME} onUnload]`, `[${CART} onLoad]`, `[${CART} onShow]`, `[${CART} onReady]`]);
    expect(afterTap(r, 1)).toContain('cart: cart onLoad {"from":"detail"}');
  });

  it('redirectTo from a tab page unloads it: switching back loads it anew', async () => {
    const r = await go([`${HOME}:bump`, `${HOME}:redirectDetail`, `${DETAIL}:toHome`]);
    expect(r.failures).toEqual([]);
    expect(hooks(afterTap(r, 1))).toEqual([`[${HOME} onUnload]`, `[${DETAIL} onLoad]`, `[${DETAIL} onShow]`]);
    expect(afterTap(r, 2)).toEqual([
      `[${DETAIL} onUnload]`,
      'detail: detail onUnload 9',
      `[${HOME} onLoad]`,
      'home: home onLoad {}',
      `[${HOME} onShow]`,
      `home: home onShow ${HOME} count=0`,
      `[${HOME} onReady]`,
      'home: home onReady',
      `detail: detail switchTab:ok ${HOME}`,
    ]);
  });
});

describe('taps on the tab bar', () => {
  it('tabBar:PAGE switches to that tab, then its page gets onTabItemTap({index, pagePath, text}); a tap on the tab showing gets only that', async () => {
    const r = await go([`tabBar:${CART}`, `tabBar:${CART}`, `tabBar:${HOME}`]);
    expect(r.failures).toEqual([]);
    expect(r.trace.filter((e) => e.kind === 'tap')).toEqual([
      { kind: 'tap', where: HOME, handler: 'tabBar', detail: { index: 1, pagePath: CART, text: 'Cart' } },
      { kind: 'tap', where: CART, handler: 'tabBar', detail: { index: 1, pagePath: CART, text: 'Cart' } },
      { kind: 'tap', where: CART, handler: 'tabBar', detail: { index: 0, pagePath: HOME, text: 'Home' } },
    ]);
    expect(hooks(afterTap(r, 0))).toEqual([`[${HOME} onHide]`, `[${CART} onLoad]`, `[${CART} onShow]`, `[${CART} onReady]`, `[${CART} onTabItemTap]`]);
    expect(afterTap(r, 0).at(-1)).toBe(`cart: cart onTabItemTap {"index":1,"pagePath":"${CART}","text":"Cart"}`);
    expect(afterTap(r, 1)).toEqual([`[${CART} onTabItemTap]`, `cart: cart onTabItemTap {"index":1,"pagePath":"${CART}","text":"Cart"}`]);
    expect(hooks(afterTap(r, 2))).toEqual([`[${CART} onHide]`, `[${HOME} onShow]`, `[${HOME} onTabItemTap]`]);
  });

  it('the tab bar shows on tab pages only: a tap while another page shows stops the run with a clear error', async () => {
    const r = await go([`${HOME}:toDetail`, `tabBar:${CART}`, `${DETAIL}:toHome`]);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([`${DETAIL}: cannot tap the tab bar: the page showing, ${DETAIL}, is not a tab page (the tab bar shows on tab pages only)`]);
    expect(consoleText(r)).not.toContain(`detail switchTab:ok ${HOME}`);
  });

  it('a tab bar tap naming a page that is not a tab is refused before the run starts', async () => {
    await expect(go([`tabBar:${DETAIL}`])).rejects.toThrow(`--tap tabBar:${DETAIL}: ${DETAIL} is not a tab of app.json's tabBar.list (${HOME}, ${CART})`);
  });

  it('parseTap and scenario files take tabBar:PAGE; a malformed one is one clear error', () => {
    expect(parseTap(`tabBar:/${CART}`)).toEqual({ page: CART, handler: 'onTabItemTap', tabBar: true });
    expect(parseScenario({ steps: [{ tap: `tabBar:${CART}` }] }).steps).toEqual([{ page: CART, handler: 'onTabItemTap', tabBar: true }]);
    for (const bad of ['tabBar:', `tabBar:${CART}:x`]) {
      expect(() => parseTap(bad)).toThrow(ScenarioError);
      expect(() => parseTap(bad)).toThrow(`a tab bar tap is tabBar:PAGE (tabBar:pages/cart/cart), got "${bad}"`);
    }
  });
});

describe("app.json's tabBar", () => {
  const withAppJson = (name: string, edit: (j: Record<string, unknown>) => void) => {
    const dir = join(tmp, name);
    cpSync(TABS, dir, { recursive: true });
    const json = JSON.parse(readFileSync(join(dir, 'app.json'), 'utf8')) as Record<string, unknown>;
    edit(json);
    writeFileSync(join(dir, 'app.json'), JSON.stringify(json));
    return dir;
  };
  const start = (dir: string) => runProgram({ dir, mock: 'http://127.0.0.1:1', user: 'alice' });

  it('a bad tabBar stops the run with the field named', async () => {
    const file = (dir: string) => join(dir, 'app.json');
    const one = withAppJson('one-tab', (j) => {
      j.tabBar = { list: [{ pagePath: HOME, text: 'Home' }] };
    });
    await expect(start(one)).rejects.toThrow(`${file(one)}: "tabBar.list" must list 2 to 5 tabs`);
    const notList = withAppJson('not-list', (j) => {
      j.tabBar = { list: 'pages/home/home' };
    });
    await expect(start(notList)).rejects.toThrow(`${file(notList)}: "tabBar.list" must list 2 to 5 tabs`);
    const noText = withAppJson('no-text', (j) => {
      j.tabBar = { list: [{ pagePath: HOME, text: 'Home' }, { pagePath: CART }] };
    });
    await expect(start(noText)).rejects.toThrow(`${file(noText)}: "tabBar.list[1]" needs a "pagePath" and a "text" (strings)`);
    const unknown = withAppJson('unknown-page', (j) => {
      j.tabBar = { list: [{ pagePath: HOME, text: 'Home' }, { pagePath: 'pages/nope/nope', text: 'Nope' }] };
    });
    await expect(start(unknown)).rejects.toThrow(`${file(unknown)}: "tabBar.list[1].pagePath" pages/nope/nope is not one of "pages"`);
    const twice = withAppJson('twice', (j) => {
      j.tabBar = { list: [{ pagePath: HOME, text: 'Home' }, { pagePath: `/${HOME}`, text: 'Again' }] };
    });
    await expect(start(twice)).rejects.toThrow(`${file(twice)}: "tabBar.list[1].pagePath" ${HOME} is listed twice`);
  });

  it('without a tabBar, switchTab fails and navigateTo opens any page', async () => {
    const dir = withAppJson('no-tabbar', (j) => {
      delete j.tabBar;
    });
    const r = await runProgram({ dir, mock: 'http://127.0.0.1:1', user: 'alice', taps: [parseTap(`${HOME}:refusals`)] });
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toContain('switchTab switchTab:fail can not switch to no-tabBar page');
    expect(consoleText(r)).not.toContain('navigateTo navigateTo:fail can not navigateTo a tabbar page');
  });
});
