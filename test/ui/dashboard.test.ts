// The dashboard in a real browser: playwright-core driving the system's chromium (Debian's `chromium` package, which
// .ci/run installs; CHROMIUM_PATH overrides where it is looked for). One browser for the file, a fresh page and a
// fresh mock per test. Controls are found by role and name, and every wait is for something to appear, never a sleep.
// Each test saves a screenshot in test-results/ui/ (UI_SCREENSHOTS overrides the folder).
import { createDecipheriv } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildMockWechat, type MockOptions } from '../../mock-wechat/index.js';
import { buildBackend } from '../../src/backend/index.js';
import { uiStaticDir } from '../../mock-wechat/ui/serve.js';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const executablePath = CANDIDATES.find((p): p is string => !!p && existsSync(p));
const SHOTS = resolve(process.env.UI_SCREENSHOTS ?? 'test-results/ui');
/** 2023-11-14T22:13:20Z: a fixed base clock, so the mock's time on the page is known exactly. */
const T0 = 1_700_000_000_000;
const APPID = 'wx1234567890abcdef';
/** expect.poll waits up to 1 s by default: too short on a busy machine for a page that has to go round a backend. */
const POLL = { timeout: 15_000 };
const SECRET = 'mocksecret000000000000000000000a';

/** Opens open data the mock sealed (AES-128-CBC under the user's session_key): what the mock itself says it holds. */
function unseal(r: { encryptedData?: string; iv?: string }, sessionKey: string | undefined): Record<string, unknown> {
  if (!r.encryptedData || !r.iv) throw new Error(`no payload to open: ${JSON.stringify(r)}`);
  if (!sessionKey) throw new Error('the user has no live session_key');
  const d = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(r.iv, 'base64'));
  return JSON.parse(Buffer.concat([d.update(r.encryptedData, 'base64'), d.final()]).toString('utf8')) as Record<string, unknown>;
}

