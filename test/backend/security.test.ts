// The reference backend against an attacker holding a valid token: no padding oracle, a budget of failed
// decryptions, identity from code2Session only, per-token and per-user limits, WeChat's detail kept from clients,
// tokens out of query strings, and user records that concurrent writes cannot roll back.
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decryptOpenData, OpenDataError } from '../../src/crypto/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { APPID, bearer, code, encrypt, login, makeBackend, startMock, type Mock } from './helpers.js';

let mock: Mock;
beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  await mock.close();
});
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  mock.control.reset();
});

async function backend(over: Parameters<typeof makeBackend>[1] = {}) {
  const b = await makeBackend(mock, over);
  cleanups.push(() => b.app.close());
  return b;
}
const post = (app: FastifyInstance, url: string, payload: object, token?: string) =>
  app.inject({ method: 'POST', url, payload, headers: token ? bearer(token) : {} });
const openidOf = (alias = 'alice') => mock.control.getUser(alias)!.openid;
const keyOf = (alias = 'alice') => mock.control.sessionKey(APPID, openidOf(alias))!;
const watermark = { appid: APPID, timestamp: 1 };
/** AES-128-CBC of raw bytes with no padding added: the attacker's tool for building blocks. */
const rawCbc = (plain: Buffer, keyB64: string, iv: Buffer) => {
  const c = createCipheriv('aes-128-cbc', Buffer.from(keyB64, 'base64'), iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]);
};
const offlineVerdict = (encryptedData: string, iv: string, sessionKey: string) => {
  try {
    decryptOpenData({ encryptedData, iv, sessionKey, appId: APPID });
    return 'ok';
  } catch (err) {
    return (err as OpenDataError).code;
  }
};

