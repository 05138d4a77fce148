// Logs never carry the AppSecret, a session_key, a login token or the access token: capture every line of a busy
// run (successes, refusals, WeChat failures, an unexpected error) at trace level and search it.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPID, SECRET, bearer, code, makeBackend, startMock, type Mock } from './helpers.js';

let mock: Mock;
beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  await mock.close();
});

describe('logs', () => {
  it('contain requests and refusals but no secret, session_key, token or access token', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    // allowQueryToken: a token in the query string (opt-in) must not reach the request log line either.
    const { app, store } = await makeBackend(mock, { logger: { level: 'trace', stream }, allowQueryToken: true });
    const post = (url: string, payload: object, headers = {}) => app.inject({ method: 'POST', url, payload, headers });
    const secrets: string[] = [SECRET];
    try {
      const tokens: string[] = [];
      for (const user of ['alice', 'bob']) {
        const r = await post('/login', { code: code(mock, user) });
        expect(r.statusCode).toBe(200);
        tokens.push(r.json().data.token);
      }
      const [t1, t2] = tokens as [string, string];
      const ui = mock.control.client.getUserInfo({ user: 'alice', classic: true });
      expect((await post('/userinfo', { encryptedData: ui.encryptedData!, iv: ui.iv!, rawData: ui.rawData!, signature: ui.signature! }, bearer(t1))).statusCode).toBe(200);
      expect((await post('/userinfo', { encryptedData: ui.encryptedData!, iv: ui.iv! }, bearer(t2))).statusCode).toBe(400);
      const p = mock.control.client.getPhoneNumber({ user: 'alice' });
      expect((await post('/phone', { code: p.code! }, bearer(t1))).statusCode).toBe(200);
      expect((await post('/session/check', { token: t2 })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: `/me?token=${t1}` })).statusCode).toBe(200);
      expect((await post('/login', { code: 'bogus' })).statusCode).toBe(401);
      mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'http5xx', times: 2 });
      expect((await post('/login', { code: code(mock, 'alice') })).statusCode).toBe(503);
      expect((await post('/logout', {}, bearer(t1))).statusCode).toBe(200);
      expect((await post('/logout', {}, bearer(t1))).statusCode).toBe(401);
      secrets.push(...tokens);
      for (const alias of ['alice', 'bob']) secrets.push(mock.control.sessionKey(APPID, mock.control.getUser(alias)!.openid)!);
      const at = await store.tokens.get(APPID);
      expect(at).toBeDefined();
      secrets.push(at!.accessToken);
    } finally {
      await app.close();
    }
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    expect(log).toContain('"url":"/login"');
    expect(log).toContain('wechat_unavailable');
    expect(log).toContain('wechat_rejected');
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(10);
      expect(log).not.toContain(s);
      // also not in the URL-encoded or JSON-escaped forms
      expect(log).not.toContain(encodeURIComponent(s));
      expect(log).not.toContain(JSON.stringify(s).slice(1, -1));
    }
    expect(log).not.toMatch(/session_key/);
  });
});
