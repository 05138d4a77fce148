// TNWX (MiniProgramApi, AccessTokenApi, Kits). Its URLs are fixed to https://api.weixin.qq.com, but every request
// goes through HttpKit's delegate, which it lets you replace (`HttpKit.setHttpDelegate`, the HttpDelegate
// interface in @tnwx/kits). The delegate here is its own AxiosHttpKit with the host swapped for the mock's: the
// requests, their parsing and everything above them are TNWX's. Its config and token cache are process-wide
// statics (ApiConfigKit), so each operation installs a fresh config and an empty DefaultCache.
import { createRequire } from 'node:module';
import { check, textPlainAnswers, tokenAnswers40001, checkOpenData, expectErrcode, OPEN_DATA } from '../harness.mjs';

const require = createRequire(import.meta.url);
const { MiniProgramApi, Kits, HttpKit, AxiosHttpKit, ApiConfigKit, ApiConfig, DefaultCache, AccessTokenApi } = require('tnwx');

const WECHAT = 'https://api.weixin.qq.com';

class MockHostHttpKit extends AxiosHttpKit {
  constructor(base) {
    super();
    this.base = base;
  }
  to(url) {
    if (!url.startsWith(`${WECHAT}/`)) throw new Error(`TNWX asked for ${url}, not a WeChat API URL`);
    return this.base + url.slice(WECHAT.length);
  }
  httpGet(url, options) {
    return super.httpGet(this.to(url), options);
  }
  httpPost(url, data, options) {
    return super.httpPost(this.to(url), data, options);
  }
}

function setUp(mock, secret = mock.secret) {
  HttpKit.setHttpDelegate = new MockHostHttpKit(mock.url);
  ApiConfigKit.setCache = new DefaultCache();
  ApiConfigKit.putApiConfig(new ApiConfig(mock.appid, secret, 'interop-token'));
  ApiConfigKit.setCurrentAppId(mock.appid);
}

async function session(mock) {
  setUp(mock);
  return MiniProgramApi.code2Session(mock.appid, mock.secret, mock.code());
}

/** TNWX's own AES-128-CBC helper, as its mini-program examples decrypt with: Kits.aes128cbcDecrypt(key, iv, data). */
const decrypt = (kind) => ({
  via: '`Kits.aes128cbcDecrypt(key, iv, encryptedData)`',
  async run(mock) {
    const { session_key: sessionKey } = await session(mock);
    const r = mock.client(OPEN_DATA[kind]);
    const text = Kits.aes128cbcDecrypt(Buffer.from(sessionKey, 'base64'), Buffer.from(r.iv, 'base64'), r.encryptedData);
    checkOpenData(kind, JSON.parse(text), mock);
  },
});

const notOffered = (why) => ({ offered: false, why });

export default {
  name: 'tnwx',
  pointedBy: 'its HttpKit delegate (AxiosHttpKit with the host swapped)',
  ops: {
    code2Session: {
      via: '`MiniProgramApi.code2Session(appId, secret, code)`',
      async run(mock) {
        const r = await session(mock);
        check(r.openid === mock.openid() && r.session_key === mock.sessionKey(), `unexpected answer ${JSON.stringify(r)}`);
      },
    },
    decryptUserInfo: decrypt('userInfo'),
    decryptPhone: decrypt('phone'),
    decryptWeRun: decrypt('weRun'),
    decryptShare: decrypt('share'),
    signature: {
      via: '`Kits.sha1(rawData + sessionKey)`',
      async run(mock) {
        const { session_key: sessionKey } = await session(mock);
        const r = mock.client('getUserInfo');
        check(Kits.sha1(r.rawData + sessionKey) === r.signature, 'the signature does not match');
      },
    },
    accessToken: {
      via: '`AccessTokenApi.getAccessToken()`',
      async run(mock) {
        setUp(mock);
        const token = await AccessTokenApi.getAccessToken();
        check(typeof token.getAccessToken === 'string' && token.getAccessToken.length > 0, `answered ${JSON.stringify(token)}`);
      },
    },
    stableToken: notOffered('only cgi-bin/token'),
    phoneByCode: notOffered('no getuserphonenumber call'),
    checkSession: {
      via: "`MiniProgramApi.checkSessionKey(openId, Kits.hmacsha256('', sessionKey), 'hmac_sha256')`",
      async run(mock) {
        const { session_key: sessionKey, openid } = await session(mock);
        const r = await MiniProgramApi.checkSessionKey(openid, Kits.hmacsha256('', sessionKey), 'hmac_sha256');
        check(r.errcode === 0, `answered ${JSON.stringify(r)}`);
      },
    },
    resetSessionKey: notOffered('no resetusersessionkey call'),
    err40163: {
      async run(mock) {
        setUp(mock);
        const code = mock.code();
        await MiniProgramApi.code2Session(mock.appid, mock.secret, code);
        await expectErrcode(40163, () => MiniProgramApi.code2Session(mock.appid, mock.secret, code));
      },
    },
    err40029: {
      async run(mock) {
        setUp(mock);
        await expectErrcode(40029, () => MiniProgramApi.code2Session(mock.appid, mock.secret, 'not-a-code-from-wx-login'));
      },
    },
    err40125: {
      async run(mock) {
        const wrong = 'wrongsecret00000000000000000000b';
        setUp(mock, wrong);
        await expectErrcode(40125, () => MiniProgramApi.code2Session(mock.appid, wrong, mock.code()));
        // getAccessToken hands back an AccessToken object holding the errcode (it does not throw).
        const token = await AccessTokenApi.getAccessToken();
        check(token.getErrCode === 40125, `getAccessToken gave errcode ${token.getErrCode}`);
      },
    },
    faultMinus1: {
      async run(mock) {
        setUp(mock);
        mock.fault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1 });
        await expectErrcode(-1, () => MiniProgramApi.code2Session(mock.appid, mock.secret, mock.code()));
      },
    },
    textPlain: {
      async run(mock) {
        setUp(mock);
        await textPlainAnswers(mock, (code) => MiniProgramApi.code2Session(mock.appid, mock.secret, code));
      },
    },
    tokenErr40001: {
      async run(mock) {
        setUp(mock);
        // getAccessToken hands back an AccessToken object holding the errcode (it does not throw).
        await tokenAnswers40001(mock, async () => ({ errcode: (await AccessTokenApi.getAccessToken()).getErrCode }));
      },
    },
    refresh40001: {
      offered: false,
      why: 'no refresh: 40001 goes back to the caller',
      refreshes: 0,
      async run(mock) {
        const { session_key: sessionKey, openid } = await session(mock);
        await AccessTokenApi.getAccessToken();
        mock.fault({ endpoint: '/wxa/checksession', kind: 'errcode', errcode: 40001 });
        mock.markJournal();
        const r = await MiniProgramApi.checkSessionKey(openid, Kits.hmacsha256('', sessionKey), 'hmac_sha256');
        return { refreshes: mock.since(['/cgi-bin/token', '/cgi-bin/stable_token']).length, errcode: r?.errcode };
      },
    },
  },
};
