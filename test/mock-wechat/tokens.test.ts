import { describe, expect, it } from 'vitest';
import { APPID, SECRET, get, hmacEmpty, loginAndExchange, mock, post } from './helpers.js';

type M = ReturnType<typeof mock>;
const tokenQ = (over: Record<string, string | undefined> = {}) => ({
  grant_type: 'client_credential',
  appid: APPID,
  secret: SECRET,
  ...over,
});

/** Uses a token on checksession: the answer, errcode 0 when the token is accepted. */
async function check(m: M, token: string) {
  const s = await loginAndExchange(m, 'bob');
  return get(m, '/wxa/checksession', {
    access_token: token,
    openid: s.openid,
    signature: hmacEmpty(s.session_key),
    sig_method: 'hmac_sha256',
  });
}
const use = async (m: M, token: string): Promise<number> => (await check(m, token)).body.errcode;

function stable(m: M, body: Record<string, unknown> = {}) {
  return post(m, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: SECRET, ...body });
}

describe('GET /cgi-bin/token', () => {
  it('issues {access_token, expires_in: 7200}', async () => {
    const m = mock();
    const r = await get(m, '/cgi-bin/token', tokenQ());
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in']);
    expect(r.body.expires_in).toBe(7200);
    expect(r.body.access_token.length).toBeGreaterThan(100);
    expect(await use(m, r.body.access_token)).toBe(0);
  });

  it.each([
    [{ appid: undefined }, 41002],
    [{ appid: 'wx0000000000000000' }, 40013],
    [{ secret: undefined }, 41004],
    [{ secret: 'wrong' }, 40125],
    [{ grant_type: 'authorization_code' }, 40002],
    [{ grant_type: undefined }, 40002],
  ])('%o -> %i', async (over, errcode) => {
    const m = mock();
    const r = await get(m, '/cgi-bin/token', tokenQ(over));
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(errcode);
  });

  it('a new token invalidates the previous one after a 5-minute overlap (40001)', async () => {
    const m = mock();
    const first = (await get(m, '/cgi-bin/token', tokenQ())).body.access_token;
    m.control.advanceClock(100);
    const second = (await get(m, '/cgi-bin/token', tokenQ())).body.access_token;
    expect(second).not.toBe(first);
    m.control.advanceClock(299);
    expect(await use(m, first)).toBe(0);
    m.control.advanceClock(1);
    const r = await check(m, first);
    expect(r.body.errcode).toBe(40001);
    expect(r.body.errmsg).toMatch(/^invalid credential, access_token is invalid or not latest rid: /);
    expect(await use(m, second)).toBe(0);
  });

  it('tokens expire after 7200 s (42001)', async () => {
    const m = mock();
    const t = (await get(m, '/cgi-bin/token', tokenQ())).body.access_token;
    m.control.advanceClock(7199);
    expect(await use(m, t)).toBe(0);
    m.control.advanceClock(1);
    expect(await use(m, t)).toBe(42001);
  });

  it('a missing access_token is 41001', async () => {
    const m = mock();
    const r = await get(m, '/wxa/checksession', { openid: 'x', signature: 'y', sig_method: 'hmac_sha256' });
    expect(r.body.errcode).toBe(41001);
  });
});

describe('POST /cgi-bin/stable_token', () => {
  it('returns the same token on repeated calls, with expires_in counting down', async () => {
    const m = mock();
    const a = (await stable(m)).body;
    expect(a.expires_in).toBe(7200);
    m.control.advanceClock(1000);
    const b = (await stable(m)).body;
    expect(b.access_token).toBe(a.access_token);
    expect(b.expires_in).toBe(6200);
    expect(await use(m, a.access_token)).toBe(0);
  });

  it('in its last 5 minutes the token is renewed; the old one lives out its time', async () => {
    const m = mock();
    const a = (await stable(m)).body.access_token;
    m.control.advanceClock(7200 - 301);
    expect((await stable(m)).body.access_token).toBe(a);
    m.control.advanceClock(1);
    const b = (await stable(m)).body;
    expect(b.access_token).not.toBe(a);
    expect(b.expires_in).toBe(7200);
    m.control.advanceClock(299);
    expect(await use(m, a)).toBe(0);
    m.control.advanceClock(1);
    expect(await use(m, a)).toBe(42001);
    expect(await use(m, b.access_token)).toBe(0);
  });

  it('force_refresh issues a new token and kills the old one at once', async () => {
    const m = mock();
    const a = (await stable(m)).body.access_token;
    m.control.advanceClock(31);
    const b = (await stable(m, { force_refresh: true })).body.access_token;
    expect(b).not.toBe(a);
    expect(await use(m, a)).toBe(40001);
    expect(await use(m, b)).toBe(0);
  });

  it('a force refresh within 30 s of the previous one does not refresh', async () => {
    const m = mock();
    const a = (await stable(m, { force_refresh: true })).body.access_token;
    m.control.advanceClock(29);
    expect((await stable(m, { force_refresh: true })).body.access_token).toBe(a);
    m.control.advanceClock(1);
    expect((await stable(m, { force_refresh: true })).body.access_token).not.toBe(a);
  });

  it('allows 20 force refreshes a day, then 45009', async () => {
    const m = mock();
    for (let i = 0; i < 20; i++) {
      expect((await stable(m, { force_refresh: true })).body.access_token).toBeDefined();
      m.control.advanceClock(30);
    }
    const r = (await stable(m, { force_refresh: true })).body;
    expect(r.errcode).toBe(45009);
    expect(r.errmsg).toMatch(/^reach max api daily quota limit rid: /);
    // Normal mode still answers.
    expect((await stable(m)).body.access_token).toBeDefined();
    m.control.advanceClock(86_400);
    expect((await stable(m, { force_refresh: true })).body.access_token).toBeDefined();
  });

  it('is isolated from getAccessToken: neither invalidates the other', async () => {
    const m = mock();
    const s = (await stable(m)).body.access_token;
    await get(m, '/cgi-bin/token', tokenQ());
    await get(m, '/cgi-bin/token', tokenQ());
    m.control.advanceClock(400);
    expect(await use(m, s)).toBe(0);
    const t = (await get(m, '/cgi-bin/token', tokenQ())).body.access_token;
    await stable(m, { force_refresh: true });
    expect(await use(m, t)).toBe(0);
  });

  it('reads a JSON body only: form-encoded gives 41002; GET gives 43002', async () => {
    const m = mock();
    const form = await post(m, '/cgi-bin/stable_token', `grant_type=client_credential&appid=${APPID}&secret=${SECRET}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(200);
    expect(form.body.errcode).toBe(41002);
    expect((await post(m, '/cgi-bin/stable_token', '{not json', { 'content-type': 'application/json' })).body.errcode).toBe(41002);
    expect((await get(m, '/cgi-bin/stable_token', tokenQ())).body.errcode).toBe(43002);
  });

  it.each([
    [{ appid: undefined }, 41002],
    [{ appid: 'wx0000000000000000' }, 40013],
    [{ secret: undefined }, 41004],
    [{ secret: 'wrong' }, 40125],
    [{ grant_type: 'password' }, 40002],
  ])('%o -> %i', async (over, errcode) => {
    const m = mock();
    expect((await stable(m, over)).body.errcode).toBe(errcode);
  });
});
