// Bad input, thousands of seeded cases: every backend route and every mock endpoint gets a generated corpus of
// malformed requests. Each must get a clear 4xx in the envelope of its server (the backend's {code,msg,error}, the
// mock's WeChat {errcode,errmsg} or wx.* {errMsg: "...:fail ..."}), never a 5xx or a crash, and no stored state may
// change: the backend's SQLite rows and the mock's users and session keys are compared before and after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { CLIENT_APIS } from '../../mock-wechat/types.js';
import { buildBackend } from '../../src/backend/index.js';
import { malformedRequests, type MalformedRequest, type RequestTemplate } from './corpus.js';
import { APP, caseCount, SEED } from './settings.js';

const PER_ROUTE = caseCount({ short: 80, full: 400 });

function dumpSqlite(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all('SELECT key, value FROM wxlogin_kv ORDER BY key', (e, rows: { key: string; value: string }[]) => {
        db.close();
        if (e) return reject(e);
        resolve(rows.map((r) => `${r.key}=${r.value}`));
      });
    });
  });
}

async function send(app: FastifyInstance, r: MalformedRequest) {
  const res = await app.inject({ method: r.method, url: r.url, headers: r.headers, ...(r.payload !== undefined ? { payload: r.payload } : {}) });
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body, raw: res.body };
}

const b64 = (n: number) => randomBytes(n).toString('base64');

