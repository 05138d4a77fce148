import { describe, expect, it } from 'vitest';
import { createState } from '../../mock-wechat/state.js';
import { APPID, RID_RE, SECRET, T0, accessToken, exchange, get, loginAndExchange, mock, post } from './helpers.js';

describe('admin API', () => {
  it('lists apps and users; gets a user by openid or alias; 404 for an unknown one', async () => {
    const m = mock();
    expect((await m.app.inject('/__admin/apps')).json()).toEqual({ apps: [{ appid: APPID, secret: SECRET }] });
    const users = (await m.app.inject('/__admin/users')).json().users;
    expect(users.map((u: { alias: string }) => u.alias)).toEqual(['alice', 'bob', 'carol', 'mallory']);
    const alice = users[0];
    expect(Object.keys(alice).sort()).toEqual(
      [
        'alias', 'appid', 'openid', 'nickName', 'avatarUrl', 'gender', 'language', 'city', 'province', 'country',
        'phoneNumber', 'purePhoneNumber', 'countryCode', 'consent', 'authSetting', 'risk', 'privacyAgreed',
      ].sort(),
    );
    expect((await m.app.inject(`/__admin/users/${alice.openid}`)).json()).toEqual(alice);
    expect((await m.app.inject('/__admin/users/alice')).json()).toEqual(alice);
    const missing = await m.app.inject('/__admin/users/nobody');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatch(/no user nobody/);
    expect((await m.app.inject('/__admin/users?appid=wx0')).statusCode).toBe(404);
  });

  it('POST /__admin/users creates, then upserts by alias keeping the openid', async () => {
    const m = mock();
    const created = await post(m, '/__admin/users', { alias: 'dave', nickName: 'Dave', risk: true, consent: { 'scope.werun': 'deny' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ alias: 'dave', nickName: 'Dave', risk: true, consent: { default: 'grant', scopes: { 'scope.werun': 'deny' } } });
    const code = m.control.client.login({ user: 'dave' }).code;
    expect((await exchange(m, code)).body.errcode).toBe(40226);
    const updated = await post(m, '/__admin/users', { alias: 'dave', risk: false });
    expect(updated.body.openid).toBe(created.body.openid);
    expect((await exchange(m, m.control.client.login({ user: 'dave' }).code)).body.openid).toBe(created.body.openid);
    expect((await post(m, '/__admin/users', { alias: 'x', gender: 7 })).status).toBe(400);
    expect((await post(m, '/__admin/users', { alias: 'x', appid: 'wx0' })).status).toBe(404);
  });

  it('session-key admin view shows the live key', async () => {
    const m = mock();
    const s = await loginAndExchange(m);
    const r = (await m.app.inject('/__admin/users/alice/session-key')).json();
    expect(r).toMatchObject({ appid: APPID, openid: s.openid, session_key: s.session_key });
    expect((await m.app.inject('/__admin/users/bob/session-key')).statusCode).toBe(404);
  });

  it('rotates a key now (the old one dies, the expiry is kept) and expires one (the next exchange issues a new key)', async () => {
    const m = mock();
    const s = await loginAndExchange(m);
    const before = (await m.app.inject('/__admin/users/alice/session-key')).json();
    m.control.advanceClock(60);
    const rotated = await post(m, `/__admin/users/${s.openid}/session-key/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ appid: APPID, openid: s.openid, expiresAt: before.expiresAt });
    expect(rotated.body.session_key).not.toBe(s.session_key);
    expect((await m.app.inject('/__admin/users/alice/session-key')).json().session_key).toBe(rotated.body.session_key);
    const state = m.control.exportState() as unknown as { modules: { users: { users: { alias: string; key?: { issuedAt: number } }[] } } };
    expect(state.modules.users.users.find((u) => u.alias === 'alice')!.key!.issuedAt).toBe(T0 + 60_000);

    const expired = await post(m, '/__admin/users/alice/session-key/expire');
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ session_key: rotated.body.session_key, expiresAt: new Date(T0 + 60_000).toISOString() });
    expect((await m.app.inject('/__admin/users/alice/session-key')).statusCode).toBe(404);
    expect(m.control.sessionKey(APPID, s.openid)).toBeUndefined();
    // Nothing live to expire now; the next exchange hands out a fresh key.
    const again = await post(m, '/__admin/users/alice/session-key/expire');
    expect(again.status).toBe(404);
    expect(again.body.error).toMatch(/no live session key/);
    const next = await loginAndExchange(m);
    expect(next.session_key).not.toBe(rotated.body.session_key);
    // A user with no key gets one with a full lifetime; an unknown user is a 404 naming them.
    const bob = await post(m, '/__admin/users/bob/session-key/rotate');
    expect(bob.status).toBe(200);
    expect(m.control.sessionKey(APPID, bob.body.openid)).toBe(bob.body.session_key);
    const nobody = await post(m, '/__admin/users/nobody/session-key/rotate');
    expect(nobody.status).toBe(404);
    expect(nobody.body.error).toMatch(/no user nobody/);
    expect(() => m.control.expireSessionKey(APPID, 'nope')).toThrow(/no user nope/);
  });

  it('DELETE /__admin/faults/:id removes one fault and keeps the others; 404 for an unknown id', async () => {
    const m = mock();
    const a = m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: 45011 });
    const b = m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'errcode', errcode: -1 });
    const del = await m.app.inject({ method: 'DELETE', url: `/__admin/faults/${a}` });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ removed: a });
    expect((await m.app.inject('/__admin/faults')).json().faults.map((f: { id: string }) => f.id)).toEqual([b]);
    // The removed fault no longer answers for WeChat.
    expect((await loginAndExchange(m)).session_key).toMatch(/==$/);
    const again = await m.app.inject({ method: 'DELETE', url: `/__admin/faults/${a}` });
    expect(again.statusCode).toBe(404);
    expect(again.json().error).toBe(`no active fault ${a}`);
    expect(() => m.control.removeFault('fault-999')).toThrow(/no active fault fault-999/);
    m.control.removeFault(b);
    expect((await m.app.inject('/__admin/faults')).json().faults).toEqual([]);
  });

  it('the journal is newest first, bounded, and masks secrets (codes and tokens partly)', async () => {
    const m = mock({ journalLimit: 3 });
    const token = await accessToken(m);
    const code = m.control.client.login({ user: 'alice' }).code!;
    await exchange(m, code);
    await post(m, `/wxa/business/getuserphonenumber?access_token=${token}`, { code: 'abcdefghijkl' });
    const entries = (await m.app.inject('/__admin/journal')).json().entries;
    expect(entries).toHaveLength(3);
    expect(entries.map((e: { path: string }) => e.path)).toEqual([
      '/wxa/business/getuserphonenumber',
      '/sns/jscode2session',
      '/cgi-bin/token',
    ]);
    const [phone, j2s, tok] = entries;
    expect(phone.query.access_token).toBe(`${token.slice(0, 6)}***`);
    expect(phone.body).toEqual({ code: 'abcdef***' });
    expect(phone.errcode).toBe(40029);
    expect(j2s.query).toEqual({ appid: APPID, secret: '***', js_code: `${code.slice(0, 6)}***`, grant_type: 'authorization_code' });
    expect(j2s.status).toBe(200);
    expect(j2s).not.toHaveProperty('errcode');
    expect(tok.query.secret).toBe('***');
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    expect(JSON.stringify(entries)).not.toContain(token);
    expect(tok.time).toBe(new Date(T0).toISOString());
    expect((await m.app.inject('/__admin/journal?limit=1')).json().entries).toHaveLength(1);
  });

  it('journals odd bodies without leaking them: forms masked, broken or oversized JSON summarised', async () => {
    const m = mock();
    await post(m, '/cgi-bin/stable_token', `appid=${APPID}&secret=${SECRET}`, { 'content-type': 'application/x-www-form-urlencoded' });
    await post(m, '/cgi-bin/stable_token', `{"secret":"${SECRET}"`, { 'content-type': 'application/json' });
    await post(m, '/cgi-bin/stable_token', JSON.stringify({ secret: SECRET, pad: 'x'.repeat(5000) }));
    const [big, broken, form] = m.control.journal(3);
    expect(form!.body).toEqual({ appid: APPID, secret: '***' });
    expect(broken!.body).toBe('(44 characters, not JSON)');
    expect(big!.body).toBe('(2048 characters, not JSON)');
    expect(JSON.stringify(m.control.journal())).not.toContain(SECRET);
  });

  it('the clock moves forward only', async () => {
    const m = mock();
    const r = await post(m, '/__admin/clock', { advanceSeconds: 90 });
    expect(r.body).toEqual({ now: T0 + 90_000, time: new Date(T0 + 90_000).toISOString() });
    expect(m.control.now()).toBe(T0 + 90_000);
    expect((await post(m, '/__admin/clock', { advanceSeconds: -1 })).status).toBe(400);
    expect((await post(m, '/__admin/clock', {})).status).toBe(400);
  });

  it('reset returns to the state right after build (same seed, same codes again)', async () => {
    const m = mock();
    const first = m.control.client.login({ user: 'zoe' }).code!;
    m.control.advanceClock(50);
    m.control.addFault({ endpoint: '*', kind: 'errcode' });
    expect((await post(m, '/__admin/reset')).body).toEqual({ ok: true });
    expect(m.control.now()).toBe(T0);
    expect(m.control.getUser('zoe')).toBeUndefined();
    expect(m.control.journal()).toEqual([]);
    expect((await exchange(m, first)).body.errcode).toBe(40029);
    expect(m.control.client.login({ user: 'zoe' }).code).toBe(first);
  });
});

describe('unknown paths', () => {
  it('server side: a WeChat-style error naming the path (query left out)', async () => {
    const m = mock();
    const r = await get(m, '/sns/jscode2sesion', { secret: SECRET });
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(40066);
    expect(RID_RE.exec(r.body.errmsg)![1]).toBe('invalid url, mock-wechat has no api GET /sns/jscode2sesion');
    expect(r.body.errmsg).not.toContain(SECRET);
    const wrongMethod = await m.app.inject({ method: 'DELETE', url: '/cgi-bin/token' });
    expect(wrongMethod.json().errmsg).toMatch(/no api DELETE \/cgi-bin\/token/);
  });

  it('admin and client prefixes: 404 in their own shapes', async () => {
    const m = mock();
    const a = await m.app.inject('/__admin/nope');
    expect(a.statusCode).toBe(404);
    expect(a.json()).toEqual({ error: 'no admin route GET /__admin/nope' });
    const c = await m.app.inject({ method: 'POST', url: '/__client/getLocation', payload: {} });
    expect(c.statusCode).toBe(404);
    expect(c.json().errMsg).toMatch(/^getLocation:fail no such client api/);
  });
});

describe('determinism and bounded state', () => {
  it('two mocks with one seed produce identical users, codes, keys, ivs and tokens', async () => {
    const trace = async (seed: number) => {
      const m = mock({ seed });
      const out: unknown[] = [m.control.listUsers().map((u) => [u.openid, u.avatarUrl, u.phoneNumber])];
      for (const user of ['alice', 'u1', 'u2']) {
        const { code } = m.control.client.login({ user });
        const s = (await exchange(m, code)).body;
        const info = m.control.client.getUserInfo({ user });
        out.push(code, s.openid, s.session_key, info.iv, info.encryptedData, m.control.client.getPhoneNumber({ user }).code);
      }
      out.push(await accessToken(m), (await exchange(m, 'bad')).body.errmsg);
      return out;
    };
    const a = await trace(5);
    expect(await trace(5)).toEqual(a);
    const b = await trace(6);
    expect(b[1]).not.toEqual(a[1]);
    expect(b[3]).not.toEqual(a[3]);
  });

  it('expired codes are pruned as new ones are minted; tokens are capped', () => {
    const s = createState({ seed: 1, now: () => T0, loginRateLimitPerMinute: 0 });
    const a = s.app(APPID)!;
    for (let i = 0; i < 1000; i++) s.mintCode(s.userFor(a, `user${i}`)!);
    for (let i = 0; i < 1000; i++) s.mintPhoneCode(s.userFor(a, `user${i}`)!);
    expect(s.sizes()).toMatchObject({ codes: 1000, phoneCodes: 1000 });
    s.advance(300);
    s.mintCode(s.userFor(a, 'late')!);
    s.mintPhoneCode(s.userFor(a, 'late')!);
    expect(s.sizes()).toMatchObject({ codes: 1, phoneCodes: 1 });
    for (let i = 0; i < 10_050; i++) s.mintToken(APPID);
    expect(s.sizes().tokens).toBeLessThanOrEqual(10_001);
  });
});
