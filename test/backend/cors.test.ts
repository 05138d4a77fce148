// Opt-in CORS (src/backend/cors.ts): off by default; with corsOrigins, exactly those origins get the headers, on the
// preflight and on the real request; the settings come from --cors-origin (repeatable) or WXLOGIN_CORS_ORIGINS.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendConfigFromEnv, ConfigError } from '../../src/backend/index.js';
import { code, makeBackend, startMock, type Mock } from './helpers.js';

const DASHBOARD = 'http://127.0.0.1:9400';
const OTHER = 'http://evil.example';

function preflight(app: FastifyInstance, origin: string, url = '/login') {
  return app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
  });
}

describe('backend CORS', () => {
  let mock: Mock;
  beforeAll(async () => {
    mock = await startMock();
  });
  afterAll(async () => {
    await mock?.close();
  });

  it('is off by default: no CORS headers on a preflight or a request from any origin', async () => {
    const { app } = await makeBackend(mock);
    try {
      const pre = await preflight(app, DASHBOARD);
      expect(pre.statusCode).toBe(404);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const res = await app.inject({ method: 'POST', url: '/login', headers: { origin: DASHBOARD }, payload: { code: code(mock) } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('answers an allowed origin, on the preflight and on the request, and no other origin', async () => {
    const { app } = await makeBackend(mock, { corsOrigins: [`${DASHBOARD}/`, 'https://admin.example.com'] });
    try {
      const pre = await preflight(app, DASHBOARD, '/userinfo');
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(DASHBOARD);
      expect(String(pre.headers['access-control-allow-methods'])).toMatch(/POST/);
      expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization/);
      expect(pre.headers['access-control-allow-credentials']).toBeUndefined();

      const res = await app.inject({ method: 'POST', url: '/login', headers: { origin: DASHBOARD }, payload: { code: code(mock) } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(DASHBOARD);
      expect(String(res.headers.vary)).toMatch(/origin/i);

      const other = await preflight(app, OTHER);
      expect(Object.keys(other.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const otherRes = await app.inject({ method: 'POST', url: '/login', headers: { origin: OTHER }, payload: { code: code(mock) } });
      expect(otherRes.headers['access-control-allow-origin']).toBeUndefined();
      // Same scheme and host, another port: another origin.
      expect((await preflight(app, 'http://127.0.0.1:9401')).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('refuses something that is not an origin when the backend is built', async () => {
    const building = makeBackend(mock, { corsOrigins: ['http://127.0.0.1:9400/path'] });
    await expect(building).rejects.toThrow(/not an origin/);
  });
});

describe('CORS settings', () => {
  const ENV = { WX_APPID: 'wx1234567890abcdef', WX_SECRET: 'mocksecret000000000000000000000a' };

  it('none by default; env comma-separated; the flag (repeatable) wins over the env', () => {
    expect(backendConfigFromEnv(ENV).corsOrigins).toBeUndefined();
    const env = { ...ENV, WXLOGIN_CORS_ORIGINS: 'http://127.0.0.1:9400, https://admin.example.com/' };
    expect(backendConfigFromEnv(env).corsOrigins).toEqual(['http://127.0.0.1:9400', 'https://admin.example.com']);
    expect(backendConfigFromEnv(env, { corsOrigin: ['http://localhost:9400', 'http://localhost:3000'] }).corsOrigins).toEqual([
      'http://localhost:9400',
      'http://localhost:3000',
    ]);
  });

  it('a bad origin is a ConfigError naming where it came from', () => {
    expect(() => backendConfigFromEnv(ENV, { corsOrigin: ['*'] })).toThrow(ConfigError);
    expect(() => backendConfigFromEnv(ENV, { corsOrigin: ['*'] })).toThrow(/^--cors-origin: "\*" is not an origin/);
    expect(() => backendConfigFromEnv({ ...ENV, WXLOGIN_CORS_ORIGINS: 'ftp://x' })).toThrow(/^WXLOGIN_CORS_ORIGINS: "ftp:\/\/x" is not an http\(s\) origin/);
    expect(() => backendConfigFromEnv(ENV, { corsOrigin: ['https://a.example/app'] })).toThrow(/no path/);
  });
});
