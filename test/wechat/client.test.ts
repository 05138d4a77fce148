// The WeChat client against a tiny local upstream on a real port: faults are scripted per test.
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWechatClient, parseBody, WechatError, type WechatClientOptions } from '../../src/wechat/index.js';

type Step = { status?: number; body?: string; type?: string; delayMs?: number; drop?: boolean };
let script: Step[] = [];
let calls: { url: string; method: string; body: unknown }[] = [];
let upstream: FastifyInstance;
let base = '';
const dispatcher = new Agent({ keepAliveTimeout: 1000 });

beforeAll(async () => {
  upstream = Fastify();
  upstream.all('/*', async (req, reply) => {
    calls.push({ url: req.url, method: req.method, body: req.body });
    const step = script.shift() ?? { body: '{"errcode":-2,"errmsg":"script exhausted"}' };
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (step.drop) {
      req.raw.socket.destroy();
      return reply;
    }
    return reply.status(step.status ?? 200).type(step.type ?? 'application/json').send(step.body ?? '{}');
  });
  base = await upstream.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await upstream.close();
  await dispatcher.close();
});
beforeEach(() => {
  script = [];
  calls = [];
});

const sleeps: number[] = [];
const client = (o: Partial<WechatClientOptions> = {}) =>
  createWechatClient({
    baseUrl: base,
    appId: 'wx1234567890abcdef',
    appSecret: 'mocksecret000000000000000000000a',
    dispatcher,
    // Generous: only the timeout test wants a deadline to fire. A short one here raced the tests that send large
    // or dropped answers whenever the worker's event loop stalled (a full suite on 2 cores): the timer won, the
    // attempt counted as a timeout and was retried.
    timeoutMs: 10_000,
    retries: 2,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...o,
  });
const OK = '{"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE"}';

async function failure(p: Promise<unknown>): Promise<WechatError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WechatError);
    return err as WechatError;
  }
  throw new Error('did not fail');
}

describe('code2Session', () => {
  it('sends exactly the four documented query parameters with GET', async () => {
    script = [{ body: OK }];
    expect(await client().code2Session('0716AVll20uHk94SLDml27etM946AVlq')).toEqual({
      openid: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
      sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
    });
    const u = new URL(calls[0]!.url, base);
    expect(calls[0]!.method).toBe('GET');
    expect(u.pathname).toBe('/sns/jscode2session');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      appid: 'wx1234567890abcdef',
      secret: 'mocksecret000000000000000000000a',
      js_code: '0716AVll20uHk94SLDml27etM946AVlq',
      grant_type: 'authorization_code',
    });
  });
  it('parses JSON sent as text/plain, keeps unionid, ignores the legacy expires_in', async () => {
    script = [{ type: 'text/plain', body: '{"session_key":"D1ZWEygStjuLCnZ9IN2l4Q==","expires_in":7200,"openid":"o16wA0b4AZKzgVJR3MBwoUdTfU_E","unionid":"or4zX05h_Ykt4ju0TUfx3CQsvfTo"}' }];
    expect(await client().code2Session('c')).toEqual({
      openid: 'o16wA0b4AZKzgVJR3MBwoUdTfU_E',
      sessionKey: 'D1ZWEygStjuLCnZ9IN2l4Q==',
      unionid: 'or4zX05h_Ykt4ju0TUfx3CQsvfTo',
    });
  });
  it('business errcodes come back typed and are never retried (40029, 40163, 45011)', async () => {
    for (const [code, msg] of [[40029, 'invalid code, rid: 66c69111-4157f271-729ca238'], [40163, 'code been used, rid: 6166f719-6cb5d09c-633ab469'], [45011, 'api minute-quota reach limit']] as const) {
      calls = [];
      script = [{ type: 'text/plain', body: JSON.stringify({ errcode: code, errmsg: msg }) }, { body: OK }];
      const e = await failure(client().code2Session('c'));
      expect(e.errcode).toBe(code);
      expect(e.errmsg).toBe(msg);
      expect(e.kind).toBe('business');
      expect(calls).toHaveLength(1);
    }
  });
  it('retries -1 with backoff, then succeeds', async () => {
    sleeps.length = 0;
    script = [{ body: '{"errcode":-1,"errmsg":"system error"}' }, { body: '{"errcode":-1,"errmsg":"system error"}' }, { body: OK }];
    expect((await client().code2Session('c')).openid).toBe('oGZUI0egBJY1zhBYw2KhdUfwVJJE');
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([75, 150]);
  });
  it('retries 5xx and gives up after the bounded number of attempts', async () => {
    script = [{ status: 502, body: '<html>bad gateway</html>', type: 'text/html' }, { status: 503 }, { status: 500 }, { body: OK }];
    const e = await failure(client().code2Session('c'));
    expect(e.kind).toBe('unavailable');
    expect(e.status).toBe(500);
    expect(calls).toHaveLength(3);
    expect(e.message).not.toContain('mocksecret');
  });
  it('retries a dropped connection', async () => {
    script = [{ drop: true }, { body: OK }];
    expect((await client().code2Session('c')).openid).toBe('oGZUI0egBJY1zhBYw2KhdUfwVJJE');
    expect(calls).toHaveLength(2);
  });
  it('times out a slow answer and reports unavailable', async () => {
    script = [{ delayMs: 400, body: OK }, { delayMs: 400, body: OK }];
    const e = await failure(client({ retries: 1, timeoutMs: 100 }).code2Session('c'));
    expect(e.kind).toBe('unavailable');
    // Each attempt was cut by the deadline (not answered late): the error names it.
    expect(e.errmsg).toMatch(/timed out after 100 ms/);
    expect(calls).toHaveLength(2);
  });
  it('an unreachable host is unavailable, not a crash', async () => {
    const e = await failure(client({ baseUrl: 'http://127.0.0.1:1', retries: 1 }).code2Session('c'));
    expect(e.kind).toBe('unavailable');
    expect(e.errcode).toBe(-1);
    expect(e.message).toMatch(/ECONNREFUSED/);
  });
  it('an oversized answer is refused as bad_response, not buffered or retried', async () => {
    script = [{ body: `{"pad":"${'x'.repeat(2 << 20)}"}` }, { body: OK }];
    const e = await failure(client().code2Session('c'));
    expect(e.kind).toBe('bad_response');
    expect(e.errmsg).toMatch(/larger than/);
    expect(calls).toHaveLength(1);
  });
  it('non-JSON 200, a 404, or a reply without session_key is bad_response', async () => {
    script = [{ type: 'text/plain', body: 'hello' }];
    expect((await failure(client().code2Session('c'))).kind).toBe('bad_response');
    script = [{ status: 404 }];
    expect((await failure(client().code2Session('c'))).status).toBe(404);
    script = [{ body: '{"openid":"o"}' }];
    expect((await failure(client().code2Session('c'))).kind).toBe('bad_response');
    expect(() => parseBody('/x', '[1]')).toThrow(WechatError);
  });
});

