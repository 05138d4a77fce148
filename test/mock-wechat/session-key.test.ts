import { describe, expect, it } from 'vitest';
import { APPID, accessToken, decrypt, get, hmacEmpty, loginAndExchange, mock } from './helpers.js';

const DAY = 86_400;

async function check(m: ReturnType<typeof mock>, token: string, openid: string, signature: string, sig_method = 'hmac_sha256') {
  return (await get(m, '/wxa/checksession', { access_token: token, openid, signature, sig_method })).body;
}

describe('session_key rotation and lifetime', () => {
  it('rotation "always": every login replaces the key', async () => {
    const m = mock({ sessionKey: { rotation: 'always' } });
    const a = await loginAndExchange(m);
    const b = await loginAndExchange(m);
    expect(b.session_key).not.toBe(a.session_key);
  });

  it('rotation "period" (default 300 s): at most one new key per period', async () => {
    const m = mock();
    const a = await loginAndExchange(m);
    m.control.advanceClock(299);
    expect((await loginAndExchange(m)).session_key).toBe(a.session_key);
    m.control.advanceClock(1);
    expect((await loginAndExchange(m)).session_key).not.toBe(a.session_key);
  });

  it('rotation "never": the key stays until it expires, then a login mints a new one', async () => {
    const m = mock({ sessionKey: { rotation: 'never', lifetimeSeconds: 1000 } });
    const a = await loginAndExchange(m);
    m.control.advanceClock(999);
    expect((await loginAndExchange(m)).session_key).toBe(a.session_key);
    m.control.advanceClock(1);
    expect(m.control.sessionKey(APPID, a.openid)).toBeUndefined();
    expect((await loginAndExchange(m)).session_key).not.toBe(a.session_key);
  });

  it('keys expire after the lifetime (default 3 days): wx.checkSession ok before, fail after', async () => {
    const m = mock();
    await loginAndExchange(m);
    m.control.advanceClock(3 * DAY - 1);
    expect(m.control.client.checkSession({ user: 'alice' })).toEqual({ errMsg: 'checkSession:ok' });
    m.control.advanceClock(1);
    expect(m.control.client.checkSession({ user: 'alice' })).toEqual({
      errMsg: 'checkSession:fail session time out, need relogin',
    });
  });

  it('data is encrypted under the current key; a rotated-out key no longer decrypts it', async () => {
    const m = mock({ sessionKey: { rotation: 'always' } });
    const old = await loginAndExchange(m);
    const fresh = await loginAndExchange(m);
    const info = m.control.client.getUserInfo({ user: 'alice' });
    expect(decrypt(info.encryptedData!, fresh.session_key, info.iv!).openId).toBe(fresh.openid);
    expect(() => decrypt(info.encryptedData!, old.session_key, info.iv!)).toThrow();
  });
});

describe('GET /wxa/checksession', () => {
  it('accepts hmac_sha256(session_key text, "") of the current key', async () => {
    const m = mock();
    const s = await loginAndExchange(m);
    const token = await accessToken(m);
    expect(await check(m, token, s.openid, hmacEmpty(s.session_key))).toEqual({ errcode: 0, errmsg: 'ok' });
  });

  it('a rotated-out key fails with 87009', async () => {
    const m = mock({ sessionKey: { rotation: 'always' } });
    const old = await loginAndExchange(m);
    await loginAndExchange(m);
    const token = await accessToken(m);
    const r = await check(m, token, old.openid, hmacEmpty(old.session_key));
    expect(r.errcode).toBe(87009);
    expect(r.errmsg).toMatch(/^invalid signature rid: /);
  });

  it('an expired key fails with 87009', async () => {
    const m = mock({ sessionKey: { lifetimeSeconds: 100 } });
    const s = await loginAndExchange(m);
    const token = await accessToken(m);
    m.control.advanceClock(99);
    expect((await check(m, token, s.openid, hmacEmpty(s.session_key))).errcode).toBe(0);
    m.control.advanceClock(1);
    expect((await check(m, token, s.openid, hmacEmpty(s.session_key))).errcode).toBe(87009);
  });

  it.each([
    ['a wrong signature', {}, 'sig', 87009],
    ['an upper-case signature', {}, 'upper', 87009],
    ['another sig_method', { sig_method: 'hmac_sha1' }, 'good', 87008],
    ['no sig_method', { sig_method: undefined }, 'good', 87008],
    ['no openid', { openid: undefined }, 'good', 41009],
    ['an unknown openid', { openid: 'o'.repeat(28) }, 'good', 40003],
    ['no access_token', { access_token: undefined }, 'good', 41001],
    ['an unknown access_token', { access_token: 'nope' }, 'good', 40001],
  ])('%s', async (_n, over: Record<string, string | undefined>, sig, errcode) => {
    const m = mock();
    const s = await loginAndExchange(m);
    const good = hmacEmpty(s.session_key);
    const signature = sig === 'good' ? good : sig === 'upper' ? good.toUpperCase() : 'f'.repeat(64);
    const q = { access_token: await accessToken(m), openid: s.openid, signature, sig_method: 'hmac_sha256', ...over };
    const r = await get(m, '/wxa/checksession', q);
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(errcode);
  });
});

describe('GET /wxa/resetusersessionkey', () => {
  it('issues a new key that inherits the old expiry; the old key dies at once', async () => {
    const m = mock({ sessionKey: { lifetimeSeconds: 1000 } });
    const s = await loginAndExchange(m);
    const token = await accessToken(m);
    m.control.advanceClock(400);
    const q = { access_token: token, openid: s.openid, signature: hmacEmpty(s.session_key), sig_method: 'hmac_sha256' };
    const r = await get(m, '/wxa/resetusersessionkey', q);
    expect(r.body.errcode).toBe(0);
    expect(r.body.errmsg).toBe('ok');
    expect(r.body.openid).toBe(s.openid);
    expect(r.body.session_key).not.toBe(s.session_key);
    expect(r.body.session_key).toBe(m.control.sessionKey(APPID, s.openid));
    expect((await check(m, token, s.openid, hmacEmpty(s.session_key))).errcode).toBe(87009);
    expect((await check(m, token, s.openid, hmacEmpty(r.body.session_key))).errcode).toBe(0);
    m.control.advanceClock(599);
    expect(m.control.sessionKey(APPID, s.openid)).toBe(r.body.session_key);
    m.control.advanceClock(1);
    expect(m.control.sessionKey(APPID, s.openid)).toBeUndefined();
  });

  it('needs a valid signature of the current key (87009) and hmac_sha256 (87008)', async () => {
    const m = mock();
    const s = await loginAndExchange(m);
    const token = await accessToken(m);
    const base = { access_token: token, openid: s.openid, sig_method: 'hmac_sha256' };
    expect((await get(m, '/wxa/resetusersessionkey', { ...base, signature: 'x' })).body.errcode).toBe(87009);
    const bad = { ...base, signature: hmacEmpty(s.session_key), sig_method: 'md5' };
    expect((await get(m, '/wxa/resetusersessionkey', bad)).body.errcode).toBe(87008);
    expect(m.control.sessionKey(APPID, s.openid)).toBe(s.session_key);
  });
});
