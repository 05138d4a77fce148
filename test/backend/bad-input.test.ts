// Hostile input on every route: wrong types, nulls, arrays, odd strings, junk bodies and headers. Every answer is a
// well-formed envelope with a 4xx status; nothing is a 500 and nothing echoes a session_key.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPID, bearer, login, makeBackend, startMock, type Mock } from './helpers.js';

let mock: Mock;
let app: FastifyInstance;
let token = '';
beforeAll(async () => {
  mock = await startMock();
  ({ app } = await makeBackend(mock));
  token = await login(app, mock);
});
afterAll(async () => {
  await app.close();
  await mock.close();
});

const VALUES: unknown[] = [null, 0, -1, 1.5, true, [], ['x'], {}, { a: 1 }, '', ' ', '%', '%ZZ', '====', 'a'.repeat(5000), '\u0000', '😀😀😀😀', '<script>', 'A'.repeat(23) + '=', '+/+/'.repeat(6)];
const FIELDS = ['code', 'encryptedData', 'iv', 'rawData', 'signature', 'token'];
const ROUTES = ['/login', '/userinfo', '/phone', '/werun', '/shareinfo', '/logout', '/session/check'];

function check(r: { statusCode: number; body: string }, where: string) {
  expect(r.statusCode, where).toBeGreaterThanOrEqual(400);
  expect(r.statusCode, where).toBeLessThan(500);
  const env = JSON.parse(r.body);
  expect(typeof env.code, where).toBe('number');
  expect(typeof env.error, where).toBe('string');
  expect(typeof env.msg, where).toBe('string');
  expect(r.body).not.toContain(mock.control.sessionKey(APPID, mock.control.getUser('alice')!.openid)!);
}

describe('bad input', () => {
  it('every field of every route, with every odd value: a 4xx envelope', async () => {
    let n = 0;
    for (const url of ROUTES) {
      for (const field of FIELDS) {
        for (const v of VALUES) {
          // Keep the token valid unless the token itself is the field under test.
          const body: Record<string, unknown> = { [field]: v };
          const headers = field === 'token' ? {} : bearer(token);
          if (url === '/logout' && field !== 'token') continue; // a valid logout would end the session
          const r = await app.inject({ method: 'POST', url, payload: body, headers });
          if (r.statusCode === 200) continue; // e.g. /session/check ignores unknown fields
          check(r, `${url} ${field}=${JSON.stringify(v).slice(0, 40)}`);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(500);
  });
  it('junk bodies, content types and headers', async () => {
    const junk: [string, string][] = [
      ['application/json', ''],
      ['application/json', 'null'],
      ['application/json', '[]'],
      ['application/json', '"code"'],
      ['application/json', '{"code":"x"'],
      ['application/json', '{"__proto__":{"code":"x"}}'],
      ['text/plain', 'code=x'],
      ['application/octet-stream', '\u0000\u0001'],
    ];
    for (const url of ROUTES) {
      for (const [type, payload] of junk) {
        const r = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': type, ...bearer(token) } });
        if (r.statusCode === 200) continue;
        check(r, `${url} ${type} ${payload}`);
      }
    }
    for (const auth of ['Bearer', 'Bearer ', 'Basic abc', 'bearer  ' + 'x'.repeat(300), token]) {
      const r = await app.inject({ method: 'GET', url: '/me', headers: { authorization: auth } });
      check(r, `authorization ${auth.slice(0, 20)}`);
    }
    const q = await app.inject({ method: 'GET', url: '/me?token=&token=x' });
    check(q, 'duplicate token query');
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).statusCode).toBe(200);
  });
});