if (!executablePath) {
  console.warn(`test/ui skipped: no chromium at ${CANDIDATES.filter(Boolean).join(', ')} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

describe.skipIf(!executablePath)('dashboard in chromium', () => {
  let browser: Browser;
  let context: BrowserContext | undefined;
  let app: FastifyInstance | undefined;
  let problems: string[] = [];

  beforeAll(async () => {
    if (!uiStaticDir()) throw new Error('the dashboard is not built: run npm run build first');
    mkdirSync(SHOTS, { recursive: true });
    // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  let backend: FastifyInstance | undefined;
  afterEach(async () => {
    await context?.close();
    context = undefined;
    // The backend first: it may still hold a connection to the mock.
    await backend?.close();
    backend = undefined;
    await app?.close();
    app = undefined;
  });

  async function open(opts: MockOptions = {}, viewport = { width: 1280, height: 800 }) {
    const m = buildMockWechat({ seed: 'ui', now: () => T0, ...opts });
    app = m.app;
    const base = await m.app.listen({ host: '127.0.0.1', port: 0 });
    context = await browser.newContext({ viewport });
    const page = await context.newPage();
    problems = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${base}/__ui/`);
    return { ...m, base, page };
  }

  async function done(page: Page, name: string) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    expect(problems).toEqual([]);
  }

  it('loads with the users listed and no console errors, at 1280x800 and at a phone width', async () => {
    const { page, base } = await open();
    const users = page.getByRole('region', { name: 'Users' });
    await users.getByRole('button', { name: 'Edit alice' }).waitFor();
    await page.getByRole('status', { name: 'Journal stream' }).getByText('live').waitFor();
    await done(page, 'desktop');

    await context!.close();
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const phone = await context.newPage();
    phone.on('pageerror', (err) => problems.push(err.message));
    phone.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    await phone.goto(`${base}/__ui/`);
    await phone.getByRole('button', { name: '登录' }).waitFor();
    // Nothing wider than the screen: the layout stacks instead of scrolling sideways.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await done(phone, 'phone-width');
  });

  it('logs in on the phone simulator and shows the call in the live journal', async () => {
    const { page, control } = await open();
    const phone = page.getByRole('region', { name: 'Phone' });
    await phone.getByRole('combobox', { name: 'User' }).selectOption('bob');
    await phone.getByRole('button', { name: '登录' }).click();
    const code = await phone.getByRole('status', { name: 'Login code' }).textContent();
    expect(code).toMatch(/^\S{10,}$/);
    // The code is bob's and unused: the mock exchanges it once.
    const entries = control.journal({ endpoint: '/__client/login' });
    expect(entries).toHaveLength(1);
    const journal = page.getByRole('region', { name: 'Journal' });
    await journal.getByRole('button', { name: `Entry ${entries[0]!.id}: POST /__client/login` }).click();
    await journal.getByRole('region', { name: `Entry ${entries[0]!.id}` }).getByText('"user": "bob"').waitFor();
    await done(page, 'login');
  });

  it('shows the consent sheet and a denied scope', async () => {
    const { page, control } = await open();
    const phone = page.getByRole('region', { name: 'Phone' });
    await phone.getByRole('combobox', { name: 'User' }).selectOption('alice');
    await phone.getByRole('button', { name: '授权 scope.userLocation' }).click();
    const sheet = phone.getByRole('dialog');
    await sheet.getByText('申请获取你的位置信息').waitFor();
    await sheet.getByRole('button', { name: '拒绝' }).click();
    await phone.getByRole('region', { name: 'Result' }).getByText('authorize:fail auth deny').waitFor();
    await expect.poll(() => sheet.count(), POLL).toBe(0);
    // The refusal is the user's now, and remembered: WeChat does not ask again.
    expect(control.getUser('alice')!.authSetting['scope.userLocation']).toBe(false);
    await page.getByRole('region', { name: 'Users' }).getByText('scope.userLocation: deny').waitFor();
    await done(page, 'denied-scope');
  });

  it('adds a fault with the form and sees it hit in the live journal', async () => {
    const { page, control, base } = await open();
    await page.getByRole('status', { name: 'Journal stream' }).getByText('live').waitFor();
    const faults = page.getByRole('region', { name: 'Faults' });
    const form = faults.getByRole('form', { name: 'Add a fault' });
    await form.getByRole('combobox', { name: 'Endpoint' }).selectOption('/sns/jscode2session');
    await form.getByRole('combobox', { name: 'Kind' }).selectOption('errcode');
    await form.getByRole('textbox', { name: 'Errcode' }).fill('45011');
    await form.getByRole('button', { name: 'Add fault' }).click();
    await faults.getByRole('list', { name: 'Active faults' }).getByText('errcode 45011 on /sns/jscode2session, 1 left').waitFor();

    // A backend exchanges a code: the fault answers instead of WeChat.
    const code = control.client.login({ user: 'alice' }).code!;
    const res = await fetch(`${base}/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`);
    expect(((await res.json()) as { errcode?: number }).errcode).toBe(45011);
    const [hit] = control.journal({ endpoint: '/sns/jscode2session' });
    const journal = page.getByRole('region', { name: 'Journal' });
    const row = journal.getByRole('row').filter({ has: page.getByRole('button', { name: `Entry ${hit!.id}: GET /sns/jscode2session` }) });
    await row.getByText('errcode').waitFor();
    await row.getByRole('cell', { name: '45011' }).waitFor();
    await faults.getByRole('button', { name: 'Refresh faults' }).click();
    await faults.getByRole('list', { name: 'Active faults' }).getByText('none').waitFor();
    await done(page, 'fault-hit');
  });

  it('advances the clock', async () => {
    const { page, control } = await open();
    const clock = page.getByRole('region', { name: 'Clock' });
    const shown = clock.getByRole('status', { name: 'Mock time' });
    await shown.getByText(new Date(T0).toISOString()).waitFor();
    await clock.getByRole('button', { name: 'Advance clock +2 h' }).click();
    await shown.getByText(new Date(T0 + 7_200_000).toISOString()).waitFor();
    expect(control.now()).toBe(T0 + 7_200_000);
    await clock.getByRole('textbox', { name: 'Seconds' }).fill('30');
    await clock.getByRole('button', { name: 'Advance clock', exact: true }).click();
    await shown.getByText(new Date(T0 + 7_230_000).toISOString()).waitFor();
    await done(page, 'clock');
  });

  it('removes one fault and keeps the others', async () => {
    const { page, control, base } = await open();
    const first = control.addFault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: 45011 });
    const second = control.addFault({ endpoint: '/cgi-bin/token', kind: 'http5xx' });
    const faults = page.getByRole('region', { name: 'Faults' });
    await faults.getByRole('button', { name: 'Refresh faults' }).click();
    const remove = faults.getByRole('button', { name: `Remove fault ${first}` });
    await remove.click();
    await remove.waitFor({ state: 'detached' });
    await faults.getByRole('button', { name: `Remove fault ${second}` }).waitFor();
    const left = (await (await fetch(`${base}/__admin/faults`)).json()) as { faults: { id: string }[] };
    expect(left.faults.map((f) => f.id)).toEqual([second]);
    await done(page, 'fault-removed');
  });

  it("rotates a user's key (its age starts again) and expires it", async () => {
    const { page, control } = await open();
    // wx.login issues alice a key at T0; five minutes pass.
    control.client.login({ user: 'alice' });
    control.advanceClock(300);
    const before = control.sessionKey(APPID, control.getUser('alice')!.openid);
    const users = page.getByRole('region', { name: 'Users' });
    await users.getByRole('button', { name: 'Refresh users' }).click();
    const row = users.getByRole('row').filter({ has: page.getByRole('button', { name: 'Edit alice' }) });
    await row.getByText('issued 5m ago').waitFor();
    await row.getByRole('button', { name: "Rotate alice's key" }).click();
    await row.getByText('issued 0s ago').waitFor();
    const after = control.sessionKey(APPID, control.getUser('alice')!.openid);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    await done(page, 'key-rotated');

    await row.getByRole('button', { name: "Expire alice's key" }).click();
    await row.getByRole('cell', { name: 'none', exact: true }).waitFor();
    expect(control.sessionKey(APPID, control.getUser('alice')!.openid)).toBeUndefined();
    expect(await row.getByRole('button', { name: "Expire alice's key" }).isDisabled()).toBe(true);
  });

  /**
   * The reference backend, allowing the mock's origin (the page's) as `wxlogin up` does, and the page reopened with
   * ?backend=. `posted` lists the paths the page POSTs to the backend, in order.
   */
  async function withBackend(page: Page, base: string) {
    backend = await buildBackend({
      appId: APPID,
      appSecret: SECRET,
      wechatBaseUrl: base,
      store: 'memory://',
      corsOrigins: [base],
      logger: false,
      loginRateLimitPerMinute: 0,
    });
    const backendUrl = (await backend.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
    const posted: string[] = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().startsWith(`${backendUrl}/`)) posted.push(new URL(req.url()).pathname);
    });
    await page.goto(`${base}/__ui/?backend=${encodeURIComponent(backendUrl)}`);
    const phone = page.getByRole('region', { name: 'Phone' });
    return { backendUrl, posted, phone, answer: phone.getByRole('region', { name: 'Backend answer' }) };
  }

  /** 登录 on the phone as `user`: the code goes to the backend, which answers a token. */
  async function loginAtBackend(phone: Locator, user: string) {
    await phone.getByRole('combobox', { name: 'User' }).selectOption(user);
    await phone.getByRole('button', { name: '登录' }).click();
    const token = await phone.getByRole('status', { name: 'Backend token' }).textContent();
    expect(token).toMatch(/^\S{20,}$/);
  }

  it("the phone exchanges its code at a backend and sends getUserInfo / getPhoneNumber's payloads with the token", async () => {
    const { page, base } = await open();
    const { backendUrl, phone, answer } = await withBackend(page, base);
    expect(await phone.getByRole('textbox', { name: 'Backend URL' }).inputValue()).toBe(backendUrl);
    await loginAtBackend(phone, 'alice');
    await answer.getByText('POST /login').waitFor();

    await phone.getByRole('button', { name: 'getUserInfo' }).click();
    await answer.getByText('POST /userinfo').waitFor();
    await answer.getByText('HTTP 200').waitFor();
    await answer.getByText('"nickName"').waitFor();

    await phone.getByRole('button', { name: 'getPhoneNumber' }).click();
    await phone.getByRole('dialog').getByRole('button', { name: '允许' }).click();
    await answer.getByText('POST /phone').waitFor();
    await answer.getByText('HTTP 200').waitFor();
    await answer.getByText('"purePhoneNumber"').waitFor();
    await done(page, 'backend-exchange');
  });

  it("getWeRunData asks for scope.werun once, and the backend opens the user's steps as the mock holds them", async () => {
    const { page, base, control } = await open();
    const { phone, answer, posted } = await withBackend(page, base);
    await loginAtBackend(phone, 'alice');
    await phone.getByRole('button', { name: 'getWeRunData' }).click();
    const sheet = phone.getByRole('dialog');
    await sheet.getByText('申请获取你的微信运动步数').waitFor();
    // The sheet rises from the bottom of a phone that the login's answer made taller than the window: it comes into
    // view by itself, with the focus.
    // (Within a pixel: the layout has fractional heights.)
    const inView = () =>
      sheet.evaluate((el) => {
        const w = globalThis as unknown as { innerHeight: number; document: { activeElement: unknown } };
        return el.getBoundingClientRect().bottom <= w.innerHeight + 1 && w.document.activeElement === el;
      });
    await expect.poll(inView, POLL).toBe(true);
    await sheet.getByRole('button', { name: '允许' }).click();
    await phone.getByRole('region', { name: 'Result' }).getByText('getWeRunData:ok', { exact: true }).waitFor();
    await phone.getByRole('region', { name: 'Result' }).getByLabel('Payload').getByText('"encryptedData"').waitFor();
    await answer.getByText('POST /werun').waitFor();
    await answer.getByText('HTTP 200').waitFor();
    const body = JSON.parse((await answer.getByLabel('Backend body').textContent())!) as { data: { stepInfoList: unknown[] } };

    // The mock's own answer for alice at the same (fixed) time, opened with her current key.
    const alice = control.getUser('alice')!;
    expect(alice.authSetting['scope.werun']).toBe(true);
    const steps = unseal(control.client.getWeRunData({ user: 'alice' }), control.sessionKey(APPID, alice.openid)).stepInfoList as unknown[];
    expect(steps).toHaveLength(31);
    expect(body.data.stepInfoList).toEqual(steps);
    await answer.getByText('31 days of steps').waitFor();
    await done(page, 'werun-granted');

    // Granted once, not asked again: the second tap posts straight away.
    await page.getByRole('region', { name: 'Users' }).getByText('scope.werun: grant').waitFor();
    await phone.getByRole('button', { name: 'getWeRunData' }).click();
    await expect.poll(() => posted.filter((p) => p === '/werun').length, POLL).toBe(2);
    expect(await sheet.count()).toBe(0);
    expect(posted).toEqual(['/login', '/werun', '/werun']);
  });

  it('getWeRunData refused on the sheet: the fail answer, nothing posted, and no second sheet', async () => {
    const { page, base, control } = await open();
    const { phone, answer, posted } = await withBackend(page, base);
    await loginAtBackend(phone, 'alice');
    await phone.getByRole('button', { name: 'getWeRunData' }).click();
    const sheet = phone.getByRole('dialog');
    await sheet.getByText('申请获取你的微信运动步数').waitFor();
    await sheet.getByRole('button', { name: '拒绝' }).click();
    const result = phone.getByRole('region', { name: 'Result' });
    await result.getByText('getWeRunData:fail auth deny').waitFor();
    expect(await result.getByLabel('Payload').count()).toBe(0);
    expect(await answer.count()).toBe(0);
    expect(control.getUser('alice')!.authSetting['scope.werun']).toBe(false);
    await done(page, 'werun-denied');

    // The refusal is remembered: the next tap fails at once, without a sheet.
    await page.getByRole('region', { name: 'Users' }).getByText('scope.werun: deny').waitFor();
    await phone.getByRole('button', { name: 'getWeRunData' }).click();
    await expect.poll(() => control.journal({ endpoint: '/__client/getWeRunData' }).length, POLL).toBe(2);
    await result.getByText('getWeRunData:fail auth deny').waitFor();
    expect(await sheet.count()).toBe(0);

    // A call that does post, so the page has had every chance to send /werun: it never did.
    await phone.getByRole('button', { name: '分享到群' }).click();
    await phone.getByRole('button', { name: 'getShareInfo' }).click();
    await answer.getByText('POST /shareinfo').waitFor();
    expect(posted).toEqual(['/login', '/shareinfo']);
  });

  it('getShareInfo with the ticket of a share: the backend opens the openGId the mock gives that ticket (phone width)', async () => {
    const { page, base, control } = await open({}, { width: 390, height: 844 });
    const { phone, answer, posted } = await withBackend(page, base);
    await loginAtBackend(phone, 'alice');
    const get = phone.getByRole('button', { name: 'getShareInfo' });
    // No ticket, no call: wx.getShareInfo takes the shareTicket a share handed over.
    expect(await get.isDisabled()).toBe(true);
    const ticketBox = phone.getByRole('textbox', { name: 'shareTicket' });
    await phone.getByRole('button', { name: '分享到群' }).click();
    const ticket = await ticketBox.inputValue();
    expect(ticket).toMatch(/^share-[0-9a-f]{16}$/);
    await get.click();
    await phone.getByRole('region', { name: 'Result' }).getByText('getShareInfo:ok', { exact: true }).waitFor();
    await answer.getByText('POST /shareinfo').waitFor();
    await answer.getByText('HTTP 200').waitFor();
    const gid = answer.getByRole('status', { name: 'Backend openGId' });
    const key = () => control.sessionKey(APPID, control.getUser('alice')!.openid);
    const own = unseal(control.client.getShareInfo({ user: 'alice', shareTicket: ticket }), key()).openGId;
    expect(own).toMatch(/^t[A-Za-z0-9_-]{28}$/);
    expect(await gid.textContent()).toBe(own);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await done(page, 'share-info');

    // Another share, another group: the page sends the new ticket, and the backend opens that group's openGId.
    await phone.getByRole('button', { name: '分享到群' }).click();
    const second = await ticketBox.inputValue();
    expect(second).not.toBe(ticket);
    const other = unseal(control.client.getShareInfo({ user: 'alice', shareTicket: second }), key()).openGId;
    expect(other).not.toBe(own);
    await get.click();
    await expect.poll(() => gid.textContent(), POLL).toBe(other);
    expect(posted).toEqual(['/login', '/shareinfo', '/shareinfo']);
  });

  it('asks for the admin token when the admin API is protected', async () => {
    const { page } = await open({ adminToken: 'sesame-123' });
    await page.getByRole('textbox', { name: 'Token' }).fill('wrong');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('alert').getByText('That token was refused.').waitFor();
    await page.getByRole('textbox', { name: 'Token' }).fill('sesame-123');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('region', { name: 'Users' }).getByRole('button', { name: 'Edit alice' }).waitFor();
    await page.getByRole('status', { name: 'Journal stream' }).getByText('live').waitFor();
    // The 401s before the token are the page asking, not errors of the page: only the browser's network lines.
    problems = problems.filter((p) => !p.includes('401'));
    await done(page, 'admin-token');
  });
});
