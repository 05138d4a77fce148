// The world as a snapshot (control.exportState / importState, GET and POST /__admin/state): what survives a restart,
// what does not come back, and how a bad snapshot is refused.
import { createHash } from 'node:crypto';
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

describe('the newer modules: payments, plugin codes, encrypted data, rids, phone usage', () => {
  const PLUGIN = 'wx00000000000000p1';
  const PLUGIN_SECRET = 'plugin-secret-000000000000000000';
  const NEW = ['payments', 'pluginCodes', 'encryptedMsgs', 'rids', 'phoneUsage'] as const;
  const build = (seed = 'test') =>
    mock({ seed, apps: [{ appid: APPID, secret: SECRET, openPlatform: 'group1', phoneQuota: 5 }, { appid: PLUGIN, secret: PLUGIN_SECRET }] });
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

  /** A mock that has a payment, a used and a fresh plugin code, issued phone data, a rid and a charged quota. */
  async function world() {
    const m = build();
    const payment = m.control.recordPayment({ user: 'alice', appid: APPID });
    const pluginToken = await accessToken(m, PLUGIN, PLUGIN_SECRET);
    const usedPlugin = m.control.client.pluginLogin({ user: 'alice', appid: APPID, plugin: PLUGIN }).code!;
    const openpid = (await post(m, `/wxa/getpluginopenpid?access_token=${pluginToken}`, { code: usedPlugin })).body.openpid as string;
    const freshPlugin = m.control.client.pluginLogin({ user: 'alice', appid: APPID, plugin: PLUGIN }).code!;
    await loginAndExchange(m, 'alice', APPID);
    const phoneData = m.control.client.getPhoneNumber({ user: 'alice', appid: APPID }).encryptedData!;
    const failed = (await exchange(m, 'no-such-code')).body.errmsg as string;
    const rid = /rid: ([0-9a-f-]{26})$/.exec(failed)![1]!;
    return { m, payment, usedPlugin, freshPlugin, openpid, phoneData, rid };
  }

  it('round-trips each of them: the restored mock answers as the first would have', async () => {
    const w = await world();
    const snap = clone(w.m.control.exportState());
    for (const name of NEW) expect(snap.modules, name).toHaveProperty(name);
    const b = build('another seed');
    b.control.importState(snap);
    const again = clone(b.control.exportState());
    for (const name of NEW) expect(again.modules[name], name).toEqual(snap.modules[name]);

    const token = await accessToken(b);
    const alice = b.control.getUser('alice', APPID)!;
    // payments: getPaidUnionid still finds the order.
    const paid = await get(b, '/wxa/getpaidunionid', { access_token: token, openid: alice.openid, transaction_id: w.payment.transaction_id });
    expect(paid.body).toMatchObject({ errcode: 0, unionid: alice.unionid });
    // plugin codes: the used one stays used, the fresh one gives the same openpid once.
    const pluginToken = await accessToken(b, PLUGIN, PLUGIN_SECRET);
    const plugin = (code: string) => post(b, `/wxa/getpluginopenpid?access_token=${pluginToken}`, { code });
    expect((await plugin(w.usedPlugin)).body.errcode).not.toBe(0);
    expect((await plugin(w.freshPlugin)).body).toEqual({ errcode: 0, errmsg: 'ok', openpid: w.openpid });
    // encrypted data: still known as issued, at its time.
    const checked = await post(b, `/wxa/business/checkencryptedmsg?access_token=${token}`, { encrypted_msg_hash: sha256(w.phoneData) });
    expect(checked.body).toEqual({ errcode: 0, errmsg: 'ok', vaild: true, create_time: T0 / 1000 });
    // rids: the rid handed out before the restart can be looked up after it.
    const info = await post(b, `/cgi-bin/openapi/rid/get?access_token=${token}`, { rid: w.rid });
    expect(info.body.errcode).toBe(0);
    expect(info.body.request.request_url).toContain('js_code=no-such-code');
    // phone usage: the quota spent stays spent.
    expect(b.control.phoneUsage(APPID)).toEqual(w.m.control.phoneUsage(APPID));
    expect(b.control.phoneUsage(APPID)).toMatchObject({ quick: 1, remaining: 4 });
  });

  it('an older snapshot without them restores them empty', async () => {
    const w = await world();
    const snap = clone(w.m.control.exportState());
    for (const name of NEW) delete snap.modules[name];
    const b = build();
    b.control.importState(snap);
    const token = await accessToken(b);
    expect((await post(b, `/cgi-bin/openapi/rid/get?access_token=${token}`, { rid: w.rid })).body.errcode).toBe(76001);
    expect(b.control.phoneUsage(APPID)).toMatchObject({ quick: 0, remaining: 5 });
  });

  it.each([
    ['payments', (m: Record<string, any>) => (m.payments.payments[0].transaction_id = 'x y'), /^state: modules\.payments\.payments\[0\]\.transaction_id: /],
    ['payments', (m: Record<string, any>) => m.payments.payments.push({ ...m.payments.payments[0] }), 'state: modules.payments.payments[1].transaction_id: appears twice'],
    ['payments', (m: Record<string, any>) => (m.payments.payments[0].openid = 'oNobody'), 'state: modules.payments.payments[0]: belongs to user oNobody of app'],
    ['pluginCodes', (m: Record<string, any>) => (m.pluginCodes.codes[0].used = 'yes'), /^state: modules\.pluginCodes\.codes\[0\]\.used: /],
    ['pluginCodes', (m: Record<string, any>) => (m.pluginCodes.codes[1].code = m.pluginCodes.codes[0].code), 'state: modules.pluginCodes.codes[1].code: appears twice'],
    ['encryptedMsgs', (m: Record<string, any>) => (m.encryptedMsgs.issued[0].hash = 'abc'), /^state: modules\.encryptedMsgs\.issued\[0\]\.hash: /],
    ['encryptedMsgs', (m: Record<string, any>) => (m.encryptedMsgs.issued[0].appid = 'wx0000000000000zz'), 'state: modules.encryptedMsgs.issued[0].appid: wx0000000000000zz is not an app of this mock'],
    ['rids', (m: Record<string, any>) => (m.rids.rids[0].rid = 'nope'), /^state: modules\.rids\.rids\[0\]\.rid: /],
    ['rids', (m: Record<string, any>) => delete m.rids.rids[0].request.client_ip, /^state: modules\.rids\.rids\[0\]\.request\.client_ip: /],
    ['phoneUsage', (m: Record<string, any>) => (m.phoneUsage.apps[0].quick = -1), /^state: modules\.phoneUsage\.apps\[0\]\.quick: /],
    ['phoneUsage', (m: Record<string, any>) => (m.phoneUsage.apps[0].appid = 'wx0000000000000zz'), 'state: modules.phoneUsage.apps[0].appid: wx0000000000000zz is not an app of this mock'],
  ])('refuses a bad %s part, naming the field, and changes nothing', async (_name, spoil, message) => {
    const w = await world();
    const snap = clone(w.m.control.exportState());
    spoil(snap.modules as Record<string, any>);
    const b = build();
    const before = clone(b.control.exportState());
    let error: Error | undefined;
    try {
      b.control.importState(snap);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : message);
    expect(clone(b.control.exportState())).toEqual(before);
  });
});
