// End to end on real ports (port 0): the mock WeChat and the backend listening, every request over HTTP.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBackend, type BackendConfig } from '../../src/backend/index.js';
import { openStore } from '../../src/store/index.js';
import { APPID, SECRET, startMock, type Mock } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-e2e-'));
let mock: Mock;
const toClose: FastifyInstance[] = [];
// One HTTP agent for this file (test requests and the backends' WeChat calls), closed before the servers so that no
// keep-alive connection outlives the test and holds a server's close() open.
const agent = new Agent({ keepAliveTimeout: 2000 });
beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  await agent.close();
  for (const a of toClose.reverse()) await a.close();
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

async function listen(over: Partial<BackendConfig> = {}): Promise<string> {
  const app = await buildBackend({
    appId: APPID,
    appSecret: SECRET,
    wechatBaseUrl: mock.url,
    store: `sqlite://${join(dir, `${randomBytes(4).toString('hex')}.sqlite`)}`,
    now: mock.control.now,
    loginRateLimitPerMinute: 0,
    wechatRetries: 1,
    dispatcher: agent,
    ...over,
  });
  toClose.push(app);
  return (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
}

async function call(base: string, method: 'GET' | 'POST', path: string, body?: object, token?: string) {
  const headers: Record<string, string> = {};
  if (body) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`${base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined, dispatcher: agent } as unknown as RequestInit);
  const text = await r.text();
  return { status: r.status, text, json: JSON.parse(text) as { code: number; msg: string; data: any; error?: string } };
}

/** The mini program's side, over the mock's client simulator HTTP API. */
async function wx(api: string, body: object): Promise<any> {
  const r = await fetch(`${mock.url}/__client/${api}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: agent } as unknown as RequestInit);
  return r.json();
}

const openidOf = (alias: string) => mock.control.getUser(alias)!.openid;

