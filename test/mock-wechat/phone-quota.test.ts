// Phone numbers: the app's quota (errno 1400001 once spent), the permission (client "no permission", server 48001),
// real-time codes exchanged by getuserphonenumber, and the counts a bill would show.
import { describe, expect, it } from 'vitest';
import { validateMockConfig } from '../../mock-wechat/config.js';
import { accessToken, APPID, get, loginAndExchange, mock, post, RID_RE, SECRET } from './helpers.js';

const noQuota = (api: string) => ({ errMsg: `${api}:fail no quota`, errno: 1400001 });
const exchange = async (m: ReturnType<typeof mock>, code: string) =>
  post(m, `/wxa/business/getuserphonenumber?access_token=${await accessToken(m)}`, { code });

describe('phone-number quota', () => {
  it('with quota N, the Nth success goes through and the next call gets errno 1400001', async () => {
    const N = 3;
    const m = mock({ apps: [{ appid: APPID, secret: SECRET, phoneQuota: N }] });
    await loginAndExchange(m, 'alice');
    const c = m.control.client;
    for (let i = 0; i < N - 1; i++) expect(c.getPhoneNumber({ user: 'alice' }).errMsg).toBe('getPhoneNumber:ok');
    expect(m.control.phoneUsage(APPID)).toMatchObject({ quick: N - 1, quota: N, remaining: 1 });
    // N-1 used: the Nth, a real-time one, still fits.
    expect(c.getRealtimePhoneNumber({ user: 'alice' }).errMsg).toBe('getRealtimePhoneNumber:ok');
    expect(c.getPhoneNumber({ user: 'alice' })).toEqual(noQuota('getPhoneNumber'));
    expect(c.getRealtimePhoneNumber({ user: 'alice' })).toEqual(noQuota('getRealtimePhoneNumber'));
    const r = await post(m, '/__client/getPhoneNumber', { user: 'alice' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(noQuota('getPhoneNumber'));
    expect(m.control.phoneUsage(APPID)).toEqual({ appid: APPID, quick: N - 1, realtime: 1, refusedNoQuota: 3, quota: N, remaining: 0 });
  });

  it('a user who refuses is not billed; a quota of 0 refuses before the dialog', async () => {
    const m = mock({ apps: [{ appid: APPID, secret: SECRET, phoneQuota: 1 }] });
    await loginAndExchange(m, 'carol');
    expect(m.control.client.getPhoneNumber({ user: 'carol' })).toEqual({ errMsg: 'getPhoneNumber:fail user deny' });
    expect(m.control.phoneUsage(APPID)).toMatchObject({ quick: 0, remaining: 1 });
    const z = mock({ apps: [{ appid: APPID, secret: SECRET, phoneQuota: 0 }] });
    expect(z.control.client.getPhoneNumber({ user: 'carol' })).toEqual(noQuota('getPhoneNumber'));
  });

  it('unlimited by default; the admin API shows the counts and reset clears them', async () => {
    const m = mock();
    await loginAndExchange(m, 'alice');
    m.control.client.getPhoneNumber({ user: 'alice' });
    m.control.client.getRealtimePhoneNumber({ user: 'alice' });
    m.control.client.getRealtimePhoneNumber({ user: 'alice' });
    const r = await get(m, `/__admin/apps/${APPID}/usage`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ phoneNumber: { appid: APPID, quick: 1, realtime: 2, refusedNoQuota: 0, quota: null, remaining: null } });
    expect((await get(m, '/__admin/apps/wxnope/usage')).status).toBe(404);
    m.control.reset();
    expect(m.control.phoneUsage(APPID)).toMatchObject({ quick: 0, realtime: 0 });
  });

  it('rejects a bad phoneQuota or phonePermission with a message naming the field', () => {
    const bad = (a: Record<string, unknown>) => () => validateMockConfig({ apps: [{ appid: APPID, secret: SECRET, ...a }] });
    expect(bad({ phoneQuota: -1 })).toThrow('mock config: apps[0].phoneQuota must be an integer >= 0 (leave it out for no limit), got -1');
    expect(bad({ phoneQuota: 1.5 })).toThrow('apps[0].phoneQuota must be an integer >= 0');
    expect(bad({ phonePermission: 'yes' })).toThrow('apps[0].phonePermission must be true or false, got "yes"');
  });
});

describe('phone-number permission', () => {
  it('an app without it: client "no permission" on both buttons, nothing billed', async () => {
    const m = mock({ apps: [{ appid: APPID, secret: SECRET, phonePermission: false }] });
    await loginAndExchange(m, 'alice');
    expect(m.control.client.getPhoneNumber({ user: 'alice' })).toEqual({ errMsg: 'getPhoneNumber:fail no permission' });
    expect(m.control.client.getRealtimePhoneNumber({ user: 'alice' })).toEqual({ errMsg: 'getRealtimePhoneNumber:fail no permission' });
    expect(m.control.phoneUsage(APPID)).toMatchObject({ quick: 0, realtime: 0, refusedNoQuota: 0 });
  });

  it('the server API answers 48001 api unauthorized for an app without it', async () => {
    const m = mock({
      apps: [
        { appid: APPID, secret: SECRET },
        { appid: 'wx00000000000000b2', secret: 'secretb', phonePermission: false },
      ],
    });
    const tok = await accessToken(m, 'wx00000000000000b2', 'secretb');
    const r = await post(m, `/wxa/business/getuserphonenumber?access_token=${tok}`, { code: 'whatever' });
    expect(r.body.errcode).toBe(48001);
    expect(r.body.errmsg).toMatch(RID_RE);
    expect(RID_RE.exec(r.body.errmsg)![1]).toBe('api unauthorized');
    // The other app is unaffected.
    await loginAndExchange(m, 'alice', APPID);
    const code = m.control.client.getPhoneNumber({ user: 'alice', appid: APPID }).code!;
    expect((await exchange(m, code)).body.errcode).toBe(0);
  });
});

describe('real-time verification', () => {
  it('getRealtimePhoneNumber gives a code only, exchanged once by getuserphonenumber', async () => {
    const m = mock();
    const r = m.control.client.getRealtimePhoneNumber({ user: 'alice' });
    expect(Object.keys(r).sort()).toEqual(['code', 'errMsg']);
    expect(r.errMsg).toBe('getRealtimePhoneNumber:ok');
    const first = await exchange(m, r.code!);
    expect(first.body).toMatchObject({ errcode: 0, errmsg: 'ok', phone_info: { purePhoneNumber: m.control.getUser('alice')!.purePhoneNumber } });
    expect((await exchange(m, r.code!)).body.errcode).toBe(40029);
    expect(m.control.client.getRealtimePhoneNumber({ user: 'carol' })).toEqual({ errMsg: 'getRealtimePhoneNumber:fail user deny' });
  });
});
