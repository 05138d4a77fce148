// Every route and every error code through app.inject(); WeChat is the mock on a real port.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, sessionId } from '../../src/backend/index.js';
import { timePrefix } from '../../src/backend/service.js';
import { rawDataSignature } from '../../src/crypto/index.js';
import type { Store } from '../../src/store/index.js';
import { APPID, bearer, code, encrypt, login, makeBackend, startMock, type Mock } from './helpers.js';

let mock: Mock;
let app: FastifyInstance;
let store: Store;
beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(async () => {
  mock.control.reset();
  ({ app, store } = await makeBackend(mock));
});
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await app.close();
  while (cleanup.length) await cleanup.pop()!();
});

const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers });
const openidOf = (alias = 'alice') => mock.control.getUser(alias)!.openid;
const keyOf = (alias = 'alice') => mock.control.sessionKey(APPID, openidOf(alias))!;
const upstreamCalls = (path: string) => mock.control.journal().filter((j) => j.path === path).length;

function expectFailure(r: { statusCode: number; body: string }, status: number, code: number, error?: string) {
  const env = JSON.parse(r.body);
  expect({ status: r.statusCode, code: env.code, error: env.error }).toEqual({ status, code, error: error ?? env.error });
  expect(typeof env.msg).toBe('string');
  expect(Object.keys(env).sort()).toEqual(['code', 'data', 'error', 'msg']);
  return env;
}