describe('open data: every failure is one answer', () => {
  it('padding, not JSON, not an object, watermark, openId, unionId, missing field, signature and lengths answer byte for byte the same', async () => {
    const { app } = await backend({ decryptFailureBudget: 0, dataRateLimitPerMinute: 0 });
    const token = await login(app, mock);
    const key = keyOf();
    const iv = Buffer.alloc(16, 9);
    const ivB64 = iv.toString('base64');
    // Valid padding over bytes that are not JSON: the case a padding oracle tells apart from bad padding.
    const notJson = rawCbc(Buffer.concat([Buffer.from('x'.repeat(15)), Buffer.from([1])]), key, iv).toString('base64');
    const ui = mock.control.client.getUserInfo({ user: 'alice', classic: true });
    const causes: Record<string, [string, object]> = {
      bad_padding: ['/userinfo', encrypt(JSON.stringify({ openId: openidOf(), watermark }), 'HyVFkGl5F5OQWJZZaNzBBg==')],
      valid_padding_not_json: ['/userinfo', { encryptedData: notJson, iv: ivB64 }],
      json_array: ['/userinfo', encrypt('[1,2,3]', key)],
      json_string: ['/werun', encrypt('"steps"', key)],
      other_app: ['/userinfo', encrypt(JSON.stringify({ openId: openidOf(), watermark: { appid: 'wxfedcba0987654321', timestamp: 1 } }), key)],
      no_watermark: ['/userinfo', encrypt(JSON.stringify({ openId: openidOf() }), key)],
      other_openid: ['/userinfo', encrypt(JSON.stringify({ openId: 'oSomeoneElse000000000000000', watermark }), key)],
      missing_steps: ['/werun', encrypt(JSON.stringify({ watermark }), key)],
      missing_phone: ['/phone', encrypt(JSON.stringify({ countryCode: '86', watermark }), key)],
      missing_gid: ['/shareinfo', encrypt(JSON.stringify({ watermark }), key)],
      bad_signature: ['/userinfo', { encryptedData: ui.encryptedData, iv: ui.iv, rawData: ui.rawData, signature: 'f'.repeat(40) }],
      short_ciphertext: ['/userinfo', { encryptedData: Buffer.alloc(30).toString('base64'), iv: ivB64 }],
      iv_12_bytes: ['/userinfo', { encryptedData: notJson, iv: Buffer.alloc(12).toString('base64') }],
    };
    const answers = new Map<string, string[]>();
    for (const [cause, [url, payload]] of Object.entries(causes)) {
      const r = await post(app, url, payload, token);
      const seen = `${r.statusCode} ${r.body}`;
      answers.set(seen, [...(answers.get(seen) ?? []), cause]);
    }
    expect([...answers.values()]).toEqual([Object.keys(causes)]);
    const [only] = [...answers.keys()];
    expect(only).toMatch(/^400 /);
    expect(JSON.parse(only!.slice(4))).toMatchObject({ code: 204, error: 'decrypt_failed', data: null });
    // The test's own premise: offline, the same inputs do fail for different reasons.
    expect(offlineVerdict(notJson, ivB64, key)).toBe('bad_json');
    expect(offlineVerdict((causes.bad_padding![1] as { encryptedData: string }).encryptedData, ivB64, key)).toBe('bad_padding');
  });

  it('a padding-oracle attack sees one answer for all 256 guesses, and the default budget revokes the token after 5', async () => {
    const { app } = await backend({ decryptFailureBudget: 0, dataRateLimitPerMinute: 0 });
    const token = await login(app, mock);
    const key = keyOf();
    const target = Buffer.from(mock.control.client.getUserInfo({ user: 'alice' }).encryptedData!, 'base64').subarray(16, 32);
    const guesses = Array.from({ length: 256 }, (_, g) => {
      const prev = Buffer.alloc(16, 0x41);
      prev[15] = g;
      return { encryptedData: Buffer.concat([prev, target]).toString('base64'), iv: Buffer.alloc(16).toString('base64') };
    });
    // Offline, with the key, some guess gives valid padding: what the old answers leaked.
    const offline = new Set(guesses.map((g) => offlineVerdict(g.encryptedData, g.iv, key)));
    expect(offline.has('bad_padding')).toBe(true);
    expect(offline.size).toBeGreaterThan(1);
    const seen = new Set<string>();
    for (const g of guesses) {
      const r = await post(app, '/userinfo', g, token);
      seen.add(`${r.statusCode} ${r.body}`);
    }
    expect(seen.size).toBe(1);

    // With the default budget the attack stops at the sixth failure: 203, and the token is gone for good.
    const lines: string[] = [];
    const stream = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const guarded = await backend({ dataRateLimitPerMinute: 0, logger: { level: 'info', stream } });
    const t2 = await login(guarded.app, mock);
    const codes: number[] = [];
    for (const g of guesses.slice(0, 8)) codes.push((await post(guarded.app, '/userinfo', g, t2)).json().code);
    expect(codes).toEqual([204, 204, 204, 204, 204, 203, 203, 203]);
    expect((await guarded.app.inject({ method: 'GET', url: '/me', headers: bearer(t2) })).json().code).toBe(203);
    const revoked = lines.filter((l) => l.includes('token revoked'));
    expect(revoked).toHaveLength(1);
    expect(JSON.parse(revoked[0]!)).toMatchObject({ openid: openidOf(), failures: 6, windowSeconds: 600 });
    for (const secret of [t2, keyOf()]) expect(lines.join('')).not.toContain(secret);
  });

  it('the budget counts within its window only, and successes do not reset it', async () => {
    const { app } = await backend({ decryptFailureBudget: 2, decryptFailureWindowSeconds: 60, dataRateLimitPerMinute: 0 });
    const token = await login(app, mock);
    const bad = encrypt('{}', 'HyVFkGl5F5OQWJZZaNzBBg==');
    const good = mock.control.client.getUserInfo({ user: 'alice' });
    expect((await post(app, '/userinfo', bad, token)).json().code).toBe(204);
    expect((await post(app, '/userinfo', bad, token)).json().code).toBe(204);
    mock.control.advanceClock(60); // a new window
    expect((await post(app, '/userinfo', bad, token)).json().code).toBe(204);
    expect((await post(app, '/userinfo', { encryptedData: good.encryptedData, iv: good.iv }, token)).json().code).toBe(200);
    expect((await post(app, '/userinfo', bad, token)).json().code).toBe(204);
    expect((await post(app, '/userinfo', bad, token)).json().code).toBe(203);
  });

  it('stale_session_key only for whole, valid data under the previous key; garbage under it is decrypt_failed', async () => {
    const { app } = await backend({ staleKeyGraceSeconds: 0, decryptFailureBudget: 0 });
    await login(app, mock);
    const oldKey = keyOf();
    const before = mock.control.client.getUserInfo({ user: 'alice' });
    mock.control.advanceClock(301);
    const token = await login(app, mock);
    expect(keyOf()).not.toBe(oldKey);
    const stale = await post(app, '/userinfo', { encryptedData: before.encryptedData, iv: before.iv }, token);
    expect(stale.json()).toMatchObject({ code: 204, error: 'stale_session_key' });
    // Under the old key but not an object, or another app's, or another user's: not a real decryption.
    for (const plain of ['[1]', JSON.stringify({ watermark: { appid: 'wxfedcba0987654321' } }), JSON.stringify({ openId: 'oOther', watermark })]) {
      expect((await post(app, '/userinfo', encrypt(plain, oldKey), token)).json()).toMatchObject({ code: 204, error: 'decrypt_failed' });
    }
  });
});