describe('other endpoints', () => {
  it('getAccessToken and stable_token', async () => {
    script = [{ body: '{"access_token":"AT1","expires_in":7200}' }, { body: '{"access_token":"AT2","expires_in":7200}' }];
    expect(await client().getAccessToken()).toEqual({ accessToken: 'AT1', expiresIn: 7200 });
    expect(new URL(calls[0]!.url, base).searchParams.get('grant_type')).toBe('client_credential');
    expect(await client().getStableAccessToken()).toEqual({ accessToken: 'AT2', expiresIn: 7200 });
    expect(calls[1]!.method).toBe('POST');
    expect(calls[1]!.body).toEqual({ grant_type: 'client_credential', appid: 'wx1234567890abcdef', secret: 'mocksecret000000000000000000000a', force_refresh: false });
  });
  it('checkSessionKey signs the empty string with the session_key text', async () => {
    script = [{ body: '{"errcode":0,"errmsg":"ok"}' }, { body: '{"errcode":87009,"errmsg":"invalid signature rid: 6552e3da-6397437b-3f0d4f01"}' }];
    await client().checkSessionKey({ accessToken: 'AT', openid: 'o1', sessionKey: 'o0q0otL8aEzpcZL/FT9WsQ==' });
    const p = new URL(calls[0]!.url, base).searchParams;
    expect(p.get('signature')).toBe('46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128');
    expect(p.get('sig_method')).toBe('hmac_sha256');
    expect((await failure(client().checkSessionKey({ accessToken: 'AT', openid: 'o1', sessionKey: 'x' }))).errcode).toBe(87009);
  });
  it('getPhoneNumber posts {code} with the token in the URL; countryCode becomes a string', async () => {
    script = [{ body: '{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":86,"watermark":{"timestamp":1637744274,"appid":"wx1234567890abcdef"}}}' }];
    const info = await client().getPhoneNumber({ accessToken: 'AT', code: 'e31968a7' });
    expect(info).toEqual({ phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { appid: 'wx1234567890abcdef', timestamp: 1637744274 } });
    expect(calls[0]!.body).toEqual({ code: 'e31968a7' });
    expect(new URL(calls[0]!.url, base).searchParams.get('access_token')).toBe('AT');
    script = [{ body: '{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}' }];
    expect((await failure(client().getPhoneNumber({ accessToken: 'AT', code: 'x' }))).errcode).toBe(40001);
  });
});