describe('POST /login', () => {
  it('exchanges the code and answers a token: the time prefix and 32 random bytes, stored only under the prefix and its sha256', async () => {
    const before = mock.control.now();
    const r = await post('/login', { code: code(mock) });
    const after = mock.control.now();
    expect(r.statusCode).toBe(200);
    const env = r.json();
    expect(env).toEqual({ code: 200, msg: 'ok', data: { token: expect.any(String), expiresIn: 86400 } });
    const token = env.data.token as string;
    expect(token).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}[A-Za-z0-9_-]{43}$/);
    // The prefix is the login's time: prefixes compare as the times do.
    expect(token.slice(0, 10) >= timePrefix(before) && token.slice(0, 10) <= timePrefix(after)).toBe(true);
    expect(Buffer.from(token.slice(10), 'base64url')).toHaveLength(32);
    expect(sessionId(token)).toBe(token.slice(0, 10) + hashToken(token));
    for (const key of [token, token.slice(10), hashToken(token), hashToken(token.slice(10))]) expect(await store.sessions.get(key)).toBeUndefined();
    expect((await store.sessions.get(sessionId(token)))?.openid).toBe(openidOf());
    expect((await store.users.get(openidOf()))?.sessionKey).toBe(keyOf());
    expect(r.body).not.toContain(keyOf());
  });
  it('the time prefix is the first 10 characters of a ULID for the same millisecond', () => {
    // The example of https://github.com/ulid/spec: ulid(1469918176385) starts 01ARYZ6S41.
    expect(timePrefix(1469918176385)).toBe('01ARYZ6S41');
    expect(timePrefix(0)).toBe('0000000000');
    expect(timePrefix(2 ** 48 - 1)).toBe('7ZZZZZZZZZ');
  });
  it('tokens sort by the time they were issued: their sessions sit next to each other in the store\'s index', async () => {
    const tokens: string[] = [];
    for (const s of [0, 1, 59, 3600, 86_399]) {
      mock.control.advanceClock(s);
      tokens.push(await login(app, mock));
    }
    expect([...tokens].sort()).toEqual(tokens);
    expect(tokens.map(sessionId).sort()).toEqual(tokens.map(sessionId));
    expect(new Set(tokens.map((t) => t.slice(0, 10))).size).toBe(tokens.length);
  });
  it('201 when the code is missing, empty or not a string', async () => {
    expectFailure(await post('/login', {}), 400, 201, 'missing_parameter');
    expectFailure(await post('/login', { code: '' }), 400, 201, 'bad_parameter');
    expectFailure(await post('/login', { code: 42 }), 400, 201, 'bad_parameter');
    expectFailure(await app.inject({ method: 'POST', url: '/login', payload: '{"code":', headers: { 'content-type': 'application/json' } }), 400, 201, 'bad_json_body');
    expectFailure(await app.inject({ method: 'POST', url: '/login', payload: 'code=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 201, 'unsupported_media_type');
  });
  it('201 for a code that is not printable ASCII (a lone surrogate once crashed the query encoder)', async () => {
    expectFailure(await post('/login', { code: '\ud800' }), 400, 201, 'bad_parameter');
    expectFailure(await post('/login', { code: 'abc def' }), 400, 201, 'bad_parameter');
    expectFailure(await post('/login', { code: '微信' }), 400, 201, 'bad_parameter');
  });
  it('202 with WeChat\'s errcode for an unknown code and for a replayed one', async () => {
    const bad = expectFailure(await post('/login', { code: 'no-such-code' }), 401, 202, 'wechat_rejected');
    expect(bad.data).toEqual({ errcode: 40029 });
    const c = code(mock);
    expect((await post('/login', { code: c })).statusCode).toBe(200);
    const replay = expectFailure(await post('/login', { code: c }), 401, 202, 'wechat_rejected');
    expect(replay.data).toEqual({ errcode: 40163 });
  });
  it('concurrent logins with one code: one upstream call, one answer for all', async () => {
    const c = code(mock);
    const rs = await Promise.all(Array.from({ length: 8 }, () => post('/login', { code: c })));
    expect(rs.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(new Set(rs.map((r) => r.json().data.token)).size).toBe(1);
    expect(upstreamCalls('/sns/jscode2session')).toBe(1);
  });
  it('205 when WeChat keeps failing (5xx, dropped, -1), never a hang or a 500', async () => {
    mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'http5xx', status: 502, times: 2 });
    expectFailure(await post('/login', { code: code(mock) }), 503, 205, 'wechat_unavailable');
    mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'drop', times: 2 });
    expectFailure(await post('/login', { code: code(mock) }), 503, 205, 'wechat_unavailable');
    mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1, times: 2 });
    expectFailure(await post('/login', { code: code(mock) }), 503, 205, 'wechat_unavailable');
    // One failure is absorbed by the retry.
    mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'http5xx', times: 1 });
    expect((await post('/login', { code: code(mock) })).statusCode).toBe(200);
  });
  it('a JSON answer labelled text/plain is still read', async () => {
    mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'textPlain', times: 1 });
    expect((await post('/login', { code: code(mock) })).statusCode).toBe(200);
  });
  it('205 (not 202) when WeChat blames the app set-up, e.g. a wrong secret', async () => {
    const wrong = await makeBackend(mock, { appSecret: 'wrongsecret00000000000000000000b' });
    try {
      const env = expectFailure(await wrong.app.inject({ method: 'POST', url: '/login', payload: { code: code(mock) } }), 502, 205, 'wechat_error');
      expect(env.data).toEqual({ errcode: 40125 });
    } finally {
      await wrong.app.close();
    }
  });
  it('429 past the per-client login limit (0 turns it off)', async () => {
    const limited = await makeBackend(mock, { loginRateLimitPerMinute: 2 });
    try {
      for (let i = 0; i < 2; i++) {
        expect((await limited.app.inject({ method: 'POST', url: '/login', payload: { code: code(mock) } })).statusCode).toBe(200);
      }
      const env = expectFailure(await limited.app.inject({ method: 'POST', url: '/login', payload: { code: code(mock) } }), 429, 429, 'rate_limited');
      expect(env.msg).toMatch(/at most 2 a minute/);
      // Another client address is not limited by the first one's logins.
      const other = await limited.app.inject({ method: 'POST', url: '/login', payload: { code: code(mock) }, remoteAddress: '10.0.0.9' });
      expect(other.statusCode).toBe(200);
    } finally {
      await limited.app.close();
    }
    for (let i = 0; i < 5; i++) expect((await post('/login', { code: code(mock) })).statusCode).toBe(200);
  });
  it('bodies are size-bounded', async () => {
    const small = await makeBackend(mock, { bodyLimitBytes: 1024 });
    try {
      expectFailure(await small.app.inject({ method: 'POST', url: '/login', payload: { code: 'x'.repeat(2000) } }), 413, 201, 'body_too_large');
    } finally {
      await small.app.close();
    }
  });
});

