import { describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/client/histogram.js';
import { getPath } from '../../src/client/json-path.js';
import { joinUrl } from '../../src/client/http.js';
import { resolveContract, ContractError, PROFILES } from '../../src/client/contract.js';
import { contractFileOverrides, mergeOverrides } from '../../src/client/contract-file.js';
import { findProfile } from '../../src/client/answer.js';
import { createPrng } from '../../src/client/prng.js';

describe('histogram', () => {
  it('quantiles are within 1% of the exact ones and memory does not grow with samples', () => {
    const h = createHistogram();
    const xs: number[] = [];
    const rng = createPrng(1);
    for (let i = 0; i < 100_000; i++) {
      const v = 0.2 + (rng.u32() / 2 ** 32) * 50;
      xs.push(v);
      h.record(v);
    }
    xs.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = xs[Math.ceil(q * xs.length) - 1]!;
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.011);
    }
    expect(h.count).toBe(100_000);
    expect(h.size).toBeLessThan(600);
    const s = h.summary();
    expect(s.min).toBeGreaterThanOrEqual(0.2);
    expect(s.max).toBeLessThanOrEqual(50.2);
  });

  it('an empty histogram summarises to zeros', () => {
    expect(createHistogram().summary()).toEqual({ count: 0, mean: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 });
  });
});

describe('contracts', () => {
  it('wxlogin puts the token in a Bearer header, seed in a body field', () => {
    expect(resolveContract().token).toEqual({ in: 'header', field: 'token', header: 'authorization', scheme: 'Bearer' });
    const seed = resolveContract({ profile: 'seed' });
    expect(seed.token.in).toBe('body');
    expect(seed.paths).toEqual({ login: 'login/', userinfo: 'userinfo/' });
    expect(seed.tokenPath).toBe('data.token');
  });

  it('--path overrides, adds methods and removes steps; the profile is not mutated', () => {
    const c = resolveContract({ paths: ['login=/auth/login', 'me=GET /auth/me', 'phone=none'], tokenIn: 'body', tokenPath: 'token' });
    expect(c.paths.login).toBe('/auth/login');
    expect(c.paths.me).toBe('/auth/me');
    expect(c.methods.me).toBe('GET');
    expect(c.paths.phone).toBeUndefined();
    expect(c.token.in).toBe('body');
    expect(PROFILES.wxlogin.paths.phone).toBe('/phone');
  });

  it('bad values are errors naming the flag', () => {
    expect(() => resolveContract({ profile: 'django' })).toThrow(ContractError);
    expect(() => resolveContract({ paths: ['nope=/x'] })).toThrow(/bad --path "nope=\/x"/);
    expect(() => resolveContract({ tokenIn: 'cookie' })).toThrow(/--token-in/);
    expect(() => resolveContract({ paths: ['login=none'] })).toThrow(/login path/);
  });
});

describe('contract files', () => {
  it('extend a profile; flags win over the file, and their paths come after the file\'s', () => {
    const file = contractFileOverrides({ extends: 'seed', paths: { login: 'auth/login/', me: 'GET auth/me/' }, token: { in: 'header', scheme: 'Token' } });
    const c = resolveContract(mergeOverrides(file, { paths: ['me=none'], tokenScheme: 'JWT' }));
    expect(c.profile).toBe('seed');
    expect(c.paths).toEqual({ login: 'auth/login/', userinfo: 'userinfo/' });
    expect(c.token).toMatchObject({ in: 'header', scheme: 'JWT' });
  });

  it('unknown keys and wrong types are errors naming them', () => {
    expect(() => contractFileOverrides({ path: {} })).toThrow(/unknown key "path"/);
    expect(() => contractFileOverrides({ token: { where: 'body' } })).toThrow(/unknown key "token.where"/);
    expect(() => contractFileOverrides({ tokenPath: 3 })).toThrow(/tokenPath must be a string/);
    expect(() => contractFileOverrides([1])).toThrow(/JSON object/);
  });
});

describe('small helpers', () => {
  it('getPath walks dotted paths', () => {
    expect(getPath({ data: { token: 't' } }, 'data.token')).toBe('t');
    expect(getPath({ a: [{ b: 1 }] }, 'a.0.b')).toBe(1);
    expect(getPath({ a: 1 }, 'a.b')).toBeUndefined();
    expect(getPath({ a: 1 }, '')).toEqual({ a: 1 });
  });

  it('joinUrl keeps a base path and relative step paths', () => {
    expect(joinUrl('http://h:1', '/login')).toBe('http://h:1/login');
    expect(joinUrl('http://h:1/api', 'login/')).toBe('http://h:1/api/login/');
    expect(joinUrl('http://h:1/api/', '/login/')).toBe('http://h:1/api/login/');
  });

  it('findProfile finds the profile in the shapes backends answer', () => {
    expect(findProfile({ nickName: 'a' })).toEqual({ nickName: 'a' });
    expect(findProfile({ profile: { nickName: 'b' } })).toEqual({ nickName: 'b' });
    expect(findProfile({ user: { openid: 'o', profile: { nickName: 'c' } } })).toEqual({ nickName: 'c' });
    expect(findProfile({ token: 'x' })).toBeUndefined();
  });

  it('the PRNG repeats for a seed and differs across seeds', () => {
    expect(createPrng('a').bytes(16)).toEqual(createPrng('a').bytes(16));
    expect(createPrng('a').bytes(16)).not.toEqual(createPrng('b').bytes(16));
  });
});
