import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { APPID, SECRET, T0, decrypt, loginAndExchange, mock, post } from './helpers.js';

const ANON = {
  nickName: '微信用户',
  gender: 0,
  language: '',
  city: '',
  province: '',
  country: '',
  avatarUrl:
    'https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132',
};
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

describe('client simulator', () => {
  it('login over HTTP answers {errMsg: "login:ok", code}', async () => {
    const m = mock();
    const r = await post(m, '/__client/login', { user: 'alice' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['code', 'errMsg']);
    expect(r.body.errMsg).toBe('login:ok');
  });

  it('getUserInfo is anonymised by default; encrypted openId/unionId stay real; signature = sha1(rawData + key)', async () => {
    const m = mock({ apps: [{ appid: APPID, secret: SECRET, openPlatform: 'grp' }] });
    const s = await loginAndExchange(m);
    m.control.advanceClock(7);
    const r = await post(m, '/__client/getUserInfo', { user: 'alice' });
    expect(r.status).toBe(200);
    expect(r.body.errMsg).toBe('getUserInfo:ok');
    expect(r.body.userInfo).toEqual(ANON);
    expect(r.body.rawData).toBe(JSON.stringify(ANON));
    expect(r.body.signature).toBe(sha1(r.body.rawData + s.session_key));
    const data = decrypt(r.body.encryptedData, s.session_key, r.body.iv);
    expect(Object.keys(data)).toEqual([
      'openId', 'nickName', 'gender', 'language', 'city', 'province', 'country', 'avatarUrl', 'unionId', 'watermark',
    ]);
    expect(data.openId).toBe(s.openid);
    expect(data.unionId).toBe(s.unionid);
    expect(data.nickName).toBe('微信用户');
    expect(data.watermark).toEqual({ timestamp: T0 / 1000 + 7, appid: APPID });
  });

  it('getUserInfo {classic: true} gives the real profile', async () => {
    const m = mock({ users: [{ alias: 'band', nickName: 'Band', gender: 1, city: 'Guangzhou', province: 'Guangdong', country: 'CN' }] });
    const s = await loginAndExchange(m, 'band');
    const r = m.control.client.getUserInfo({ user: 'band', classic: true });
    expect(r.userInfo).toMatchObject({ nickName: 'Band', gender: 1, language: 'zh_CN', city: 'Guangzhou' });
    const data = decrypt(r.encryptedData!, s.session_key, r.iv!);
    expect(data).toMatchObject({ openId: s.openid, nickName: 'Band', gender: 1, city: 'Guangzhou' });
    expect(data).not.toHaveProperty('unionId');
    expect(r.signature).toBe(sha1(r.rawData! + s.session_key));
  });

  it('getUserProfile has no openId/unionId in its encrypted data, and fails on deny', async () => {
    const m = mock({ apps: [{ appid: APPID, secret: SECRET, openPlatform: 'g' }] });
    const s = await loginAndExchange(m);
    const r = m.control.client.getUserProfile({ user: 'alice', desc: 'show your profile' });
    expect(r.errMsg).toBe('getUserProfile:ok');
    const data = decrypt(r.encryptedData!, s.session_key, r.iv!);
    expect(data).not.toHaveProperty('openId');
    expect(data).not.toHaveProperty('unionId');
    expect(data.watermark.appid).toBe(APPID);
    await loginAndExchange(m, 'carol');
    expect(m.control.client.getUserProfile({ user: 'carol' })).toEqual({ errMsg: 'getUserProfile:fail auth deny' });
    expect(m.control.client.getUserInfo({ user: 'carol', classic: true })).toEqual({ errMsg: 'getUserInfo:fail auth deny' });
    // The anonymised getUserInfo needs no consent.
    expect(m.control.client.getUserInfo({ user: 'carol' }).errMsg).toBe('getUserInfo:ok');
  });

  it('data APIs without a live login fail like a lapsed session', async () => {
    const m = mock();
    for (const api of ['getUserInfo', 'getUserProfile', 'getPhoneNumber', 'getWeRunData', 'getShareInfo'] as const) {
      const r = m.control.client[api]({ user: 'bob' });
      expect(r).toEqual({ errMsg: `${api}:fail session time out, need relogin` });
    }
  });

  it('getSetting and authorize follow the per-user consent policy; a refusal is remembered', async () => {
    const m = mock({ users: [{ alias: 'u', consent: { 'scope.record': 'deny', 'scope.camera': 'grant', default: 'deny' } }] });
    expect(m.control.client.getSetting({ user: 'u' })).toEqual({
      errMsg: 'getSetting:ok',
      authSetting: { 'scope.userInfo': true },
    });
    expect(m.control.client.authorize({ user: 'u', scope: 'scope.camera' })).toEqual({ errMsg: 'authorize:ok' });
    expect(m.control.client.authorize({ user: 'u', scope: 'scope.record' })).toEqual({ errMsg: 'authorize:fail auth deny' });
    expect(m.control.client.authorize({ user: 'u', scope: 'scope.userLocation' }).errMsg).toBe('authorize:fail auth deny');
    expect(m.control.client.authorize({ user: 'u', scope: 'scope.userInfo' }).errMsg).toBe('authorize:ok');
    expect(m.control.client.getSetting({ user: 'u' }).authSetting).toEqual({
      'scope.userInfo': true,
      'scope.camera': true,
      'scope.record': false,
      'scope.userLocation': false,
    });
    // Changing the policy later does not re-ask a scope already answered.
    m.control.addUser({ alias: 'u', consent: 'grant' });
    expect(m.control.client.authorize({ user: 'u', scope: 'scope.record' }).errMsg).toBe('authorize:fail auth deny');
    expect(m.control.client.authorize({ user: 'u', scope: 'scope.werun' }).errMsg).toBe('authorize:ok');
    expect(m.control.client.authorize({ user: 'u', scope: 'scope.nope' }).errMsg).toBe('authorize:fail invalid scope scope.nope');
    expect((await post(m, '/__client/authorize', { user: 'u' })).status).toBe(400);
  });

  it('getWeRunData: 31 days of steps at local (UTC+8) midnights, oldest first, needs scope.werun', async () => {
    const m = mock({ users: [{ alias: 'walker' }, { alias: 'sitter', consent: { 'scope.werun': 'deny' } }] });
    const s = await loginAndExchange(m, 'walker');
    const r = m.control.client.getWeRunData({ user: 'walker' });
    expect(r.errMsg).toBe('getWeRunData:ok');
    const data = decrypt(r.encryptedData!, s.session_key, r.iv!);
    expect(data.stepInfoList).toHaveLength(31);
    const last = data.stepInfoList[30].timestamp;
    // T0 is 2023-11-14T22:13:20Z = 2023-11-15 06:13:20 +08, so today's local midnight is 2023-11-14T16:00Z.
    expect(last).toBe(Date.UTC(2023, 10, 14, 16) / 1000);
    for (let i = 1; i < 31; i++) expect(data.stepInfoList[i].timestamp - data.stepInfoList[i - 1].timestamp).toBe(86_400);
    for (const e of data.stepInfoList) expect(e.step).toBeGreaterThanOrEqual(0);
    expect(data.watermark).toEqual({ timestamp: T0 / 1000, appid: APPID });
    expect(m.control.client.getSetting({ user: 'walker' }).authSetting!['scope.werun']).toBe(true);
    await loginAndExchange(m, 'sitter');
    expect(m.control.client.getWeRunData({ user: 'sitter' })).toEqual({ errMsg: 'getWeRunData:fail auth deny' });
  });

  it('getShareInfo: an openGId per share ticket, under the current key', async () => {
    const m = mock();
    const s = await loginAndExchange(m);
    const a = m.control.client.getShareInfo({ user: 'alice', shareTicket: 't1' });
    const b = m.control.client.getShareInfo({ user: 'alice', shareTicket: 't2' });
    const da = decrypt(a.encryptedData!, s.session_key, a.iv!);
    const db = decrypt(b.encryptedData!, s.session_key, b.iv!);
    expect(a.errMsg).toBe('getShareInfo:ok');
    expect(da.openGId).toMatch(/^t[A-Za-z0-9_-]{28}$/);
    expect(db.openGId).not.toBe(da.openGId);
    expect(da.watermark.appid).toBe(APPID);
  });

  it('every payload is standard PKCS#7 over 16-byte blocks with a fresh iv', async () => {
    const m = mock();
    const s = await loginAndExchange(m);
    const ivs = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = m.control.client.getUserInfo({ user: 'alice' });
      expect(Buffer.from(r.encryptedData!, 'base64').length % 16).toBe(0);
      expect(Buffer.from(r.iv!, 'base64')).toHaveLength(16);
      decrypt(r.encryptedData!, s.session_key, r.iv!);
      ivs.add(r.iv!);
    }
    expect(ivs.size).toBe(5);
  });

  it('bad calls to the simulator are HTTP 400 with a fail errMsg; appid is required with several apps', async () => {
    const m = mock({ apps: [{ appid: APPID, secret: SECRET }, { appid: 'wx2222222222222222', secret: 's2' }] });
    const noUser = await post(m, '/__client/login', {});
    expect(noUser.status).toBe(400);
    expect(noUser.body.errMsg).toMatch(/^login:fail parameter error/);
    const noApp = await post(m, '/__client/login', { user: 'alice' });
    expect(noApp.status).toBe(400);
    expect(noApp.body.errMsg).toBe('login:fail parameter error: appid is required (the mock serves 2 apps)');
    const badApp = await post(m, '/__client/login', { user: 'alice', appid: 'wx9' });
    expect(badApp.status).toBe(400);
    expect(badApp.body.errMsg).toBe('login:fail unknown appid wx9');
    const badJson = await post(m, '/__client/login', '{', { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.errMsg).toMatch(/^login:fail /);
    expect(m.control.client.login({ user: '' } as never).errMsg).toBe('login:fail parameter error: user is required');
  });
});
