// The client layer in process: contracts shape requests (checked on an undici MockAgent, the injected dispatcher),
// and the flow and load runners against the real mock and reference backend on port 0.
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { buildBackend } from '../../src/backend/index.js';
import { createBackendClient } from '../../src/client/backend-client.js';
import { resolveContract } from '../../src/client/contract.js';
import { runFlow } from '../../src/client/flow.js';
import { runLoad } from '../../src/client/load.js';
import { createMockClient } from '../../src/client/mock-client.js';

const APPID = 'wx1234567890abcdef';
const SECRET = 'mocksecret000000000000000000000a';

describe('backend client on an injected dispatcher', () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get('http://backend.test');
  afterAll(() => agent.close());

  it('wxlogin contract: Bearer header, token read at data.token', async () => {
    pool
      .intercept({ path: '/login', method: 'POST', body: (b) => JSON.parse(b).code === 'c1' })
      .reply(200, { code: 200, msg: 'ok', data: { token: 'T1', expiresIn: 60 } });
    pool
      .intercept({ path: '/me', method: 'GET', headers: (h) => h.authorization === 'Bearer T1' })
      .reply(200, { code: 200, msg: 'ok', data: { openid: 'o1' } });
    const c = createBackendClient({ baseUrl: 'http://backend.test', contract: resolveContract(), dispatcher: agent });
    const { token } = await c.login('c1');
    expect(token).toBe('T1');
    const me = await c.call('me', { token });
    expect(me).toMatchObject({ ok: true, status: 200, data: { openid: 'o1' } });
  });

  it('seed contract: token in the body, relative paths under the base path', async () => {
    pool
      .intercept({ path: '/api/userinfo/', method: 'POST', body: (b) => JSON.parse(b).token === 'T2' && JSON.parse(b).iv === 'i' })
      .reply(200, { code: 200, data: { nickName: 'n' } });
    const c = createBackendClient({ baseUrl: 'http://backend.test/api', contract: resolveContract({ profile: 'seed' }), dispatcher: agent });
    const r = await c.call('userinfo', { token: 'T2', body: { encryptedData: 'e', iv: 'i' } });
    expect(r.ok).toBe(true);
  });

  it('an envelope code other than 200 is a failure even on HTTP 200; a plain 404 means "not offered"', async () => {
    pool.intercept({ path: '/login', method: 'POST' }).reply(200, { code: 202, msg: 'wechat rejected', error: 'code_rejected' });
    pool.intercept({ path: '/phone', method: 'POST' }).reply(404, 'Not Found');
    const c = createBackendClient({ baseUrl: 'http://backend.test', contract: resolveContract(), dispatcher: agent });
    const login = await c.login('x');
    expect(login.token).toBeUndefined();
    expect(login.result).toMatchObject({ ok: false, code: 202, error: 'code_rejected' });
    const phone = await c.call('phone', { token: 't', body: {} });
    expect(phone).toMatchObject({ ok: false, notOffered: true, status: 404 });
  });
});

describe('flow and load runners against the real mock and backend', () => {
  let mock: ReturnType<typeof buildMockWechat>;
  let backend: Awaited<ReturnType<typeof buildBackend>>;
  let mockUrl: string;
  let backendUrl: string;
  beforeAll(async () => {
    mock = buildMockWechat({
      apps: [{ appid: APPID, secret: SECRET }],
      users: [{ alias: 'denier', consent: { 'scope.werun': 'deny' } }],
      loginRateLimitPerMinute: 0,
      logger: false,
    });
    mockUrl = await mock.app.listen({ host: '127.0.0.1', port: 0 });
    backend = await buildBackend({ appId: APPID, appSecret: SECRET, wechatBaseUrl: mockUrl, store: 'memory://', loginRateLimitPerMinute: 0, logger: false });
    backendUrl = await backend.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await backend?.close();
    await mock?.app.close();
  });

  it('passes every step and reports them in order, streaming each to onStep', async () => {
    const seen: string[] = [];
    const r = await runFlow({
      mock: createMockClient({ baseUrl: mockUrl }),
      backend: createBackendClient({ baseUrl: backendUrl, contract: resolveContract() }),
      user: 'runner',
      onStep: (s) => seen.push(s.name),
    });
    expect(r.ok).toBe(true);
    expect(seen).toEqual(r.steps.map((s) => s.name));
    expect(r.openid).toBe(mock.control.getUser('runner')!.openid);
  });

  it('a user denying scope.werun fails authorize and the WeRun step is skipped with that reason', async () => {
    const r = await runFlow({
      mock: createMockClient({ baseUrl: mockUrl }),
      backend: createBackendClient({ baseUrl: backendUrl, contract: resolveContract() }),
      user: 'denier',
    });
    const by = Object.fromEntries(r.steps.map((s) => [s.name, s]));
    expect(r.ok).toBe(false);
    expect(by.authorize!.status).toBe('failed');
    expect(by.authorize!.detail).toMatch(/authorize:fail auth deny/);
    expect(by.werun).toMatchObject({ status: 'skipped', detail: 'scope.werun not granted' });
    expect(by.phone!.status).toBe('ok');
  });

  it('a refusal from the backend is a failed result carrying its envelope code (corrupt encryptedData: 204)', async () => {
    const m = createMockClient({ baseUrl: mockUrl });
    const b = createBackendClient({ baseUrl: backendUrl, contract: resolveContract() });
    const code = (await m.login('stale')).body.code as string;
    const { token } = await b.login(code);
    await m.authorize('stale', 'scope.userInfo');
    const info = (await m.getUserInfo('stale')).body;
    const r = await b.call('userinfo', { token, body: { encryptedData: `${String(info.encryptedData).slice(0, -8)}AAAAAAA=`, iv: info.iv } });
    expect(r.ok).toBe(false);
    expect(r.status).toBe(400);
    expect(r.code).toBe(204);
  });

  it('load: bounded concurrency, all users succeed, histograms per request kind, progress reported', async () => {
    let last = 0;
    let maxInFlight = 0;
    let inFlight = 0;
    const m = createMockClient({ baseUrl: mockUrl });
    const wrapped = {
      ...m,
      login: async (u: string) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await m.login(u);
        } finally {
          inFlight--;
        }
      },
    };
    const r = await runLoad({
      mock: wrapped,
      backend: createBackendClient({ baseUrl: backendUrl, contract: resolveContract() }),
      users: 80,
      concurrency: 5,
      userPrefix: 'load-unit-',
      onProgress: (done) => (last = done),
    });
    expect(r).toMatchObject({ ok: true, users: 80, succeeded: 80, failed: 0, requests: 320, errors: {} });
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(last).toBe(80);
    expect(r.byRequest['backend login']!.count).toBe(80);
    expect(r.latency.p95).toBeGreaterThanOrEqual(r.latency.p50);
  });

  it('load: failures are counted by kind, not thrown', async () => {
    const r = await runLoad({
      mock: createMockClient({ baseUrl: mockUrl }),
      backend: createBackendClient({ baseUrl: backendUrl, contract: resolveContract({ paths: ['login=/nope'] }) }),
      users: 6,
      concurrency: 3,
    });
    expect(r).toMatchObject({ ok: false, failed: 6, succeeded: 0 });
    expect(Object.values(r.errors).reduce((a, b) => a + b, 0)).toBe(6);
    expect(Object.keys(r.errors)[0]).toMatch(/^backend login: HTTP 404/);
  });
});