describe('the user record on the login path', () => {
  it('an unchanged session_key leaves it as it is; a rotated one keeps the previous key; a lost one is written again', async () => {
    const t1 = await login(app, mock);
    const first = (await store.users.get(openidOf()))!;
    expect(first).toMatchObject({ openid: openidOf(), sessionKey: keyOf() });
    expect(first.previousSessionKey).toBeUndefined();
    mock.control.advanceClock(10);
    await login(app, mock); // same key (the mock rotates at most every 300 s)
    expect(await store.users.get(openidOf())).toEqual(first);
    mock.control.advanceClock(301);
    await login(app, mock); // rotated: the previous key must be kept
    const rotated = (await store.users.get(openidOf()))!;
    expect(rotated).toMatchObject({ sessionKey: keyOf(), previousSessionKey: first.sessionKey, createdAt: first.createdAt });
    expect(rotated.keyRotatedAt).toBeGreaterThanOrEqual(first.createdAt + 311_000);
    // A user record that disappears (deleted, evicted) is written again by the next login.
    await store.users.delete(openidOf());
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(t1) })).statusCode).toBe(401);
    const t2 = await login(app, mock);
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(t2) })).statusCode).toBe(200);
  });
});

describe('token handling (203)', () => {
  it('missing, unknown, expired and revoked tokens are refused', async () => {
    expectFailure(await app.inject({ method: 'GET', url: '/me' }), 401, 203, 'missing_token');
    expectFailure(await app.inject({ method: 'GET', url: '/me', headers: bearer('nope') }), 401, 203, 'invalid_token');
    const token = await login(app, mock);
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).statusCode).toBe(200);
    // a body field works too; the query string only where the operator opted in (security.test.ts)
    expect((await post('/session/check', { token })).statusCode).toBe(200);
    // expiry, both sides of the deadline, on the injected clock
    mock.control.advanceClock(86_400 - 1);
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).statusCode).toBe(200);
    mock.control.advanceClock(1);
    expectFailure(await app.inject({ method: 'GET', url: '/me', headers: bearer(token) }), 401, 203, 'invalid_token');
  });
  it('a token is refused when any part of it is changed, and one issued before the time prefix still works', async () => {
    const token = await login(app, mock);
    const me = (t: string) => app.inject({ method: 'GET', url: '/me', headers: bearer(t) });
    expect((await me(token)).statusCode).toBe(200);
    const other = token[0] === '0' ? '1' : '0';
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    for (const t of [other + token.slice(1), token.slice(0, -1) + last, token.slice(10), token.slice(0, 10), token + 'A']) {
      expectFailure(await me(t), 401, 203, 'invalid_token');
    }
    // A token of the earlier shape (32 random bytes, stored under their plain sha256) is looked up where it was put.
    const legacy = Buffer.alloc(32, 7).toString('base64url');
    const t = mock.control.now();
    await store.sessions.set(hashToken(legacy), { openid: openidOf(), createdAt: t, expiresAt: t + 60_000 }, 60_000);
    expect(sessionId(legacy)).toBe(hashToken(legacy));
    expect((await me(legacy)).json().data.openid).toBe(openidOf());
  });
  it('logout revokes the token at once', async () => {
    const token = await login(app, mock);
    const out = await post('/logout', undefined, bearer(token));
    expect(out.json()).toEqual({ code: 200, msg: 'ok', data: null });
    expectFailure(await app.inject({ method: 'GET', url: '/me', headers: bearer(token) }), 401, 203, 'invalid_token');
    expectFailure(await post('/logout', {}, bearer(token)), 401, 203, 'invalid_token');
  });
});

