// adminToken: every /__admin route requires `Authorization: Bearer <token>` and answers 401 with a JSON error
// otherwise. The server API and the client simulator do not change.
import { describe, expect, it } from 'vitest';
import { buildMockWechat, validateMockConfig } from '../../mock-wechat/index.js';
import { APPID, SECRET, accessToken, exchange, mock } from './helpers.js';

const TOKEN = 'adm-9f2c41d7e0b84a1c';

const ADMIN_ROUTES: Array<[string, string, unknown?]> = [
  ['GET', '/__admin/apps'],
  ['GET', '/__admin/users'],
  ['POST', '/__admin/users', { alias: 'eve' }],
  ['GET', '/__admin/users/alice'],
  ['GET', '/__admin/users/alice/session-key'],
  ['GET', '/__admin/faults'],
  ['POST', '/__admin/faults', { endpoint: '*', kind: 'errcode' }],
  ['DELETE', '/__admin/faults'],
  ['GET', '/__admin/journal'],
  ['POST', '/__admin/clock', { advanceSeconds: 60 }],
  ['POST', '/__admin/reset'],
  ['HEAD', '/__admin/apps'],
  ['GET', '/__admin/no-such-route'],
  ['GET', '/%5F%5Fadmin/apps'],
];

type M = ReturnType<typeof mock>;
const call = (m: M, method: string, url: string, payload?: unknown, authorization?: string) =>
  m.app.inject({
    method: method as 'GET',
    url,
    ...(payload === undefined ? {} : { payload: payload as object }),
    headers: authorization === undefined ? {} : { authorization },
  });

describe('admin token', () => {
  it.each(ADMIN_ROUTES)('%s %s: 401 without the token or with a wrong one', async (method, url, payload) => {
    const m = mock({ adminToken: TOKEN });
    for (const auth of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
      TOKEN,
      `Bearer ${TOKEN} extra`,
    ]) {
      const res = await call(m, method, url, payload, auth);
      expect(res.statusCode, `${auth}`).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      if (method !== 'HEAD') expect(res.json().error).toMatch(/requires Authorization: Bearer/);
    }
    // Nothing happened: no user, no fault, clock unmoved.
    expect(m.control.getUser('eve')).toBeUndefined();
    expect(m.control.clearFaults()).toBe(0);
  });

  it.each(ADMIN_ROUTES)('%s %s: served with the right token', async (method, url, payload) => {
    const m = mock({ adminToken: TOKEN });
    const res = await call(m, method, url, payload, `Bearer ${TOKEN}`);
    expect(res.statusCode).not.toBe(401);
    expect(res.statusCode).toBeLessThan(500);
    expect((await call(m, method, url, payload, `bearer  ${TOKEN}`)).statusCode).not.toBe(401);
  });

  it('the server API and the client simulator need no token', async () => {
    const m = mock({ adminToken: TOKEN });
    const login = await m.app.inject({ method: 'POST', url: '/__client/login', payload: { user: 'alice' } });
    expect(login.statusCode).toBe(200);
    expect((await exchange(m, login.json().code)).body.openid).toMatch(/^o/);
    expect(await accessToken(m, APPID, SECRET)).toMatch(/^\d+_/);
  });

  it('without adminToken the admin API is open, as before', async () => {
    const m = mock();
    expect((await m.app.inject('/__admin/apps')).statusCode).toBe(200);
  });

  it('an unusable token is refused at build and in a config file', () => {
    for (const bad of ['', 'has space', 'tab\there', 'é', 'x'.repeat(513)]) {
      expect(() => buildMockWechat({ adminToken: bad })).toThrow(/adminToken must/);
      expect(() => validateMockConfig({ adminToken: bad })).toThrow(/adminToken must/);
    }
    expect(() => validateMockConfig({ adminToken: 42 })).toThrow(/adminToken must be a non-empty string/);
    expect(validateMockConfig({ adminToken: TOKEN }).adminToken).toBe(TOKEN);
  });
});
