// co-wechat-api: an Official Account SDK whose only mini-program login call is code2Session. It keeps its WeChat
// URLs in instance fields set by the constructor (`prefix`, `snsPrefix`, `wxaPrefix`, lib/api_common.js): each is
// pointed at the mock. Its token refresh on 40001/42001 lives in `request`, which every token-taking call goes
// through; none of its own calls reaches a token-taking endpoint the mock serves, so the refresh is driven through
// its documented extension point, API.mixin, with a checksession call written the way its own mixins are.
import { createRequire } from 'node:module';
import { check, textPlainAnswers, tokenAnswers40001, expectErrcode, loginStateSignature } from '../harness.mjs';

const require = createRequire(import.meta.url);
const API = require('co-wechat-api');

API.mixin({
  async interopCheckSession(openid, signature) {
    const { accessToken } = await this.ensureAccessToken();
    const q = new URLSearchParams({ access_token: accessToken, openid, signature, sig_method: 'hmac_sha256' });
    return this.request(`${this.wxaPrefix}checksession?${q}`);
  },
});

function api(mock, secret = mock.secret) {
  const a = new API(mock.appid, secret);
  a.prefix = `${mock.url}/cgi-bin/`;
  a.snsPrefix = `${mock.url}/sns/`;
  a.wxaPrefix = `${mock.url}/wxa/`;
  return a;
}

const notOffered = (why) => ({ offered: false, why });

export default {
  name: 'co-wechat-api',
  pointedBy: 'its `prefix`, `snsPrefix` and `wxaPrefix` fields',
  ops: {
    code2Session: {
      via: '`api.code2Session(code)`',
      async run(mock) {
        const r = await api(mock).code2Session(mock.code());
        check(r.openid === mock.openid() && r.session_key === mock.sessionKey(), `unexpected answer ${JSON.stringify(r)}`);
      },
    },
    decryptUserInfo: notOffered('no open-data decryption'),
    decryptPhone: notOffered('no open-data decryption'),
    decryptWeRun: notOffered('no open-data decryption'),
    decryptShare: notOffered('no open-data decryption'),
    signature: notOffered('no rawData signature helper'),
    accessToken: {
      via: '`api.getAccessToken()`',
      async run(mock) {
        const t = await api(mock).getAccessToken();
        check(typeof t.accessToken === 'string' && t.isValid(), `answered ${JSON.stringify(t)}`);
      },
    },
    stableToken: notOffered('only cgi-bin/token'),
    phoneByCode: notOffered('no getuserphonenumber call'),
    checkSession: notOffered('no checksession call'),
    resetSessionKey: notOffered('no resetusersessionkey call'),
    err40163: {
      async run(mock) {
        const a = api(mock);
        const code = mock.code();
        await a.code2Session(code);
        await expectErrcode(40163, () => a.code2Session(code));
      },
    },
    err40029: { run: (mock) => expectErrcode(40029, () => api(mock).code2Session('not-a-code-from-wx-login')) },
    err40125: {
      async run(mock) {
        const a = api(mock, 'wrongsecret00000000000000000000b');
        await expectErrcode(40125, () => a.code2Session(mock.code()));
        await expectErrcode(40125, () => a.getAccessToken());
      },
    },
    faultMinus1: {
      async run(mock) {
        mock.fault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1 });
        await expectErrcode(-1, () => api(mock).code2Session(mock.code()));
      },
    },
    textPlain: { run: (mock) => textPlainAnswers(mock, (code) => api(mock).code2Session(code)) },
    tokenErr40001: {
      known: 'SDK quirk: its refresh-on-40001 also fires on cgi-bin/token itself and recurses without a bound',
      run: (mock) => tokenAnswers40001(mock, () => api(mock).getAccessToken()),
    },
    refresh40001: {
      via: 'its `request()` refresh, through an `API.mixin` checksession call',
      refreshes: 1,
      async run(mock) {
        const a = api(mock);
        await a.code2Session(mock.code());
        await a.ensureAccessToken();
        mock.fault({ endpoint: '/wxa/checksession', kind: 'errcode', errcode: 40001 });
        mock.markJournal();
        const r = await a.interopCheckSession(mock.openid(), loginStateSignature(mock.sessionKey()));
        check(r.errcode === 0, `the retried call answered ${JSON.stringify(r)}`);
        const calls = mock.since(['/wxa/checksession']).map((e) => e.errcode ?? 0);
        check(calls.join() === '40001,0', `checksession answers ${calls.join()}, expected 40001 then 0`);
        return { refreshes: mock.since(['/cgi-bin/token', '/cgi-bin/stable_token']).length };
      },
    },
  },
};