describe('POST /userinfo', () => {
  it('decrypts (anonymised and classic shapes), checks the signature, stores and returns the profile', async () => {
    const token = await login(app, mock);
    const anon = mock.control.client.getUserInfo({ user: 'alice' });
    const r1 = await post('/userinfo', { encryptedData: anon.encryptedData, iv: anon.iv, rawData: anon.rawData, signature: anon.signature }, bearer(token));
    expect(r1.statusCode).toBe(200);
    expect(r1.json().data).toMatchObject({ openId: openidOf(), nickName: '微信用户' });
    const classic = mock.control.client.getUserInfo({ user: 'alice', classic: true });
    const r2 = await post('/userinfo', { token, encryptedData: classic.encryptedData, iv: classic.iv }, {});
    expect(r2.statusCode).toBe(200);
    expect(r2.json().data).toMatchObject({ openId: openidOf(), nickName: 'Alice', gender: 2 });
    expect(r2.json().data).not.toHaveProperty('watermark');
    const me = await app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    expect(me.json().data.profile.nickName).toBe('Alice');
    for (const r of [r1, r2, me]) expect(r.body).not.toContain(keyOf());
  });
  it('repairs + turned into spaces, and URL-encoded base64', async () => {
    const token = await login(app, mock);
    const ui = mock.control.client.getUserInfo({ user: 'alice' });
    const spaced = { encryptedData: ui.encryptedData!.replaceAll('+', ' '), iv: ui.iv!.replaceAll('+', ' ') };
    expect((await post('/userinfo', spaced, bearer(token))).statusCode).toBe(200);
    const encoded = { encryptedData: encodeURIComponent(ui.encryptedData!), iv: encodeURIComponent(ui.iv!) };
    expect((await post('/userinfo', encoded, bearer(token))).statusCode).toBe(200);
  });
  it('201 for missing fields, bad base64, or rawData without signature', async () => {
    const token = await login(app, mock);
    const ui = mock.control.client.getUserInfo({ user: 'alice' });
    expectFailure(await post('/userinfo', { iv: ui.iv }, bearer(token)), 400, 201, 'missing_parameter');
    expectFailure(await post('/userinfo', { encryptedData: 'a%41b=', iv: ui.iv }, bearer(token)), 400, 201, 'bad_base64');
    // Characters base64 never has are refused by the schema, before anything else runs (even without a token).
    for (const junk of ['abc-_def', 'ab*d', 'YWJj\tZA==', 'é']) {
      expectFailure(await post('/userinfo', { encryptedData: junk, iv: ui.iv }), 400, 201, 'bad_base64');
      expectFailure(await post('/werun', { encryptedData: ui.encryptedData, iv: junk }), 400, 201, 'bad_base64');
    }
    expectFailure(await post('/userinfo', { encryptedData: ui.encryptedData, iv: ui.iv, rawData: ui.rawData }, bearer(token)), 400, 201, 'bad_parameter');
  });
  it('204 decrypt_failed, the same answer, for each refusal of the data itself', async () => {
    // More refusals than the default budget of failed decryptions (which would revoke the token: security.test.ts).
    const { app } = await makeBackend(mock, { decryptFailureBudget: 0 });
    cleanup.push(() => app.close());
    const post = (url: string, payload?: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload, headers });
    const token = await login(app, mock);
    const key = keyOf();
    const ui = mock.control.client.getUserInfo({ user: 'alice' });
    expectFailure(await post('/userinfo', { encryptedData: ui.encryptedData, iv: ui.iv, rawData: ui.rawData, signature: rawDataSignature(ui.rawData!, 'HyVFkGl5F5OQWJZZaNzBBg==') }, bearer(token)), 400, 204, 'decrypt_failed');
    const wrongKey = encrypt(JSON.stringify({ openId: openidOf(), nickName: 'x', watermark: { appid: APPID, timestamp: 1 } }), 'HyVFkGl5F5OQWJZZaNzBBg==');
    expectFailure(await post('/userinfo', wrongKey, bearer(token)), 400, 204, 'decrypt_failed');
    expectFailure(await post('/userinfo', { encryptedData: Buffer.alloc(30).toString('base64'), iv: ui.iv }, bearer(token)), 400, 204, 'decrypt_failed');
    expectFailure(await post('/userinfo', { encryptedData: ui.encryptedData, iv: Buffer.alloc(12).toString('base64') }, bearer(token)), 400, 204, 'decrypt_failed');
    const otherApp = encrypt(JSON.stringify({ openId: openidOf(), nickName: 'x', watermark: { appid: 'wxfedcba0987654321', timestamp: 1 } }), key);
    expectFailure(await post('/userinfo', otherApp, bearer(token)), 400, 204, 'decrypt_failed');
    const otherUser = encrypt(JSON.stringify({ openId: 'oSomeoneElse000000000000000', nickName: 'x', watermark: { appid: APPID, timestamp: 1 } }), key);
    expectFailure(await post('/userinfo', otherUser, bearer(token)), 400, 204, 'decrypt_failed');
    expectFailure(await post('/userinfo', encrypt('not json at all', key), bearer(token)), 400, 204, 'decrypt_failed');
  });
});

