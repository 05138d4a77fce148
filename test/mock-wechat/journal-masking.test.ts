// The journal must never show the AppSecret (or a session key), whatever shape the request gives it: a repeated or
// upper-cased key, an array, a deeply nested JSON body, a matrix parameter in the path, or a value under an
// innocent name. Codes and tokens stay partly shown so a person can match a journal line to a log line.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { APPID, SECRET, mock, post } from './helpers.js';

type M = ReturnType<typeof mock>;

async function journalText(m: M): Promise<{ http: string; entries: Record<string, any>[] }> {
  const res = await m.app.inject('/__admin/journal');
  expect(res.statusCode).toBe(200);
  return { http: res.body, entries: res.json().entries };
}

async function expectNoSecret(m: M, ...also: string[]) {
  const { http } = await journalText(m);
  for (const s of [SECRET, ...also]) {
    expect(http).not.toContain(s);
    expect(JSON.stringify(m.control.journal())).not.toContain(s);
  }
}

describe('journal masking: query strings', () => {
  it.each([
    ['a repeated key', `secret=${SECRET}&secret=${SECRET}`],
    ['an upper-cased key', `SECRET=${SECRET}`],
    ['a mixed-case key', `SeCrEt=${SECRET}`],
    ['a bracketed array key', `secret[]=${SECRET}&secret[]=${SECRET}`],
    ['an indexed key', `secret[0]=${SECRET}`],
    ['a snake_case variant', `app_secret=${SECRET}`],
    ['a percent-encoded key', `%73ecret=${SECRET}`],
    ['a value under an innocent name', `note=${SECRET}`],
  ])('%s', async (_name, qs) => {
    const m = mock();
    await m.app.inject(`/sns/jscode2session?appid=${APPID}&${qs}&js_code=abcdefghijk&grant_type=authorization_code`);
    await m.app.inject(`/cgi-bin/token?grant_type=client_credential&appid=${APPID}&${qs}`);
    await m.app.inject(`/no/such/api?${qs}`);
    await expectNoSecret(m);
    const { entries } = await journalText(m);
    expect(entries).toHaveLength(3);
    for (const e of entries) expect(JSON.stringify(e.query)).toContain('***');
  });

  it('a repeated key is hidden as a whole, codes and tokens in arrays or any case stay partly shown', async () => {
    const m = mock();
    await m.app.inject(`/sns/jscode2session?secret=${SECRET}&secret=${SECRET}&JS_CODE=abcdefghijk&Access_Token=qwertyuiop1&access_token=zxcvbnmasdf`);
    const [e] = m.control.journal(1);
    expect(e!.query).toEqual({
      secret: '***',
      JS_CODE: 'abcdef***',
      Access_Token: 'qwerty***',
      access_token: 'zxcvbn***',
    });
  });
});

describe('journal masking: bodies', () => {
  const nested = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : { level: nested(depth - 1, leaf) });

  it.each([
    ['an array of secrets', { appid: APPID, secret: [SECRET, SECRET] }],
    ['secrets inside an array of objects', { list: [{ secret: SECRET }, { SECRET: SECRET }] }],
    ['a secret nested 6 deep', nested(6, { secret: SECRET })],
    ['a secret nested 40 deep', nested(40, { secret: SECRET })],
    ['an upper-cased key', { APPSECRET: SECRET }],
    ['a camelCase key', { appSecret: SECRET, sessionKey: 'c2Vzc2lvbmtleXNlc3Npb24=' }],
    ['an object under a secret key', { secret: { value: SECRET } }],
    ['a value under an innocent name', { note: `the secret is ${SECRET}` }],
  ])('%s', async (_name, body) => {
    const m = mock();
    await post(m, '/cgi-bin/stable_token', body);
    await post(m, '/wxa/business/getuserphonenumber?access_token=x', body);
    await post(m, '/no/such/api', body);
    await expectNoSecret(m, 'c2Vzc2lvbmtleXNlc3Npb24=');
    expect(m.control.journal()).toHaveLength(3);
  });

  it('deep bodies are summarised below a depth bound instead of walked or shown', async () => {
    const m = mock();
    await post(m, '/cgi-bin/stable_token', nested(40, { secret: SECRET, note: 'x' }));
    expect(JSON.stringify(m.control.journal(1)[0]!.body)).toContain('(nested too deep)');
  });

  it('form bodies: repeated and upper-cased keys hidden', async () => {
    const m = mock();
    await post(m, '/cgi-bin/stable_token', `appid=${APPID}&SECRET=${SECRET}&secret=${SECRET}&secret=${SECRET}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(m.control.journal(1)[0]!.body).toEqual({ appid: APPID, SECRET: '***', secret: ['***', '***'] });
    await expectNoSecret(m);
  });

  it('a large JSON body on an unknown path is summarised, not kept', async () => {
    const m = mock();
    await post(m, '/__client_typo/login', { user: 'alice', pad: 'x'.repeat(10_000) });
    expect(m.control.journal(1)[0]!.body).toBe('(2048 characters, not JSON)');
  });
});

describe('journal masking: the path', () => {
  it.each([
    ['a matrix parameter', `/sns/jscode2session;secret=${SECRET}`],
    ['an upper-cased matrix parameter', `/sns/jscode2session;SECRET=${SECRET};appid=${APPID}`],
    ['a percent-encoded key', `/cgi-bin/token;%73ecret=${SECRET}`],
    ['an encoded separator', `/cgi-bin/token%3Bsecret%3D${SECRET}`],
    ['a double-encoded separator', `/cgi-bin/token%253Bsecret%253D${SECRET}`],
    ['an ampersand in the path', `/cgi-bin/token&secret=${SECRET}`],
    ['the secret as a path segment', `/cgi-bin/${SECRET}/token`],
  ])('%s', async (_name, path) => {
    const m = mock();
    const res = await m.app.inject(`${path}?appid=${APPID}&grant_type=client_credential`);
    // The 40066 answer names the path, masked as well.
    expect(res.json().errcode).toBe(40066);
    expect(res.body).not.toContain(SECRET);
    await expectNoSecret(m);
    expect(m.control.journal(1)[0]!.path).toContain('***');
  });

  it('a matrix code keeps its first characters; an innocent path is shown as sent', async () => {
    const m = mock();
    await m.app.inject('/sns/jscode2session;js_code=abcdefghijkl');
    await m.app.inject('/sns/jscode2sesion');
    const [plain, code] = m.control.journal(2);
    expect(code!.path).toBe('/sns/jscode2session;js_code=abcdef***');
    expect(plain!.path).toBe('/sns/jscode2sesion');
  });

  it('admin and client 404 answers do not echo a secret in the path', async () => {
    const m = mock();
    for (const p of [`/__admin/apps;secret=${SECRET}`, `/__client/login;secret=${SECRET}`]) {
      const res = await m.app.inject({ method: 'POST', url: p, payload: {} });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(SECRET);
    }
  });

  it('log lines carry the path masked', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { app } = buildMockWechat({ seed: 1, logger: { level: 'info', stream } });
    try {
      await app.inject(`/sns/jscode2session;secret=${SECRET}?appid=${APPID}`);
      await app.inject(`/sns/jscode2session;SECRET=${SECRET}`);
      const all = lines.join('');
      expect(all).toContain('/sns/jscode2session;secret=***');
      expect(all).not.toContain(SECRET);
    } finally {
      await app.close();
    }
  });
});
