// node-easywechat (MiniApp), pointed at the mock by its own `http.baseURL` setting (axios request config, README
// "配置项示例"). Its access token is cached in memory through its documented CacheInterface, not in ./cache/.
import { createRequire } from 'node:module';
import { check, textPlainAnswers, tokenAnswers40001, checkOpenData, expectErrcode, loginStateSignature, OPEN_DATA } from '../harness.mjs';

const require = createRequire(import.meta.url);
const { MiniApp, CacheInterface } = require('node-easywechat');

class MemoryCache extends CacheInterface {
  #m = new Map();
  async get(key) {
    return this.#m.get(key) ?? null;
  }
  async has(key) {
    return this.#m.has(key);
  }
  async set(key, data = null) {
    this.#m.set(key, data);
    return true;
  }
  async delete(key) {
    return this.#m.delete(key);
  }
}

function miniApp(mock, extra = {}) {
  const app = new MiniApp({ app_id: mock.appid, secret: mock.secret, http: { baseURL: `${mock.url}/` }, ...extra });
  app.setCache(new MemoryCache());
  return app;
}

const decrypt = (kind) => ({
  via: '`getUtils().decryptSession(sessionKey, iv, encryptedData)`',
  async run(mock) {
    const app = miniApp(mock);
    const { session_key: sessionKey } = await app.getUtils().codeToSession(mock.code());
    const r = mock.client(OPEN_DATA[kind]);
    checkOpenData(kind, app.getUtils().decryptSession(sessionKey, r.iv, r.encryptedData), mock);
  },
});

/** checksession / resetusersessionkey: its API client adds the access token; the signature is the test's. */
const loginStateCall = (path, verify) => ({
  via: '`getClient().get(path, {params})` (its API client adds the token; the signature is computed by the test: no helper)',
  async run(mock) {
    const app = miniApp(mock);
    await app.getUtils().codeToSession(mock.code());
    const params = { openid: mock.openid(), signature: loginStateSignature(mock.sessionKey()), sig_method: 'hmac_sha256' };
    const body = (await app.getClient().get(path, { params })).toObject();
    check(body.errcode === 0, `${path} answered ${JSON.stringify(body)}`);
    verify?.(body, mock);
  },
});

export default {
  name: 'node-easywechat',
  pointedBy: '`http.baseURL` in its config',
  ops: {
    code2Session: {
      via: '`getUtils().codeToSession(code)`',
      async run(mock) {
        const r = await miniApp(mock).getUtils().codeToSession(mock.code());
        check(r.openid === mock.openid() && r.session_key === mock.sessionKey(), `unexpected answer ${JSON.stringify(r)}`);
      },
    },
    decryptUserInfo: decrypt('userInfo'),
    decryptPhone: decrypt('phone'),
    decryptWeRun: decrypt('weRun'),
    decryptShare: decrypt('share'),
    signature: { offered: false, why: 'no rawData signature helper' },
    accessToken: {
      via: '`getAccessToken().getToken()`',
      async run(mock) {
        const token = await miniApp(mock).getAccessToken().getToken();
        check(typeof token === 'string' && token.length > 0, 'no token');
        check(mock.since(['/cgi-bin/token']).length === 1, 'not fetched from cgi-bin/token');
      },
    },
    stableToken: {
      via: '`use_stable_access_token: true` + `getAccessToken().getToken()`',
      async run(mock) {
        const token = await miniApp(mock, { use_stable_access_token: true }).getAccessToken().getToken();
        check(typeof token === 'string' && token.length > 0, 'no token');
        check(mock.since(['/cgi-bin/stable_token']).length === 1, 'not fetched from cgi-bin/stable_token');
      },
    },
    phoneByCode: {
      via: "`getClient().postJson('wxa/business/getuserphonenumber', {code})`",
      async run(mock) {
        const { code } = mock.client('getPhoneNumber');
        const body = (await miniApp(mock).getClient().postJson('wxa/business/getuserphonenumber', { code })).toObject();
        check(body.errcode === 0 && /^\d+$/.test(body.phone_info?.purePhoneNumber ?? ''), `answered ${JSON.stringify(body)}`);
      },
    },
    checkSession: loginStateCall('wxa/checksession'),
    resetSessionKey: loginStateCall('wxa/resetusersessionkey', (body, mock) => {
      check(body.openid === mock.openid() && body.session_key === mock.sessionKey(), 'the answer is not the new key');
    }),
    err40163: {
      async run(mock) {
        const app = miniApp(mock);
        const code = mock.code();
        await app.getUtils().codeToSession(code);
        await expectErrcode(40163, () => app.getUtils().codeToSession(code));
      },
    },
    err40029: {
      run: (mock) => expectErrcode(40029, () => miniApp(mock).getUtils().codeToSession('not-a-code-from-wx-login')),
    },
    err40125: {
      async run(mock) {
        const app = miniApp(mock, { secret: 'wrongsecret00000000000000000000b' });
        await expectErrcode(40125, () => app.getUtils().codeToSession(mock.code()));
        await expectErrcode(40125, () => app.getAccessToken().getToken());
      },
    },
    faultMinus1: {
      async run(mock) {
        mock.fault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1 });
        await expectErrcode(-1, () => miniApp(mock).getUtils().codeToSession(mock.code()));
      },
    },
    textPlain: { run: (mock) => textPlainAnswers(mock, (code) => miniApp(mock).getUtils().codeToSession(code)) },
    tokenErr40001: {
      run: (mock) => tokenAnswers40001(mock, () => miniApp(mock).getAccessToken().getToken()),
    },
    refresh40001: {
      offered: false,
      why: 'no refresh: 40001 goes back to the caller',
      refreshes: 0,
      // Measured anyway, so the table's "no refresh" is a fact: one 40001, zero token calls after it.
      async run(mock) {
        const app = miniApp(mock);
        await app.getAccessToken().getToken();
        mock.fault({ endpoint: '/wxa/business/getuserphonenumber', kind: 'errcode', errcode: 40001 });
        mock.markJournal();
        const { code } = mock.client('getPhoneNumber');
        let body;
        try {
          body = (await app.getClient().postJson('wxa/business/getuserphonenumber', { code })).toObject();
        } catch (err) {
          body = err;
        }
        return { refreshes: mock.since(['/cgi-bin/token', '/cgi-bin/stable_token']).length, errcode: body?.errcode };
      },
    },
  },
};
