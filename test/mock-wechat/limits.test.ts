// Bounded memory: user fields have maximum lengths and the mock holds at most maxUsers users (default 10,000).
// Past a bound: a 4xx JSON answer naming it (admin API, client simulator), an errMsg (control.client), a refused
// config naming the field; never an ever-growing heap.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_USERS, loadMockConfig, MockConfigError, USER_FIELD_LIMITS, validateMockConfig } from '../../mock-wechat/index.js';
import { createState } from '../../mock-wechat/state.js';
import { APPID, T0, exchange, mock, post } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-mock-limits-'));

describe('user field limits', () => {
  it('the admin API refuses an oversized field with a 400 naming it, and accepts the longest allowed', async () => {
    const m = mock();
    const ok = await post(m, '/__admin/users', { alias: 'n64', nickName: '名'.repeat(64), city: 'c'.repeat(64) });
    expect(ok.status).toBe(201);
    expect(ok.body.nickName).toBe('名'.repeat(64));
    for (const [field, max] of Object.entries(USER_FIELD_LIMITS)) {
      const r = await post(m, '/__admin/users', { alias: 'big', [field]: 'x'.repeat(max + 1) });
      expect(r.status, field).toBe(400);
      expect(r.body.error, field).toMatch(new RegExp(`${field}.*${max}`));
    }
    const scopes = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`scope.s${i}`, 'deny']));
    expect((await post(m, '/__admin/users', { alias: 'c', consent: scopes })).status).toBe(400);
    expect((await post(m, '/__admin/users', { alias: 'c', consent: { ['s'.repeat(65)]: 'deny' } })).status).toBe(400);
    expect(m.control.getUser('big')).toBeUndefined();
  });

  it('60 KB names are refused whichever way they come: control.addUser, the client simulator, control.client', async () => {
    const m = mock();
    const huge = 'x'.repeat(60_000);
    expect(() => m.control.addUser({ alias: 'a', nickName: huge })).toThrow(/nickName is 60000 characters, at most 64/);
    expect(() => m.control.addUser({ alias: huge })).toThrow(/alias is 60000 characters, at most 128/);
    const http = await post(m, '/__client/login', { user: huge });
    expect(http.status).toBe(400);
    expect(http.body.errMsg).toMatch(/^login:fail parameter error: .*user.*128/);
    expect(m.control.client.login({ user: huge }).errMsg).toMatch(/^login:fail parameter error: user is 60000 characters, at most 128/);
    const u129 = 'u'.repeat(129);
    expect((await post(m, '/__client/getUserInfo', { user: 'alice', lang: 'x'.repeat(17) })).status).toBe(400);
    expect((await post(m, '/__client/authorize', { user: 'alice', scope: 's'.repeat(65) })).status).toBe(400);
    expect(m.control.client.getSetting({ user: u129 }).errMsg).toMatch(/at most 128/);
    expect(m.control.listUsers()).toHaveLength(4);
    expect(m.control.client.login({ user: 'u'.repeat(128) }).errMsg).toBe('login:ok');
  });

  it('a config file with an oversized user field is refused with the field named', async () => {
    const p = join(dir, 'bigname.json');
    writeFileSync(p, JSON.stringify({ users: [{ alias: 'a' }, { alias: 'b', nickName: 'n'.repeat(65) }] }));
    const err = await loadMockConfig(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MockConfigError);
    expect((err as Error).message).toMatch(/users\[1\]\.nickName is 65 characters, at most 64/);
    expect(() => validateMockConfig({ users: [{ consent: { ['x'.repeat(70)]: 'grant' } }] })).toThrow(/users\[0\]\.consent scope/);
  });
});

describe('maxUsers', () => {
  it('users created on first use stop at maxUsers with a 409 naming the limit; known users keep working', async () => {
    const m = mock({ maxUsers: 6 });
    expect(m.control.client.login({ user: 'u1' }).errMsg).toBe('login:ok');
    expect((await post(m, '/__client/login', { user: 'u2' })).status).toBe(200);
    const refused = await post(m, '/__client/login', { user: 'u3' });
    expect(refused.status).toBe(409);
    expect(refused.body.errMsg).toMatch(/^login:fail user limit reached: the mock holds 6 users and maxUsers is 6/);
    expect(m.control.client.getSetting({ user: 'u4' }).errMsg).toMatch(/maxUsers is 6/);
    const admin = await post(m, '/__admin/users', { alias: 'dave' });
    expect(admin.status).toBe(409);
    expect(admin.body.error).toMatch(/user limit reached.*maxUsers is 6/);
    // Updating a user that exists needs no room; logging in a known user still works end to end.
    expect((await post(m, '/__admin/users', { alias: 'u1', nickName: 'One' })).status).toBe(201);
    const code = m.control.client.login({ user: 'alice' }).code;
    expect((await exchange(m, code)).body.openid).toMatch(/^o/);
    expect(m.control.listUsers()).toHaveLength(6);
    await post(m, '/__admin/reset');
    expect(m.control.client.login({ user: 'u3' }).errMsg).toBe('login:ok');
  });

  it('a person in every app needs room in every app, or is created in none', () => {
    const m = mock({ apps: [{ appid: APPID, secret: 's' }, { appid: 'wx2222222222222222', secret: 's2' }], users: [], maxUsers: 3 });
    m.control.addUser({ alias: 'a' });
    expect(() => m.control.addUser({ alias: 'b' })).toThrow(/user limit reached/);
    expect(m.control.getUser('b', APPID)).toBeUndefined();
    expect(m.control.addUser({ alias: 'b', appid: APPID }).alias).toBe('b');
  });

  it('defaults to 10,000 users; 0 lifts the limit', () => {
    expect(DEFAULT_MAX_USERS).toBe(10_000);
    const s = createState({ seed: 1, now: () => T0 });
    const a = s.app(APPID)!;
    for (let i = s.sizes().users; i < 10_000; i++) s.userFor(a, `load-${i}`);
    expect(s.sizes().users).toBe(10_000);
    expect(() => s.userFor(a, 'one-more')).toThrow(/maxUsers is 10000/);
    const open = createState({ seed: 1, now: () => T0, maxUsers: 0, users: [] });
    const b = open.app(APPID)!;
    for (let i = 0; i < 10_001; i++) open.userFor(b, `load-${i}`);
    expect(open.sizes().users).toBe(10_001);
  });

  it('seeded users beyond maxUsers are refused at build; a config file says which field', () => {
    expect(() => mock({ maxUsers: 2 })).toThrow(/users: 4 seeded users make 4 user records .* more than maxUsers 2/);
    expect(() => validateMockConfig({ maxUsers: 1, users: [{ alias: 'a' }, { alias: 'b' }] })).toThrow(
      /users: 2 users make 2 user records .*more than maxUsers 1/,
    );
    expect(() => validateMockConfig({ maxUsers: -1 })).toThrow(/maxUsers must be an integer >= 0/);
    expect(validateMockConfig({ maxUsers: 0 }).maxUsers).toBe(0);
  });
});

describe('fault limits', () => {
  it('at most 1000 active faults; an errmsg of at most 512 characters', async () => {
    const m = mock();
    for (let i = 0; i < 1000; i++) m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'errcode' });
    const r = await post(m, '/__admin/faults', { endpoint: '/cgi-bin/token', kind: 'errcode' });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/fault limit reached: 1000/);
    m.control.clearFaults();
    expect((await post(m, '/__admin/faults', { endpoint: '*', kind: 'errcode', errmsg: 'e'.repeat(513) })).status).toBe(400);
  });
});