describe('identity comes from code2Session', () => {
  it('unionid from code2Session wins; a unionId in the data that disagrees is refused; openId is the session user', async () => {
    const u = mock.control.addUser({ alias: 'dora', unionid: 'oUnionDora000000000000000000' });
    const { app } = await backend({ decryptFailureBudget: 0 });
    const token = await login(app, mock, 'dora');
    const key = keyOf('dora');
    const forged = encrypt(JSON.stringify({ openId: u.openid, unionId: 'oUnionAttacker0000000000000', nickName: 'x', watermark }), key);
    expect((await post(app, '/userinfo', forged, token)).json()).toMatchObject({ code: 204, error: 'decrypt_failed' });
    const fine = encrypt(JSON.stringify({ openId: u.openid, unionId: 'oUnionDora000000000000000000', nickName: 'D', watermark }), key);
    const r = await post(app, '/userinfo', fine, token);
    expect(r.json().data).toMatchObject({ openId: u.openid, unionId: 'oUnionDora000000000000000000', nickName: 'D' });
    const me = (await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).json().data;
    expect(me.unionid).toBe('oUnionDora000000000000000000');
  });
  it('a user without a unionid never gets one from decrypted data', async () => {
    const { app } = await backend();
    const token = await login(app, mock);
    const data = encrypt(JSON.stringify({ openId: openidOf(), unionId: 'oUnionAttacker0000000000000', nickName: 'A', watermark }), keyOf());
    const r = await post(app, '/userinfo', data, token);
    expect(r.statusCode).toBe(200);
    expect(r.json().data.unionId).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).json().data.unionid).toBeUndefined();
  });
});

