// The world as a snapshot (control.exportState / importState, GET and POST /__admin/state): what survives a restart,
// what does not come back, and how a bad snapshot is refused.
import { describe, expect, it } from 'vitest';
import { APPID, SECRET, T0, accessToken, exchange, get, hmacEmpty, loginAndExchange, mock, post } from './helpers.js';

type M = ReturnType<typeof mock>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** checksession with a token: 0 when both the token and the user's key are accepted. */
async function checkSession(m: M, token: string, openid: string, sessionKey: string): Promise<number> {
  const r = await get(m, '/wxa/checksession', { access_token: token, openid, signature: hmacEmpty(sessionKey), sig_method: 'hmac_sha256' });
  return r.body.errcode as number;
}

describe('exportState / importState', () => {
  it('brings users, session keys, tokens, codes and the clock back into a new mock', async () => {
    const a = mock();
    a.control.addUser({ alias: 'dave', nickName: 'Dave' });
    const alice = await loginAndExchange(a, 'alice');
    const dave = await loginAndExchange(a, 'dave');
    const token = await accessToken(a);
    const usedCode = a.control.client.login({ user: 'alice' }).code!;
    await exchange(a, usedCode);
    const freshCode = a.control.client.login({ user: 'bob' }).code!;
    a.control.advanceClock(60);
    const snap = clone(a.control.exportState());
    expect(snap.format).toBe('wxlogin-mock-state/1');

    const b = mock({ seed: 'another seed' });
    expect(b.control.importState(snap)).toMatchObject({ users: 5, codes: 4, tokens: 1 });
    expect(b.control.seed()).toBe('test');
    expect(b.control.now()).toBe(T0 + 60_000);
    expect(b.control.getUser('dave')).toEqual(a.control.getUser('dave'));
    expect(b.control.listUsers()).toEqual(a.control.listUsers());
    expect(b.control.sessionKey(APPID, alice.openid)).toBe(a.control.sessionKey(APPID, alice.openid));
    expect(await checkSession(b, token, dave.openid, dave.session_key)).toBe(0);
    // A used code stays used (WeChat does not forget it on our restart); an unused one still works once.
    expect((await exchange(b, usedCode)).body.errcode).toBe(40163);
    const bob = await exchange(b, freshCode);
    expect(bob.body.openid).toBe(a.control.getUser('bob')!.openid);
    expect((await exchange(b, freshCode)).body.errcode).toBe(40163);
  });

  it('does not mint again the codes, keys or tokens minted before the snapshot', async () => {
    const a = mock();
    const before = [a.control.client.login({ user: 'alice' }).code!, a.control.client.login({ user: 'bob' }).code!];
    const snap = a.control.exportState();
    const b = mock();
    b.control.importState(snap);
    const after = [b.control.client.login({ user: 'alice' }).code!, b.control.client.login({ user: 'bob' }).code!];
    expect(after.filter((c) => before.includes(c))).toEqual([]);
    // Same snapshot, same continuation: a restart from a file is as reproducible as a run from a seed.
    const c = mock();
    c.control.importState(snap);
    expect([c.control.client.login({ user: 'alice' }).code, c.control.client.login({ user: 'bob' }).code]).toEqual(after);
  });

  it('keeps openids of users made after the restore the same as they would have been (the seed comes back)', async () => {
    const a = mock({ seed: 'seed-a' });
    const b = mock({ seed: 'seed-b' });
    b.control.importState(a.control.exportState());
    expect(b.control.client.login({ user: 'zoe' }).code).toBeTruthy();
    expect(b.control.getUser('zoe')!.openid).toBe(a.control.addUser({ alias: 'zoe' }).openid);
  });

  it('leaves expired codes out, and reset() goes back to the build state', async () => {
    const a = mock();
    a.control.client.login({ user: 'alice' });
    a.control.advanceClock(301);
    expect(a.control.exportState().modules.codes).toEqual({ login: [], phone: [] });
    const b = mock();
    b.control.addUser({ alias: 'dave' });
    b.control.importState(a.control.exportState());
    expect(b.control.getUser('dave')).toBeUndefined();
    b.control.reset();
    expect(b.control.now()).toBe(T0);
  });
});

