import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, SECRET, T0, exchange, get, mock, post } from './helpers.js';

describe('GET /sns/jscode2session', () => {
  it('exchanges a fresh code for session_key and openid, with no errcode field', async () => {
    const m = mock();
    const { code } = m.control.client.login({ user: 'alice' });
    expect(code).toMatch(/^[0-9A-Za-z]{32}$/);
    const r = await exchange(m, code);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['openid', 'session_key']);
    expect(r.body.session_key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Buffer.from(r.body.session_key, 'base64')).toHaveLength(16);
    expect(r.body.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    expect(r.body.openid).toBe(m.control.getUser('alice')!.openid);
    expect(r.body.session_key).toBe(m.control.sessionKey(APPID, r.body.openid));
  });

  it('returns unionid when the app belongs to an open-platform group, shared across the group', async () => {
    const m = mock({
      apps: [
        { appid: 'wxaaaaaaaaaaaaaaaa', secret: 'sa', openPlatform: 'g1' },
        { appid: 'wxbbbbbbbbbbbbbbbb', secret: 'sb', openPlatform: 'g1' },
        { appid: 'wxcccccccccccccccc', secret: 'sc' },
      ],
    });
    const a = m.control.client.login({ appid: 'wxaaaaaaaaaaaaaaaa', user: 'zed' });
    const b = m.control.client.login({ appid: 'wxbbbbbbbbbbbbbbbb', user: 'zed' });
    const c = m.control.client.login({ appid: 'wxcccccccccccccccc', user: 'zed' });
    const ra = (await exchange(m, a.code, { appid: 'wxaaaaaaaaaaaaaaaa', secret: 'sa' })).body;
    const rb = (await exchange(m, b.code, { appid: 'wxbbbbbbbbbbbbbbbb', secret: 'sb' })).body;
    const rc = (await exchange(m, c.code, { appid: 'wxcccccccccccccccc', secret: 'sc' })).body;
    expect(ra.unionid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    expect(rb.unionid).toBe(ra.unionid);
    expect(rb.openid).not.toBe(ra.openid);
    expect(rc).not.toHaveProperty('unionid');
  });

  it('ends every errmsg with a rid whose first group is the mock clock in hex', async () => {
    const m = mock();
    m.control.advanceClock(10);
    const r = await exchange(m, 'nope');
    const match = RID_RE.exec(r.body.errmsg);
    expect(match).not.toBeNull();
    expect(parseInt(match![2]!, 16)).toBe(T0 / 1000 + 10);
  });

  it.each([
    ['appid missing', { appid: undefined }, 41002, 'appid missing'],
    ['unknown appid', { appid: 'wx0000000000000000' }, 40013, 'invalid appid'],
    ['secret missing', { secret: undefined }, 41004, 'appsecret missing'],
    ['wrong secret', { secret: 'x'.repeat(32) }, 40125, 'invalid appsecret'],
    ['js_code missing', { js_code: undefined }, 41008, 'missing code'],
    ['grant_type missing', { grant_type: undefined }, 40002, 'invalid grant_type'],
    ['grant_type wrong', { grant_type: 'client_credential' }, 40002, 'invalid grant_type'],
    ['unknown code', { js_code: 'x'.repeat(32) }, 40029, 'invalid code'],
  ])('%s: HTTP 200 with errcode', async (_name, over, errcode, text) => {
    const m = mock();
    const { code } = m.control.client.login({ user: 'alice' });
    const r = await exchange(m, code, over);
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(errcode);
    expect(RID_RE.exec(r.body.errmsg)![1]).toBe(text);
  });

  it('wrongSecretErrcode 40001 answers a wrong secret as older tables say (at jscode2session and the token APIs)', async () => {
    const m = mock({ wrongSecretErrcode: 40001 });
    const { code } = m.control.client.login({ user: 'alice' });
    const r = await exchange(m, code, { secret: 'x'.repeat(32) });
    expect(r.body.errcode).toBe(40001);
    expect((await get(m, '/cgi-bin/token', { grant_type: 'client_credential', appid: APPID, secret: 'wrong' })).body.errcode).toBe(40001);
    // The code was not used by the refused call.
    expect((await exchange(m, code)).body.openid).toBeDefined();
  });

  it('reads the query only: a form body without query gives 41002, as WeChat does', async () => {
    const m = mock();
    const { code } = m.control.client.login({ user: 'alice' });
    const r = await post(m, '/sns/jscode2session', `appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(41002);
  });

  it('codes are single use: 40163 the second time', async () => {
    const m = mock();
    const { code } = m.control.client.login({ user: 'alice' });
    expect((await exchange(m, code)).body.openid).toBeDefined();
    const again = await exchange(m, code);
    expect(again.body.errcode).toBe(40163);
    expect(again.body.errmsg).toMatch(/^code been used, rid: /);
  });

  it('codes live 300 s: fine at 299 s, 40029 at 300 s', async () => {
    const m = mock();
    const a = m.control.client.login({ user: 'alice' }).code;
    const b = m.control.client.login({ user: 'alice' }).code;
    m.control.advanceClock(299);
    expect((await exchange(m, a)).body.openid).toBeDefined();
    m.control.advanceClock(1);
    expect((await exchange(m, b)).body.errcode).toBe(40029);
  });

  it('honours a configured code TTL', async () => {
    const m = mock({ codeTtlSeconds: 10 });
    const a = m.control.client.login({ user: 'alice' }).code;
    m.control.advanceClock(10);
    expect((await exchange(m, a)).body.errcode).toBe(40029);
  });

  it("another app's code is 40029", async () => {
    const m = mock({ apps: [{ appid: APPID, secret: SECRET }, { appid: 'wx2222222222222222', secret: 's2' }] });
    const { code } = m.control.client.login({ appid: 'wx2222222222222222', user: 'alice' });
    expect((await exchange(m, code)).body.errcode).toBe(40029);
  });

  it('a high-risk user is blocked with 40226', async () => {
    const m = mock();
    const { code } = m.control.client.login({ user: 'mallory' });
    const r = await exchange(m, code);
    expect(r.body.errcode).toBe(40226);
    expect(r.body.errmsg).toMatch(/^code blocked, rid: /);
  });

  it('limits one user to 100 exchanges a minute (45011), then allows again the next minute', async () => {
    const m = mock();
    const codes = Array.from({ length: 102 }, () => m.control.client.login({ user: 'bob' }).code!);
    for (let i = 0; i < 100; i++) expect((await exchange(m, codes[i])).body.openid).toBeDefined();
    const limited = await exchange(m, codes[100]);
    expect(limited.body.errcode).toBe(45011);
    expect(limited.body.errmsg).toMatch(/^api minute-quota reach limit mustslower retry next minute, rid: /);
    // Another user is not affected.
    expect((await exchange(m, m.control.client.login({ user: 'alice' }).code)).body.openid).toBeDefined();
    m.control.advanceClock(60);
    expect((await exchange(m, codes[100])).body.openid).toBeDefined();
  });

  it('a limit of 0 turns the 45011 limit off; a custom limit applies', async () => {
    const off = mock({ loginRateLimitPerMinute: 0 });
    for (let i = 0; i < 120; i++) {
      expect((await exchange(off, off.control.client.login({ user: 'bob' }).code)).body.openid).toBeDefined();
    }
    const two = mock({ loginRateLimitPerMinute: 2 });
    for (let i = 0; i < 2; i++) {
      expect((await exchange(two, two.control.client.login({ user: 'bob' }).code)).body.openid).toBeDefined();
    }
    expect((await exchange(two, two.control.client.login({ user: 'bob' }).code)).body.errcode).toBe(45011);
  });

  it('creates an unknown client user on first use, reproducibly; strictUsers refuses instead', async () => {
    const m = mock();
    const r = await exchange(m, m.control.client.login({ user: 'user-12345' }).code);
    expect(r.body.openid).toBe(m.control.getUser('user-12345')!.openid);
    const again = mock();
    again.control.client.login({ user: 'user-12345' });
    expect(again.control.getUser('user-12345')!.openid).toBe(r.body.openid);
    const strict = mock({ strictUsers: true });
    expect(strict.control.client.login({ user: 'nobody' }).errMsg).toMatch(/^login:fail unknown user nobody/);
    const http = await post(strict, '/__client/login', { user: 'nobody' });
    expect(http.status).toBe(400);
    expect(http.body.errMsg).toMatch(/^login:fail unknown user/);
  });

  it('never answers 400 for odd input: a repeated parameter is a WeChat error', async () => {
    const m = mock();
    const res = await m.app.inject({ method: 'GET', url: `/sns/jscode2session?appid=${APPID}&appid=x` });
    expect(res.statusCode).toBe(200);
    expect(res.json().errcode).toBeTypeOf('number');
  });

  it('uses the openid named by the client when it looks like one', async () => {
    const m = mock();
    const openid = 'oGZUI0egBJY1zhBYw2KhdUfwVJJE';
    const r = await exchange(m, m.control.client.login({ user: openid }).code);
    expect(r.body.openid).toBe(openid);
  });
});