describe('limits', () => {
  it('open-data routes are limited per token, with Retry-After', async () => {
    const { app } = await backend({ dataRateLimitPerMinute: 3 });
    const [t1, t2] = [await login(app, mock), await login(app, mock, 'bob')];
    const w = () => mock.control.client.getShareInfo({ user: 'alice' });
    for (let i = 0; i < 3; i++) expect((await post(app, '/shareinfo', { encryptedData: w().encryptedData, iv: w().iv }, t1)).statusCode).not.toBe(429);
    const r = await post(app, '/shareinfo', { encryptedData: w().encryptedData, iv: w().iv }, t1);
    expect(r.statusCode).toBe(429);
    expect(r.json()).toMatchObject({ code: 429, error: 'rate_limited' });
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    // another token is not affected
    const b = mock.control.client.getShareInfo({ user: 'bob' });
    expect((await post(app, '/shareinfo', { encryptedData: b.encryptedData, iv: b.iv }, t2)).statusCode).toBe(200);
  });
  it('calls to WeChat are limited per user, whatever the token: the limit holds the upstream calls too', async () => {
    const { app } = await backend({ wechatRateLimitPerMinute: 2, tokenTtlSeconds: 3600 });
    const tokens = [await login(app, mock), await login(app, mock)]; // one user, two sessions
    const calls = () => mock.control.journal().filter((j) => j.path === '/wxa/checksession').length;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(app, '/session/check', {}, tokens[i % 2])).statusCode);
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    expect(calls()).toBe(2);
    const p = mock.control.client.getPhoneNumber({ user: 'alice' });
    const byCode = await post(app, '/phone', { code: p.code }, tokens[0]);
    expect(byCode.statusCode).toBe(429);
    expect(Number(byCode.headers['retry-after'])).toBeGreaterThan(0);
    // decrypting phone data calls nobody: not limited by the WeChat limit
    expect((await post(app, '/phone', { encryptedData: p.encryptedData, iv: p.iv }, tokens[0])).statusCode).toBe(200);
  });
});

describe('phone code and session user', () => {
  it("user A's token with user B's phone code is refused and stores nothing on A", async () => {
    const { app, store } = await backend();
    const token = await login(app, mock, 'alice');
    code(mock, 'bob'); // bob's own wx.login, so that his phone button works
    const pb = mock.control.client.getPhoneNumber({ user: 'bob' });
    expect(pb.code).toBeDefined();
    const r = await post(app, '/phone', { code: pb.code }, token);
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 202, error: 'phone_code_mismatch', data: { errcode: 40003 } });
    expect(await store.phones.get(openidOf('alice'))).toBeUndefined();
    expect(mock.control.journal().find((j) => j.path === '/wxa/business/getuserphonenumber')).toBeDefined();
  });
});

describe("WeChat's errmsg stays in the log", () => {
  it('clients get the errcode and a message of ours', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const { app } = await backend({ logger: { level: 'info', stream } });
    const errmsg = 'invalid ip 203.0.113.77 ipv6 ::ffff:203.0.113.77, not in whitelist rid: 1';
    mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: 40164, errmsg });
    const r = await post(app, '/login', { code: code(mock) });
    expect(r.json()).toMatchObject({ code: 205, error: 'wechat_error', data: { errcode: 40164 } });
    expect(r.body).not.toContain('203.0.113.77');
    mock.control.addFault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: 40029, errmsg: 'invalid code, hint: [xyz] rid: 2' });
    const r2 = await post(app, '/login', { code: code(mock) });
    expect(r2.json()).toMatchObject({ code: 202, data: { errcode: 40029 } });
    expect(r2.body).not.toContain('hint');
    expect(lines.join('')).toContain('203.0.113.77');
  });
});

describe('tokens in the query string', () => {
  it('are refused by default, and accepted only on GET /me when allowQueryToken is on', async () => {
    const { app } = await backend();
    const token = await login(app, mock);
    expect((await app.inject({ method: 'GET', url: `/me?token=${token}` })).json()).toMatchObject({ code: 203, error: 'missing_token' });
    const on = await backend({ allowQueryToken: true });
    const t2 = await login(on.app, mock);
    expect((await on.app.inject({ method: 'GET', url: `/me?token=${t2}` })).statusCode).toBe(200);
    const logout = await on.app.inject({ method: 'POST', url: `/logout?token=${t2}` });
    expect(logout.json()).toMatchObject({ code: 203, error: 'missing_token' });
    expect((await on.app.inject({ method: 'GET', url: '/me', headers: bearer(t2) })).statusCode).toBe(200);
  });
});

