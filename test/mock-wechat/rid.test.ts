import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, SECRET, T0, accessToken, exchange, get, mock, post, type Mock } from './helpers.js';

const URL = '/cgi-bin/openapi/rid/get';
const ridOf = (errmsg: string) => errmsg.slice(errmsg.lastIndexOf(' rid: ') + 6);
const lookup = (m: Mock, token: string | undefined, body: unknown) => post(m, token === undefined ? URL : `${URL}?access_token=${token}`, body);

describe('getRidInfo: POST /cgi-bin/openapi/rid/get', () => {
  it('gives the request behind a rid the mock issued', async () => {
    const m = mock();
    const token = await accessToken(m);
    const failed = await post(m, `/wxa/business/getuserphonenumber?access_token=${token}`, { code: 'nope' });
    expect(failed.body.errcode).toBe(40029);
    const rid = ridOf(failed.body.errmsg);
    m.control.advanceClock(60);
    const r = await lookup(m, token, { rid });
    expect(r.body).toEqual({
      errcode: 0,
      errmsg: 'ok',
      request: {
        invoke_time: T0 / 1000,
        cost_in_ms: expect.any(Number),
        request_url: `access_token=${token.slice(0, 6)}xxxx`,
        request_body: '{"code":"nope"}',
        response_body: JSON.stringify(failed.body),
        client_ip: '127.0.0.1',
      },
    });
  });

  it('covers jscode2session, cgi-bin/token and scripted faults, with the secret cut short', async () => {
    const m = mock();
    const token = await accessToken(m);
    const login = await exchange(m, 'not-a-code');
    const tok = await get(m, '/cgi-bin/token', { grant_type: 'client_credential', appid: APPID, secret: 'wrong-secret' });
    m.control.addFault({ endpoint: '/wxa/checksession', kind: 'errcode', errcode: 45011 });
    const faulted = await get(m, '/wxa/checksession', { access_token: token });
    for (const failed of [login, tok, faulted]) {
      const r = await lookup(m, token, { rid: ridOf(failed.body.errmsg) });
      expect(r.body.errcode).toBe(0);
      expect(JSON.parse(r.body.request.response_body)).toEqual(failed.body);
      expect(r.body.request.request_url).not.toContain(SECRET);
      expect(r.body.request.request_url).not.toContain('wrong-secret');
    }
    expect((await lookup(m, token, { rid: ridOf(tok.body.errmsg) })).body.request.request_url).toBe(
      `grant_type=client_credential&appid=${APPID}&secret=wrong-xxxx`,
    );
  });

  it('rids live 7 days: at 7 days less 1 ms yes, at 7 days 76001', async () => {
    const m = mock();
    const failed = await exchange(m, 'not-a-code');
    const rid = ridOf(failed.body.errmsg);
    m.control.advanceClock(7 * 86_400 - 0.001);
    const token = await accessToken(m);
    expect((await lookup(m, token, { rid })).body.errcode).toBe(0);
    m.control.advanceClock(0.001);
    const gone = await lookup(m, token, { rid });
    expect(gone.body.errcode).toBe(76001);
    expect(RID_RE.exec(gone.body.errmsg)![1]).toBe('rid not found, please check');
  });

  it('76001 for a rid never issued, 76002 for an empty or malformed one, 76003 for another app\'s', async () => {
    const B = 'wx00000000000000b2';
    const SB = 'secret-b-000000000000000000000000';
    const m = mock({ apps: [{ appid: APPID, secret: SECRET }, { appid: B, secret: SB }] });
    const token = await accessToken(m);
    expect((await lookup(m, token, { rid: '655386a0-00000000-00000000' })).body.errcode).toBe(76001);
    for (const rid of [undefined, '', 'abc', 7, '655386A0-00000000-00000000']) {
      expect((await lookup(m, token, { rid })).body.errcode).toBe(76002);
    }
    const failedB = await exchange(m, 'not-a-code', { appid: B, secret: SB });
    expect((await lookup(m, token, { rid: ridOf(failedB.body.errmsg) })).body.errcode).toBe(76003);
    const tokenB = await accessToken(m, B, SB);
    expect((await lookup(m, tokenB, { rid: ridOf(failedB.body.errmsg) })).body.errcode).toBe(0);
    // A call that named no known app: any app may look.
    const noApp = await get(m, '/cgi-bin/token', { grant_type: 'client_credential', appid: 'wxnope', secret: 'x' });
    expect((await lookup(m, tokenB, { rid: ridOf(noApp.body.errmsg) })).body.errcode).toBe(0);
  });

  it('checks the token and the body: 41001, 44002, 47001', async () => {
    const m = mock();
    expect((await lookup(m, undefined, { rid: 'x' })).body.errcode).toBe(41001);
    const token = await accessToken(m);
    expect((await lookup(m, token, '')).body.errcode).toBe(44002);
    expect((await lookup(m, token, '{')).body.errcode).toBe(47001);
  });

  it('its own refusals have rids that can be looked up too', async () => {
    const m = mock();
    const token = await accessToken(m);
    const miss = await lookup(m, token, { rid: '655386a0-00000000-00000000' });
    const r = await lookup(m, token, { rid: ridOf(miss.body.errmsg) });
    expect(r.body.errcode).toBe(0);
    expect(JSON.parse(r.body.request.request_body)).toEqual({ rid: '655386a0-00000000-00000000' });
  });

  it('reset forgets rids; a scripted fault hits the endpoint', async () => {
    const m = mock();
    const failed = await exchange(m, 'not-a-code');
    m.control.reset();
    const token = await accessToken(m);
    expect((await lookup(m, token, { rid: ridOf(failed.body.errmsg) })).body.errcode).toBe(76001);
    m.control.addFault({ endpoint: URL, kind: 'errcode', errcode: -1 });
    expect((await lookup(m, token, { rid: ridOf(failed.body.errmsg) })).body.errcode).toBe(-1);
  });
});