describe('stale session_key', () => {
  it('data under the previous key is accepted inside the grace period and refused as stale after it', async () => {
    const grace = await makeBackend(mock, { staleKeyGraceSeconds: 60 });
    try {
      const g = (url: string, payload: object, token: string) => grace.app.inject({ method: 'POST', url, payload, headers: bearer(token) });
      await login(grace.app, mock);
      const oldKey = keyOf();
      const before = mock.control.client.getUserInfo({ user: 'alice', classic: true }); // under the old key
      mock.control.advanceClock(301); // the mock rotates keys at most every 300 s
      const token = await login(grace.app, mock);
      expect(keyOf()).not.toBe(oldKey);
      const u = await grace.store.users.get(openidOf());
      expect(u?.previousSessionKey).toBe(oldKey);
      const payload = { encryptedData: before.encryptedData!, iv: before.iv!, rawData: before.rawData!, signature: before.signature! };
      mock.control.advanceClock(59);
      expect((await g('/userinfo', payload, token)).statusCode).toBe(200);
      mock.control.advanceClock(1);
      expectFailure(await g('/userinfo', payload, token), 400, 204, 'stale_session_key');
      expectFailure(await g('/userinfo', { encryptedData: payload.encryptedData, iv: payload.iv }, token), 400, 204, 'stale_session_key');
      // Data under the current key still works, and corrupt data is not called stale.
      const now = mock.control.client.getUserInfo({ user: 'alice' });
      expect((await g('/userinfo', { encryptedData: now.encryptedData!, iv: now.iv! }, token)).statusCode).toBe(200);
      expectFailure(await g('/userinfo', encrypt('{"a":1}', 'HyVFkGl5F5OQWJZZaNzBBg=='), token), 400, 204, 'decrypt_failed');
    } finally {
      await grace.app.close();
    }
  });
});

describe('POST /phone', () => {
  it('by phone code (with an access token) and by encryptedData', async () => {
    const token = await login(app, mock);
    const user = mock.control.getUser('alice')!;
    const p = mock.control.client.getPhoneNumber({ user: 'alice' });
    const byCode = await post('/phone', { code: p.code }, bearer(token));
    expect(byCode.statusCode).toBe(200);
    expect(byCode.json().data).toEqual({ phoneNumber: user.phoneNumber, purePhoneNumber: user.purePhoneNumber, countryCode: user.countryCode });
    const p2 = mock.control.client.getPhoneNumber({ user: 'alice' });
    const byData = await post('/phone', { encryptedData: p2.encryptedData, iv: p2.iv }, bearer(token));
    expect(byData.json().data).toEqual(byCode.json().data);
    const me = await app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    expect(me.json().data.phone.phoneNumber).toBe(user.phoneNumber);
    expect(upstreamCalls('/cgi-bin/token')).toBe(1);
  });
  it('202 for a used phone code; 201 for both ways or neither', async () => {
    const token = await login(app, mock);
    const p = mock.control.client.getPhoneNumber({ user: 'alice' });
    expect((await post('/phone', { code: p.code }, bearer(token))).statusCode).toBe(200);
    const env = expectFailure(await post('/phone', { code: p.code }, bearer(token)), 401, 202, 'wechat_rejected');
    expect(typeof (env.data as { errcode: number }).errcode).toBe('number');
    expectFailure(await post('/phone', { code: 'x', encryptedData: p.encryptedData, iv: p.iv }, bearer(token)), 400, 201, 'bad_parameter');
    expectFailure(await post('/phone', {}, bearer(token)), 400, 201, 'missing_parameter');
    expectFailure(await post('/phone', { encryptedData: p.encryptedData }, bearer(token)), 400, 201, 'missing_parameter');
  });
  it('an access token WeChat no longer accepts (40001) is refreshed once and the call retried', async () => {
    const token = await login(app, mock);
    mock.control.addFault({ endpoint: '/wxa/business/getuserphonenumber', kind: 'errcode', errcode: 40001, times: 1 });
    const p = mock.control.client.getPhoneNumber({ user: 'alice' });
    expect((await post('/phone', { code: p.code }, bearer(token))).statusCode).toBe(200);
    expect(upstreamCalls('/cgi-bin/token')).toBe(2);
  });
  it('205 when the token endpoint is down', async () => {
    const token = await login(app, mock);
    mock.control.addFault({ endpoint: '/cgi-bin/token', kind: 'http5xx', times: 2 });
    const p = mock.control.client.getPhoneNumber({ user: 'alice' });
    expectFailure(await post('/phone', { code: p.code }, bearer(token)), 503, 205, 'wechat_unavailable');
  });
});