describe('user records under concurrent writes', () => {
  it('a login never answers a token whose user record is missing (a store that lost data)', async () => {
    const { app, store } = await backend();
    await login(app, mock);
    await store.users.delete(openidOf()); // what FLUSHALL or eviction does to the user record
    const token = await login(app, mock); // same key at WeChat (no rotation within the period)
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).statusCode).toBe(200);
    expect((await store.users.get(openidOf()))?.sessionKey).toBe(keyOf());
  });

  async function rounds(apps: FastifyInstance[], store: Store, n: number) {
    const t0 = await login(apps[0]!, mock);
    let token = t0;
    for (let i = 0; i < n; i++) {
      const app = apps[i % apps.length]!;
      const other = apps[(i + 1) % apps.length]!;
      // Profile and phone writes of the current session race a login that rotates the key.
      const ui = mock.control.client.getUserInfo({ user: 'alice' });
      const ph = mock.control.client.getPhoneNumber({ user: 'alice' });
      const c = code(mock);
      const [, , l] = await Promise.all([
        post(other, '/userinfo', { encryptedData: ui.encryptedData, iv: ui.iv }, token),
        post(other, '/phone', { encryptedData: ph.encryptedData, iv: ph.iv }, token),
        app.inject({ method: 'POST', url: '/login', payload: { code: c } }),
      ]);
      expect(l.statusCode).toBe(200);
      token = l.json().data.token;
      expect((await store.users.get(openidOf()))?.sessionKey).toBe(keyOf());
      // fresh data under the newest key decrypts, and WeChat accepts the stored key
      const fresh = mock.control.client.getWeRunData({ user: 'alice' });
      expect((await post(other, '/werun', { encryptedData: fresh.encryptedData, iv: fresh.iv }, token)).statusCode).toBe(200);
    }
    const me = (await apps[0]!.inject({ method: 'GET', url: '/me', headers: bearer(token) })).json().data;
    expect(me.profile.nickName).toBeDefined();
    expect(me.phone.phoneNumber).toBe(mock.control.getUser('alice')!.phoneNumber);
  }

  /**
   * Runs the rounds on backends over the given stores (one in-memory store when none), against a mock that rotates the
   * key at every login.
   */
  async function rotatingRounds(n: number, open: () => Promise<Store[]> = async () => []) {
    const rotating = await startMock({ sessionKey: { rotation: 'always' } });
    cleanups.push(() => rotating.close());
    const m = mock;
    mock = rotating;
    try {
      const stores = await open();
      cleanups.push(async () => Promise.all(stores.map((s) => s.close())));
      const made = [];
      for (const s of stores.length ? stores : [undefined]) made.push(await backend({ ...(s ? { store: s } : {}), dataRateLimitPerMinute: 0, decryptFailureBudget: 0 }));
      mock.control.client.authorize({ user: 'alice', scope: 'scope.werun' });
      await rounds(
        made.map((b) => b.app),
        made[made.length - 1]!.store,
        n,
      );
    } finally {
      mock = m;
    }
  }

  it('rotating logins interleaved with profile and phone writes: the stored key is always the newest', async () => {
    await rotatingRounds(40);
  });

  it('the same from two instances on one SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxsec-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    await rotatingRounds(20, async () => [await openStore(`sqlite://${join(dir, 'b.sqlite')}`), await openStore(`sqlite://${join(dir, 'b.sqlite')}`)]);
  });

  it.runIf(process.env.WXLOGIN_TEST_REDIS)('the same from two instances on one Redis', async () => {
    const prefix = `wxsec${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
    const uri = process.env.WXLOGIN_TEST_REDIS!;
    await rotatingRounds(30, async () => [await openStore(uri, { prefix }), await openStore(uri, { prefix })]);
  });
});
