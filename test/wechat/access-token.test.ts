import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { createAccessTokenManager, WechatError, type AccessTokenManagerOptions } from '../../src/wechat/index.js';

function setup(o: Partial<AccessTokenManagerOptions> = {}, expiresIn = 7200) {
  let clock = 1_700_000_000_000;
  let n = 0;
  const fetches: number[] = [];
  const fetchToken = async () => {
    fetches.push(clock);
    await new Promise((r) => setTimeout(r, 5));
    return { accessToken: `AT${++n}`, expiresIn };
  };
  return {
    fetches,
    fetchToken,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
    make: async (store?: Awaited<ReturnType<typeof openStore>>) => {
      const s = store ?? (await openStore('memory://', { now: () => clock }));
      return createAccessTokenManager({ appId: 'wx1234567890abcdef', fetchToken, store: s, now: () => clock, ...o });
    },
  };
}
const business = (errcode: number) => new WechatError({ errcode, errmsg: 'x', kind: 'business', endpoint: '/wxa/business/getuserphonenumber' });

describe('access token manager', () => {
  it('caches, and concurrent callers share one refresh', async () => {
    const t = setup();
    const m = await t.make();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => m.get()));
    expect(new Set(tokens)).toEqual(new Set(['AT1']));
    expect(await m.get()).toBe('AT1');
    expect(t.fetches).toHaveLength(1);
  });
  it('refreshes 5 minutes before expiry, not a millisecond earlier', async () => {
    const t = setup();
    const m = await t.make();
    expect(await m.get()).toBe('AT1');
    t.advance(7200_000 - 300_000 - 1);
    expect(await m.get()).toBe('AT1');
    t.advance(1);
    expect(await m.get()).toBe('AT2');
    expect(t.fetches).toHaveLength(2);
  });
  it('a short-lived token refreshes at half its life', async () => {
    const t = setup({}, 300);
    const m = await t.make();
    await m.get();
    t.advance(149_999);
    expect(await m.get()).toBe('AT1');
    t.advance(1);
    expect(await m.get()).toBe('AT2');
  });
  it('40001 and 42001: one refresh and one retry', async () => {
    for (const code of [40001, 42001]) {
      const t = setup();
      const m = await t.make();
      const seen: string[] = [];
      const out = await m.withToken(async (tok) => {
        seen.push(tok);
        if (tok === 'AT1') throw business(code);
        return `ok with ${tok}`;
      });
      expect(out).toBe('ok with AT2');
      expect(seen).toEqual(['AT1', 'AT2']);
      // Refused again: no second refresh, the error goes to the caller.
      const again = m.withToken(async () => {
        throw business(code);
      });
      await expect(again).rejects.toMatchObject({ errcode: code });
      expect(t.fetches).toHaveLength(3);
    }
  });
  it('other errors are not retried', async () => {
    const t = setup();
    const m = await t.make();
    let calls = 0;
    await expect(m.withToken(async () => {
      calls++;
      throw business(40029);
    })).rejects.toMatchObject({ errcode: 40029 });
    expect(calls).toBe(1);
    expect(t.fetches).toHaveLength(1);
  });
  it('two managers on one store: the second uses the first one\'s token', async () => {
    const t = setup();
    const store = await openStore('memory://', { now: t.now });
    const [a, b] = [await t.make(store), await t.make(store)];
    expect(await Promise.all([a.get(), b.get(), a.get(), b.get()])).toEqual(['AT1', 'AT1', 'AT1', 'AT1']);
    expect(t.fetches).toHaveLength(1);
    // One of them is refused: it refreshes, the other picks the new token up from the store when it is refused too.
    expect(await a.refresh('AT1')).toBe('AT2');
    expect(await b.refresh('AT1')).toBe('AT2');
    expect(t.fetches).toHaveLength(2);
  });
  it.skipIf(!process.env.WXLOGIN_TEST_REDIS)('instances on one Redis refresh once between them (SET NX PX lock)', async () => {
    const t = setup({ pollMs: 2 });
    const prefix = `at${randomBytes(4).toString('hex')}`;
    const stores = await Promise.all([0, 1, 2].map(() => openStore(process.env.WXLOGIN_TEST_REDIS!, { now: t.now, prefix })));
    try {
      const managers = await Promise.all(stores.map((s) => t.make(s)));
      const got = await Promise.all(managers.flatMap((m) => [m.get(), m.get()]));
      expect(new Set(got)).toEqual(new Set(['AT1']));
      expect(t.fetches).toHaveLength(1);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