describe('importState refuses a bad snapshot, naming the field, and changes nothing', () => {
  const good = () => clone(mock().control.exportState()) as any;
  it.each([
    ['not an object', () => 'x', /a snapshot is a JSON object/],
    ['another format', () => ({ ...good(), format: 'wxlogin-mock-state/2' }), /^state: format: must be "wxlogin-mock-state\/1", got "wxlogin-mock-state\/2"$/],
    ['an unknown top-level field', () => ({ ...good(), extra: 1 }), /^state: extra: unknown field/],
    ['an unknown module', () => ({ ...good(), modules: { ...good().modules, nope: {} } }), /^state: modules\.nope: this mock has no such state module/],
    ['no users', () => ({ ...good(), modules: { clock: { offsetMs: 0 } } }), /^state: modules\.users: is required$/],
    [
      'a user without an openid',
      () => {
        const s = good();
        delete s.modules.users.users[1].openid;
        return s;
      },
      /^state: modules\.users\.users\[1\]\.openid: expected required property$/,
    ],
    [
      'a malformed session key',
      () => {
        const s = good();
        s.modules.users.users[0].key = { value: 'short', issuedAt: 0, expiresAt: 1 };
        return s;
      },
      /^state: modules\.users\.users\[0\]\.key\.value: /,
    ],
    [
      'a duplicate openid',
      () => {
        const s = good();
        s.modules.users.users[1].openid = s.modules.users.users[0].openid;
        return s;
      },
      /^state: modules\.users\.users\[1\]\.openid: .* appears twice/,
    ],
    [
      "a code of a user the snapshot lacks",
      () => {
        const s = good();
        s.modules.codes.login.push({ code: 'abc', appid: APPID, openid: 'oNobody', expiresAt: T0 + 1000, used: false });
        return s;
      },
      /^state: modules\.codes\.login\[0\]: belongs to user oNobody/,
    ],
    [
      'a negative clock offset',
      () => ({ ...good(), modules: { ...good().modules, clock: { offsetMs: -5 } } }),
      /^state: modules\.clock\.offsetMs: expected number to be greater or equal to 0$/,
    ],
    [
      'a latest token that is not there',
      () => {
        const s = good();
        s.modules.tokens = { tokens: [], apps: [{ appid: APPID, latest: 'gone', forceDay: -1, forceCount: 0 }] };
        return s;
      },
      /^state: modules\.tokens\.apps\[0\]\.latest: names no token/,
    ],
  ])('%s', (_name, make, message) => {
    const m = mock();
    m.control.addUser({ alias: 'keep-me' });
    const code = m.control.client.login({ user: 'alice' }).code!;
    const before = m.control.exportState();
    let err: any;
    try {
      m.control.importState(make());
    } catch (e) {
      err = e;
    }
    expect(err?.status).toBe(400);
    expect(err.message).toMatch(message);
    expect(m.control.exportState()).toEqual(before);
    expect(m.control.getUser('keep-me')).toBeDefined();
    expect(code).toBeTruthy();
  });

  it("refuses another mock's apps with a 409, never echoing a secret", () => {
    const s = good();
    const m = mock({ apps: [{ appid: APPID, secret: 'othersecret0000000000000000000000' }] });
    let err: any;
    try {
      m.control.importState(s);
    } catch (e) {
      err = e;
    }
    expect(err.status).toBe(409);
    expect(err.message).toBe(`state: apps[0].secret differs from the secret this mock has for ${APPID}`);
    expect(err.message).not.toContain(SECRET);
    const other = mock({ apps: [{ appid: 'wx0000000000000001', secret: 's' }] });
    expect(() => other.control.importState(s)).toThrow(/apps\[0\]\.appid wx1234567890abcdef is not served by this mock \(it serves wx0000000000000001\)/);
  });
});

describe('GET and POST /__admin/state', () => {
  it('round-trips over HTTP, behind the admin token', async () => {
    const a = mock({ adminToken: 'tok' });
    const alice = await loginAndExchange(a, 'alice');
    const auth = { authorization: 'Bearer tok' };
    expect((await a.app.inject({ method: 'GET', url: '/__admin/state' })).statusCode).toBe(401);
    expect((await post(a, '/__admin/state', {})).status).toBe(401);
    const res = await a.app.inject({ method: 'GET', url: '/__admin/state', headers: auth });
    expect(res.statusCode).toBe(200);
    const snap = res.json();
    expect(snap).toEqual(clone(a.control.exportState()));
    expect(JSON.stringify(snap)).toContain(alice.session_key);

    const b = mock({ adminToken: 'tok', seed: 'other' });
    const r = await post(b, '/__admin/state', snap, auth);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ users: 4, tokens: 0 });
    expect(b.control.sessionKey(APPID, alice.openid)).toBe(alice.session_key);

    const bad = await post(b, '/__admin/state', { ...snap, format: 'v0' }, auth);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'state: format: must be "wxlogin-mock-state/1", got "v0"' });
  });
});