describe('werun, shareinfo, me, session check, healthz', () => {
  it('decrypts WeRun steps and share info', async () => {
    const token = await login(app, mock);
    mock.control.client.authorize({ user: 'alice', scope: 'scope.werun' });
    const w = mock.control.client.getWeRunData({ user: 'alice' });
    const r = await post('/werun', { encryptedData: w.encryptedData, iv: w.iv }, bearer(token));
    expect(r.statusCode).toBe(200);
    const list = r.json().data.stepInfoList as { timestamp: number; step: number }[];
    expect(list.length).toBeGreaterThan(0);
    expect(Object.keys(list[0]!).sort()).toEqual(['step', 'timestamp']);
    const s = mock.control.client.getShareInfo({ user: 'alice' });
    const r2 = await post('/shareinfo', { encryptedData: s.encryptedData, iv: s.iv }, bearer(token));
    expect(r2.json().data.openGId).toMatch(/^[A-Za-z0-9_-]+$/);
    expectFailure(await post('/werun', { encryptedData: s.encryptedData, iv: s.iv }, bearer(token)), 400, 204, 'decrypt_failed');
    expectFailure(await post('/shareinfo', {}, bearer(token)), 400, 201, 'missing_parameter');
  });
  it('GET /me answers the user, never the session_key', async () => {
    const token = await login(app, mock);
    const r = await app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    const data = r.json().data;
    expect(data.openid).toBe(openidOf());
    expect(data.session.expiresAt - data.session.createdAt).toBe(86_400_000);
    expect(r.body).not.toContain(keyOf());
    expect(r.body).not.toMatch(/session_?key/i);
  });
  it('POST /session/check asks WeChat about the stored key', async () => {
    const long = await makeBackend(mock, { tokenTtlSeconds: 30 * 86_400 });
    try {
      const token = await login(long.app, mock);
      const check = () => long.app.inject({ method: 'POST', url: '/session/check', headers: bearer(token) });
      expect((await check()).json()).toEqual({ code: 200, msg: 'ok', data: { valid: true } });
      mock.control.advanceClock(259_200); // the mock's default session_key lifetime
      const env = expectFailure(await check(), 401, 203, 'session_key_expired');
      expect(env.data).toEqual({ errcode: 87009 });
    } finally {
      await long.app.close();
    }
  });
  it('healthz, and unknown routes in the envelope', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ code: 200, msg: 'ok', data: { status: 'ok', store: 'memory' } });
    expectFailure(await app.inject({ method: 'GET', url: '/nope' }), 404, 404, 'not_found');
  });
  it('an unexpected failure is a 500 envelope without a stack or the message', async () => {
    const broken: Store = {
      ...store,
      users: {
        ...store.users,
        get: async () => { throw new Error('disk on fire at /secret/path'); },
        update: async () => { throw new Error('disk on fire at /secret/path'); },
      },
    };
    const b = await makeBackend(mock, { store: broken });
    try {
      const r = await b.app.inject({ method: 'POST', url: '/login', payload: { code: code(mock) } });
      const env = expectFailure(r, 500, 500, 'internal');
      expect(env.msg).toBe('internal error');
      expect(r.body).not.toContain('disk on fire');
    } finally {
      await b.app.close();
    }
  });
});

describe('response schemas keep session_key out even when a handler leaks it', () => {
  it('fields outside the schema are dropped', async () => {
    const token = await login(app, mock);
    // A user record polluted with extra fields (as a buggy handler might return it) goes through /me.
    const u = (await store.users.get(openidOf()))!;
    await store.profiles.set(u.openid, { profile: { nickName: 'A', session_key: u.sessionKey, sessionKey: u.sessionKey }, updatedAt: 1 });
    const r = await app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    expect(r.json().data.profile).toEqual({ nickName: 'A' });
    expect(r.body).not.toContain(u.sessionKey);
  });
});