describe('end to end on real ports', () => {
  it('login → userinfo → phone (code and encrypted) → me → logout → token refused', async () => {
    const api = await listen();
    const { code } = await wx('login', { user: 'bob' });
    const login = await call(api, 'POST', '/login', { code });
    expect(login.status).toBe(200);
    const token = login.json.data.token as string;

    const ui = await wx('getUserInfo', { user: 'bob', classic: true });
    const info = await call(api, 'POST', '/userinfo', { encryptedData: ui.encryptedData, iv: ui.iv, rawData: ui.rawData, signature: ui.signature }, token);
    expect(info.status).toBe(200);
    expect(info.json.data).toMatchObject({ openId: openidOf('bob'), nickName: 'Bob', gender: 1 });

    const p1 = await wx('getPhoneNumber', { user: 'bob' });
    const byCode = await call(api, 'POST', '/phone', { code: p1.code }, token);
    expect(byCode.status).toBe(200);
    const p2 = await wx('getPhoneNumber', { user: 'bob' });
    const byData = await call(api, 'POST', '/phone', { encryptedData: p2.encryptedData, iv: p2.iv }, token);
    expect(byData.json.data).toEqual(byCode.json.data);
    expect(byCode.json.data.phoneNumber).toBe(mock.control.getUser('bob')!.phoneNumber);

    const me = await call(api, 'GET', '/me', undefined, token);
    expect(me.json.data).toMatchObject({ openid: openidOf('bob'), profile: { nickName: 'Bob' }, phone: byCode.json.data });
    const key = mock.control.sessionKey(APPID, openidOf('bob'))!;
    for (const r of [login, info, byCode, byData, me]) expect(r.text).not.toContain(key);

    expect((await call(api, 'POST', '/session/check', {}, token)).json.data).toEqual({ valid: true });
    expect((await call(api, 'POST', '/logout', undefined, token)).json).toEqual({ code: 200, msg: 'ok', data: null });
    const after = await call(api, 'GET', '/me', undefined, token);
    expect([after.status, after.json.code, after.json.error]).toEqual([401, 203, 'invalid_token']);
  });

  it('a replayed code is 202 with errcode 40163', async () => {
    const api = await listen();
    const { code } = await wx('login', { user: 'alice' });
    expect((await call(api, 'POST', '/login', { code })).status).toBe(200);
    const again = await call(api, 'POST', '/login', { code });
    expect([again.status, again.json.code, again.json.data]).toEqual([401, 202, { errcode: 40163 }]);
  });

  it('stale session_key: inside the grace period accepted, past it 204 stale_session_key', async () => {
    const api = await listen({ staleKeyGraceSeconds: 120 });
    await call(api, 'POST', '/login', { code: (await wx('login', { user: 'alice' })).code });
    const old = await wx('getUserInfo', { user: 'alice', classic: true });
    mock.control.advanceClock(300); // past the mock's minimum rotation period: the next wx.login rotates the key
    const token = (await call(api, 'POST', '/login', { code: (await wx('login', { user: 'alice' })).code })).json.data.token;
    const body = { encryptedData: old.encryptedData, iv: old.iv, rawData: old.rawData, signature: old.signature };
    mock.control.advanceClock(119);
    expect((await call(api, 'POST', '/userinfo', body, token)).status).toBe(200);
    mock.control.advanceClock(1);
    const stale = await call(api, 'POST', '/userinfo', body, token);
    expect([stale.status, stale.json.code, stale.json.error]).toEqual([400, 204, 'stale_session_key']);
  });

  it('WeChat down: 205, quickly, for login and for the phone code', async () => {
    const dead = await listen({ wechatBaseUrl: 'http://127.0.0.1:1', wechatTimeoutMs: 500 });
    const t0 = Date.now();
    const r = await call(dead, 'POST', '/login', { code: 'anything' });
    expect([r.status, r.json.code, r.json.error]).toEqual([503, 205, 'wechat_unavailable']);
    expect(Date.now() - t0).toBeLessThan(3000);
    const api = await listen();
    const token = (await call(api, 'POST', '/login', { code: (await wx('login', { user: 'alice' })).code })).json.data.token;
    mock.control.addFault({ endpoint: '/wxa/business/getuserphonenumber', kind: 'latency', latencyMs: 1500, times: 2 });
    const slow = await listen({ wechatTimeoutMs: 200 });
    const token2 = (await call(slow, 'POST', '/login', { code: (await wx('login', { user: 'alice' })).code })).json.data.token;
    const p = await wx('getPhoneNumber', { user: 'alice' });
    const down = await call(slow, 'POST', '/phone', { code: p.code }, token2);
    expect([down.status, down.json.code]).toEqual([503, 205]);
    expect(token).toBeTypeOf('string');
    mock.control.clearFaults();
  });

  it.skipIf(!process.env.WXLOGIN_TEST_REDIS)('two instances on one Redis share a session and refresh the access token once', async () => {
    const prefix = `e2e${randomBytes(4).toString('hex')}`;
    const stores = await Promise.all([0, 1].map(() => openStore(process.env.WXLOGIN_TEST_REDIS!, { now: mock.control.now, prefix })));
    try {
      const [a, b] = await Promise.all(stores.map((store) => listen({ store })));
      const tokenCalls = () => mock.control.journal().filter((j) => j.path === '/cgi-bin/token').length;
      const before = tokenCalls();
      const token = (await call(a!, 'POST', '/login', { code: (await wx('login', { user: 'alice' })).code })).json.data.token;
      const meB = await call(b!, 'GET', '/me', undefined, token);
      expect(meB.json.data.openid).toBe(openidOf('alice'));
      // Both instances need an access token at the same moment: one cgi-bin/token call between them.
      const codes = await Promise.all([0, 1, 2, 3].map(() => wx('getPhoneNumber', { user: 'alice' })));
      const answers = await Promise.all(codes.map((p, i) => call(i % 2 ? b! : a!, 'POST', '/phone', { code: p.code }, token)));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect((await call(b!, 'POST', '/session/check', {}, token)).status).toBe(200);
      expect(tokenCalls() - before).toBe(1);
      // Logout on one instance is seen by the other at once.
      expect((await call(b!, 'POST', '/logout', undefined, token)).status).toBe(200);
      expect((await call(a!, 'GET', '/me', undefined, token)).status).toBe(401);
    } finally {
      for (const a of toClose.splice(0).reverse()) await a.close();
      for (const s of stores) await s.close();
    }
  });
});