describe('bad input: reference backend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxlogin-corpus-'));
  const dbFile = join(dir, 'corpus.db');
  const mock = buildMockWechat({ seed: SEED, apps: [APP], loginRateLimitPerMinute: 0, logger: false });
  let backend: FastifyInstance;
  let token = '';

  beforeAll(async () => {
    const url = await mock.app.listen({ host: '127.0.0.1', port: 0 });
    backend = await buildBackend({
      appId: APP.appid,
      appSecret: APP.secret,
      wechatBaseUrl: url,
      store: `sqlite://${dbFile}`,
      loginRateLimitPerMinute: 0,
      // The corpus sends hundreds of bad payloads with one token: with the failed-decryption budget on, the token
      // would be revoked after five and the rest would only test the 203 path (the budget has its own tests in
      // test/backend/security.test.ts); its counter is also a stored change, by design.
      decryptFailureBudget: 0,
      dataRateLimitPerMinute: 0,
      wechatRateLimitPerMinute: 0,
      wechatRetries: 0,
      logger: false,
    });
    const { code } = (await mock.control.client.login({ appid: APP.appid, user: 'alice' })) as { code: string };
    const res = await backend.inject({ method: 'POST', url: '/login', payload: { code } });
    expect(res.statusCode).toBe(200);
    token = res.json().data.token;
  });
  afterAll(async () => {
    await backend?.close();
    await mock.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bad = { encryptedData: b64(48), iv: b64(16) };
  const templates = (): RequestTemplate[] => [
    { route: 'POST /login', method: 'POST', path: '/login', body: { code: 'no-such-code-0000000000000000000' } },
    {
      route: 'POST /userinfo',
      method: 'POST',
      path: '/userinfo',
      body: { token, ...bad, rawData: '{"nickName":"x"}', signature: '0'.repeat(40) },
      base64Fields: ['encryptedData', 'iv'],
    },
    { route: 'POST /phone (encrypted)', method: 'POST', path: '/phone', body: { token, ...bad }, base64Fields: ['encryptedData', 'iv'] },
    { route: 'POST /phone (code)', method: 'POST', path: '/phone', body: { token, code: 'no-such-phone-code' } },
    { route: 'POST /werun', method: 'POST', path: '/werun', body: { token, ...bad }, base64Fields: ['encryptedData', 'iv'] },
    { route: 'POST /shareinfo', method: 'POST', path: '/shareinfo', body: { token, ...bad }, base64Fields: ['encryptedData', 'iv'] },
    { route: 'GET /me', method: 'GET', path: '/me', headers: { authorization: `Bearer ${'x'.repeat(43)}` } },
    { route: 'POST /logout', method: 'POST', path: '/logout', body: { token: 'x'.repeat(43) } },
    { route: 'POST /session/check', method: 'POST', path: '/session/check', body: { token: 'x'.repeat(43) } },
  ];

  it(`answers ${PER_ROUTE} malformed requests per route with a clear 4xx envelope and changes nothing stored`, async () => {
    // Warm the access-token cache (the phone-code path fetches one): a cache fill is not user state.
    const warm = await backend.inject({ method: 'POST', url: '/phone', payload: { token, code: 'warm-up-code' } });
    expect(warm.statusCode).toBeGreaterThanOrEqual(400);
    const before = await dumpSqlite(dbFile);
    const me = await backend.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let total = 0;
    for (const t of templates()) {
      for (const r of malformedRequests(t, { seed: SEED, count: PER_ROUTE })) {
        total++;
        const { status, body, raw } = await send(backend, r);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const env = body as { code?: unknown; msg?: unknown; error?: unknown } | undefined;
        const clear =
          status >= 400 &&
          status < 500 &&
          env !== undefined &&
          typeof env.code === 'number' &&
          env.code !== 200 &&
          typeof env.msg === 'string' &&
          env.msg.length > 0 &&
          typeof env.error === 'string';
        if (!clear) failures.push(`${r.route} [${r.kind}] -> ${status} ${raw.slice(0, 160)}`);
      }
    }
    console.log(`bad input: backend: ${total} malformed requests over ${templates().length} routes -> statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(templates().length * Math.min(PER_ROUTE, 60));
    // Nothing stored changed, and the one real session still works with the same answer.
    expect(await dumpSqlite(dbFile)).toEqual(before);
    const again = await backend.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(me.json());
  });
});

describe('bad input: mock WeChat', () => {
  const mock = buildMockWechat({ seed: SEED, apps: [APP], strictUsers: true, loginRateLimitPerMinute: 0, logger: false });
  const openid = () => mock.control.getUser('alice', APP.appid)!.openid;
  let accessToken = '';

  beforeAll(async () => {
    await mock.app.ready();
    // alice gets a session key, so checksession/reset have something to (not) change.
    const { code } = (await mock.control.client.login({ appid: APP.appid, user: 'alice' })) as { code: string };
    await mock.app.inject({ method: 'GET', url: `/sns/jscode2session?appid=${APP.appid}&secret=${APP.secret}&js_code=${code}&grant_type=authorization_code` });
    const tok = await mock.app.inject({ method: 'GET', url: `/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` });
    accessToken = tok.json().access_token;
    expect(accessToken).toBeTruthy();
  });
  afterAll(() => mock.app.close());

  const snapshot = () =>
    JSON.stringify({ users: mock.control.listUsers(), key: mock.control.sessionKey(APP.appid, openid()) });

  const serverTemplates = (): RequestTemplate[] => [
    {
      route: 'GET /sns/jscode2session',
      method: 'GET',
      path: '/sns/jscode2session',
      query: { appid: APP.appid, secret: APP.secret, js_code: 'no-such-code', grant_type: 'authorization_code' },
    },
    { route: 'GET /cgi-bin/token', method: 'GET', path: '/cgi-bin/token', query: { grant_type: 'client_credential', appid: APP.appid, secret: 'wrong-secret' } },
    {
      route: 'POST /cgi-bin/stable_token',
      method: 'POST',
      path: '/cgi-bin/stable_token',
      body: { grant_type: 'client_credential', appid: APP.appid, secret: 'wrong-secret', force_refresh: true },
    },
    {
      route: 'GET /wxa/checksession',
      method: 'GET',
      path: '/wxa/checksession',
      query: { access_token: accessToken, openid: openid(), signature: '0'.repeat(64), sig_method: 'hmac_sha256' },
    },
    {
      route: 'GET /wxa/resetusersessionkey',
      method: 'GET',
      path: '/wxa/resetusersessionkey',
      query: { access_token: accessToken, openid: openid(), signature: '0'.repeat(64), sig_method: 'hmac_sha256' },
    },
    {
      route: 'POST /wxa/business/getuserphonenumber',
      method: 'POST',
      path: '/wxa/business/getuserphonenumber',
      query: { access_token: accessToken },
      body: { code: 'no-such-phone-code' },
    },
    { route: 'GET /unknown', method: 'GET', path: '/cgi-bin/no-such-api', query: { access_token: accessToken } },
  ];

  const clientTemplates = (): RequestTemplate[] =>
    // Every client API the mock has: a new one is sent malformed input as soon as it exists.
    [...CLIENT_APIS].map(
      (name) => ({
        route: `POST /__client/${name}`,
        method: 'POST' as const,
        path: `/__client/${name}`,
        body: { appid: APP.appid, user: 'nobody-known', ...(name === 'authorize' ? { scope: 'scope.record' } : {}) },
      }),
    );

  it(`answers ${PER_ROUTE} malformed server-API requests per endpoint WeChat-style, never 5xx`, async () => {
    const before = snapshot();
    const failures: string[] = [];
    let total = 0;
    for (const t of serverTemplates()) {
      for (const r of malformedRequests(t, { seed: SEED, count: PER_ROUTE })) {
        total++;
        const { status, body, raw } = await send(mock.app, r);
        const b = body as { errcode?: unknown; errmsg?: unknown } | undefined;
        const clear = status < 500 && b !== undefined && typeof b.errcode === 'number' && b.errcode !== 0 && typeof b.errmsg === 'string' && b.errmsg.length > 0;
        if (!clear) failures.push(`${r.route} [${r.kind}] -> ${status} ${raw.slice(0, 160)}`);
      }
    }
    console.log(`bad input: mock server API: ${total} malformed requests over ${serverTemplates().length} endpoints`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it(`answers ${PER_ROUTE} malformed client-simulator requests per endpoint with a wx.* failure, never 5xx`, async () => {
    const before = snapshot();
    const failures: string[] = [];
    let total = 0;
    for (const t of clientTemplates()) {
      for (const r of malformedRequests(t, { seed: SEED, count: PER_ROUTE })) {
        total++;
        const { status, body, raw } = await send(mock.app, r);
        const b = body as { errMsg?: unknown } | undefined;
        const clear = status >= 400 && status < 500 && b !== undefined && typeof b.errMsg === 'string' && /:fail/.test(b.errMsg);
        if (!clear) failures.push(`${r.route} [${r.kind}] -> ${status} ${raw.slice(0, 160)}`);
      }
    }
    console.log(`bad input: mock client simulator: ${total} malformed requests over ${clientTemplates().length} endpoints`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it('answers malformed admin requests with a 4xx naming the problem, never 5xx', async () => {
    const before = snapshot();
    const templates: RequestTemplate[] = [
      { route: 'POST /__admin/users', method: 'POST', path: '/__admin/users', body: { alias: '', gender: 9, consent: 'perhaps' } },
      { route: 'POST /__admin/faults', method: 'POST', path: '/__admin/faults', body: { endpoint: '/nope', kind: 'bogus', probability: 7 } },
      { route: 'GET /__admin/users/:openid', method: 'GET', path: '/__admin/users/no-such-openid' },
    ];
    const failures: string[] = [];
    let total = 0;
    for (const t of templates) {
      for (const r of malformedRequests(t, { seed: SEED, count: PER_ROUTE })) {
        total++;
        const { status, raw } = await send(mock.app, r);
        if (status >= 500 || status < 400) failures.push(`${r.route} [${r.kind}] -> ${status} ${raw.slice(0, 160)}`);
      }
    }
    console.log(`bad input: mock admin API: ${total} malformed requests over ${templates.length} endpoints`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(snapshot()).toEqual(before);
    mock.control.clearFaults();
  });
});
