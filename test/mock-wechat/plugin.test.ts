import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, SECRET, accessToken, mock, post, type Mock } from './helpers.js';

const URL = '/wxa/getpluginopenpid';
const PLUGIN = 'wx00000000000000p1';
const PLUGIN_SECRET = 'plugin-secret-000000000000000000';
const withPlugin = () => mock({ apps: [{ appid: APPID, secret: SECRET }, { appid: PLUGIN, secret: PLUGIN_SECRET }] });

const exchange = (m: Mock, token: string | undefined, body: unknown) =>
  post(m, token === undefined ? URL : `${URL}?access_token=${token}`, body);

describe('wx.pluginLogin (POST /__client/pluginLogin) and getPluginOpenPId (POST /wxa/getpluginopenpid)', () => {
  it('the plugin\'s server exchanges the code for an openpid, one per user, host app and plugin', async () => {
    const m = withPlugin();
    const res = await post(m, '/__client/pluginLogin', { user: 'alice', appid: APPID, plugin: PLUGIN });
    expect(res.status).toBe(200);
    expect(res.body.errMsg).toBe('pluginLogin:ok');
    expect(res.body.code).toMatch(/^[0-9a-f]{64}$/);
    const token = await accessToken(m, PLUGIN, PLUGIN_SECRET);
    const r = await exchange(m, token, { code: res.body.code });
    expect(r.body).toEqual({ errcode: 0, errmsg: 'ok', openpid: expect.stringMatching(/^[A-Za-z0-9_-]{28}$/) });
    const again = m.control.client.pluginLogin({ user: 'alice', appid: APPID, plugin: PLUGIN }).code!;
    expect((await exchange(m, token, { code: again })).body.openpid).toBe(r.body.openpid);
    const bob = m.control.client.pluginLogin({ user: 'bob', appid: APPID, plugin: PLUGIN }).code!;
    expect((await exchange(m, token, { code: bob })).body.openpid).not.toBe(r.body.openpid);
    // alice using the plugin inside another host app is another openpid.
    const otherHost = m.control.client.pluginLogin({ user: 'alice', appid: PLUGIN, plugin: PLUGIN }).code!;
    expect((await exchange(m, token, { code: otherHost })).body.openpid).not.toBe(r.body.openpid);
  });

  it('codes are single use and live 5 minutes: at 4:59.999 yes, at 5:00 1007', async () => {
    const m = mock();
    const token = await accessToken(m);
    const a = m.control.client.pluginLogin({ user: 'alice' }).code!;
    expect((await exchange(m, token, { code: a })).body.errcode).toBe(0);
    const used = await exchange(m, token, { code: a });
    expect(used.body.errcode).toBe(1007);
    expect(RID_RE.exec(used.body.errmsg)![1]).toBe('get no data');
    const b = m.control.client.pluginLogin({ user: 'alice' }).code!;
    const c = m.control.client.pluginLogin({ user: 'alice' }).code!;
    m.control.advanceClock(299.999);
    expect((await exchange(m, token, { code: b })).body.errcode).toBe(0);
    m.control.advanceClock(0.001);
    expect((await exchange(m, token, { code: c })).body.errcode).toBe(1007);
  });

  it('1007 for a wx.login code, 1005 for another app\'s token, 1001 without a code, 1022 for a body that is not JSON', async () => {
    const m = withPlugin();
    const token = await accessToken(m, PLUGIN, PLUGIN_SECRET);
    const login = m.control.client.login({ user: 'alice', appid: APPID }).code!;
    expect((await exchange(m, token, { code: login })).body.errcode).toBe(1007);
    const code = m.control.client.pluginLogin({ user: 'alice', appid: APPID, plugin: PLUGIN }).code!;
    expect((await exchange(m, await accessToken(m), { code })).body.errcode).toBe(1005);
    // The refused exchange did not use the code up.
    expect((await exchange(m, token, { code })).body.errcode).toBe(0);
    expect((await exchange(m, token, {})).body.errcode).toBe(1001);
    expect((await exchange(m, token, { code: 5 })).body.errcode).toBe(1001);
    expect((await exchange(m, token, '')).body.errcode).toBe(1022);
    expect((await exchange(m, token, '[1]')).body.errcode).toBe(1022);
    expect((await exchange(m, undefined, { code })).body.errcode).toBe(41001);
  });

  it('pluginLogin refuses an unknown plugin appid with a 400 naming it', async () => {
    const m = mock();
    const r = await post(m, '/__client/pluginLogin', { user: 'alice', plugin: 'wxnope' });
    expect(r.status).toBe(400);
    expect(r.body.errMsg).toBe('pluginLogin:fail unknown plugin appid wxnope');
    expect(m.control.client.pluginLogin({ user: 'alice', plugin: 'wxnope' }).errMsg).toBe('pluginLogin:fail unknown plugin appid wxnope');
  });

  it('reset forgets codes; a scripted fault hits the endpoint', async () => {
    const m = mock();
    const code = m.control.client.pluginLogin({ user: 'alice' }).code!;
    m.control.reset();
    const token = await accessToken(m);
    expect((await exchange(m, token, { code })).body.errcode).toBe(1007);
    m.control.addFault({ endpoint: URL, kind: 'errcode', errcode: 45009 });
    const r = await exchange(m, token, { code });
    expect(r.body.errcode).toBe(45009);
    expect(r.body.errmsg).toMatch(RID_RE);
  });
});
