import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, SECRET, T0, accessToken, decrypt, get, loginAndExchange, mock, post } from './helpers.js';

type M = ReturnType<typeof mock>;

async function phone(m: M, token: string | undefined, body: unknown, headers?: Record<string, string>) {
  const url = token === undefined ? '/wxa/business/getuserphonenumber' : `/wxa/business/getuserphonenumber?access_token=${token}`;
  return post(m, url, body, headers);
}

describe('getPhoneNumber: client button and POST /wxa/business/getuserphonenumber', () => {
  it('the button gives a code and the old encrypted payload; the code exchanges for phone_info', async () => {
    const m = mock({ users: [{ alias: 'pat', phoneNumber: '13580006666' }] });
    const s = await loginAndExchange(m, 'pat');
    m.control.advanceClock(5);
    const btn = m.control.client.getPhoneNumber({ user: 'pat' });
    expect(btn.errMsg).toBe('getPhoneNumber:ok');
    expect(btn.code).toMatch(/^[0-9a-f]{64}$/);
    expect(decrypt(btn.encryptedData!, s.session_key, btn.iv!)).toEqual({
      phoneNumber: '13580006666',
      purePhoneNumber: '13580006666',
      countryCode: '86',
      watermark: { timestamp: T0 / 1000 + 5, appid: APPID },
    });
    m.control.advanceClock(10);
    const r = await phone(m, await accessToken(m), { code: btn.code });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: '13580006666',
        purePhoneNumber: '13580006666',
        countryCode: '86',
        watermark: { timestamp: T0 / 1000 + 5, appid: APPID },
      },
    });
  });

  it('countryCodeType "number" answers countryCode as the documentation\'s example does', async () => {
    const m = mock({ countryCodeType: 'number' });
    await loginAndExchange(m);
    const { code } = m.control.client.getPhoneNumber({ user: 'alice' });
    const r = await phone(m, await accessToken(m), { code });
    expect(r.body.phone_info.countryCode).toBe(86);
  });

  it('phone codes are single use and live 300 s', async () => {
    const m = mock();
    await loginAndExchange(m);
    const token = await accessToken(m);
    const a = m.control.client.getPhoneNumber({ user: 'alice' }).code;
    const b = m.control.client.getPhoneNumber({ user: 'alice' }).code;
    expect((await phone(m, token, { code: a })).body.errcode).toBe(0);
    const used = (await phone(m, token, { code: a })).body;
    expect(used.errcode).toBe(40029);
    expect(used.errmsg).toMatch(/^invalid code hint: \[[0-9A-Za-z]{9}-[0-9A-Za-z]{6}\] rid: /);
    m.control.advanceClock(299);
    const c = m.control.client.getPhoneNumber({ user: 'alice' }).code;
    expect((await phone(m, token, { code: c })).body.errcode).toBe(0);
    m.control.advanceClock(1);
    expect((await phone(m, token, { code: b })).body.errcode).toBe(40029);
  });

  it("another app's code is 40013; a wrong openid is 40003; a wx.login code is 40029", async () => {
    const m = mock({ apps: [{ appid: APPID, secret: SECRET }, { appid: 'wx2222222222222222', secret: 's2' }] });
    await loginAndExchange(m, 'alice', 'wx2222222222222222');
    const other = m.control.client.getPhoneNumber({ appid: 'wx2222222222222222', user: 'alice' }).code;
    const token = await accessToken(m);
    expect((await phone(m, token, { code: other })).body.errcode).toBe(40013);
    await loginAndExchange(m, 'alice', APPID);
    const mine = m.control.client.getPhoneNumber({ appid: APPID, user: 'alice' }).code;
    expect((await phone(m, token, { code: mine, openid: 'o'.repeat(28) })).body.errcode).toBe(40003);
    const loginCode = m.control.client.login({ appid: APPID, user: 'alice' }).code;
    expect((await phone(m, token, { code: loginCode })).body.errcode).toBe(40029);
  });

  it("the optional openid: the code's own user is served; any other openid is 40003 (invalid openid)", async () => {
    const m = mock();
    const alice = await loginAndExchange(m, 'alice');
    const bob = await loginAndExchange(m, 'bob');
    const token = await accessToken(m);
    const code = m.control.client.getPhoneNumber({ user: 'alice' }).code;
    for (const openid of [bob.openid, alice.openid.toUpperCase(), `${alice.openid} `, '']) {
      const r = await phone(m, token, { code, openid });
      expect(r.body.errcode, openid).toBe(40003);
      expect(RID_RE.exec(r.body.errmsg)![1]).toBe('invalid openid');
      expect(r.body).not.toHaveProperty('phone_info');
    }
    const fresh = m.control.client.getPhoneNumber({ user: 'alice' }).code;
    const ok = await phone(m, token, { code: fresh, openid: alice.openid });
    expect(ok.body.errcode).toBe(0);
    expect(ok.body.phone_info.purePhoneNumber).toBe(m.control.getUser('alice')!.purePhoneNumber);
    // Without openid the check is skipped (the field is optional).
    const again = m.control.client.getPhoneNumber({ user: 'bob' }).code;
    expect((await phone(m, token, { code: again })).body.errcode).toBe(0);
  });

  it.each([
    ['a form body', 'code=abc', { 'content-type': 'application/x-www-form-urlencoded' }, 47001],
    ['invalid JSON', '{"code":', { 'content-type': 'application/json' }, 47001],
    ['JSON without code', { openid: 'x' }, undefined, 47001],
    ['a JSON array', '[1]', { 'content-type': 'application/json' }, 47001],
    ['an empty body', '', { 'content-type': 'application/json' }, 44002],
  ])('%s -> %i', async (_n, body, headers, errcode) => {
    const m = mock();
    const r = await phone(m, await accessToken(m), body, headers);
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(errcode);
  });

  it('needs the token in the URL (41001), a live token (40001), and POST (43002)', async () => {
    const m = mock();
    expect((await phone(m, undefined, { code: 'x' })).body.errcode).toBe(41001);
    expect((await phone(m, 'bogus', { code: 'x' })).body.errcode).toBe(40001);
    const token = await accessToken(m);
    expect((await get(m, '/wxa/business/getuserphonenumber', { access_token: token })).body.errcode).toBe(43002);
  });

  it('a user who refuses gets getPhoneNumber:fail user deny and no data', async () => {
    const m = mock({ users: [{ alias: 'shy', consent: { phoneNumber: 'deny' } }] });
    await loginAndExchange(m, 'shy');
    expect(m.control.client.getPhoneNumber({ user: 'shy' })).toEqual({ errMsg: 'getPhoneNumber:fail user deny' });
    const http = await post(m, '/__client/getPhoneNumber', { user: 'shy' });
    expect(http.status).toBe(200);
    expect(http.body).toEqual({ errMsg: 'getPhoneNumber:fail user deny' });
  });

  it('a body over the size bound is answered as a WeChat error, not a 413', async () => {
    const m = mock();
    const r = await phone(m, await accessToken(m), JSON.stringify({ code: 'x'.repeat(100_000) }), {
      'content-type': 'application/json',
    });
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(47001);
  });
});
