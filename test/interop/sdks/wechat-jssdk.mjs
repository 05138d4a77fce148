// wechat-jssdk: its MiniProgram class, pointed at the mock by its own `miniProgram.GET_SESSION_KEY_URL` setting, and
// its JSSDK class (the only one that fetches an access token) by `accessTokenUrl` (lib/config.js lists both). Both
// get the in-memory Store without its flush timer (`noInterval`), not the default FileStore that writes a file.
import { createRequire } from 'node:module';
import { check, textPlainAnswers, tokenAnswers40001, checkOpenData, expectErrcode, OPEN_DATA } from '../harness.mjs';

const require = createRequire(import.meta.url);
const { MiniProgram, JSSDK, Store } = require('wechat-jssdk');

function miniProgram(mock, secret = mock.secret) {
  return new MiniProgram({
    miniProgram: { appId: mock.appid, appSecret: secret, GET_SESSION_KEY_URL: `${mock.url}/sns/jscode2session` },
    store: new Store({ noInterval: true }),
  });
}

const decrypt = (kind) => ({
  via: '`decryptData(encryptedData, iv, sessionKey)`',
  async run(mock) {
    const mp = miniProgram(mock);
    const { session_key: sessionKey } = await mp.getSession(mock.code());
    const r = mock.client(OPEN_DATA[kind]);
    checkOpenData(kind, await mp.decryptData(r.encryptedData, r.iv, sessionKey), mock);
  },
});

const notOffered = (why) => ({ offered: false, why });

export default {
  name: 'wechat-jssdk',
  pointedBy: '`miniProgram.GET_SESSION_KEY_URL` and `accessTokenUrl` in its config',
  ops: {
    code2Session: {
      via: '`MiniProgram#getSession(code)`',
      async run(mock) {
        const r = await miniProgram(mock).getSession(mock.code());
        check(r.openid === mock.openid() && r.session_key === mock.sessionKey(), `unexpected answer ${JSON.stringify(r)}`);
      },
    },
    decryptUserInfo: decrypt('userInfo'),
    decryptPhone: decrypt('phone'),
    decryptWeRun: decrypt('weRun'),
    decryptShare: decrypt('share'),
    signature: {
      via: '`MiniProgram#verifySignature(rawData, signature, sessionKey)`',
      async run(mock) {
        const mp = miniProgram(mock);
        const { session_key: sessionKey } = await mp.getSession(mock.code());
        const r = mock.client('getUserInfo');
        await mp.verifySignature(r.rawData, r.signature, sessionKey);
        // And it must refuse a signature that does not match.
        let refused = false;
        await mp.verifySignature(r.rawData, r.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')), sessionKey).catch(() => (refused = true));
        check(refused, 'accepted a wrong signature');
      },
    },
    accessToken: {
      via: '`JSSDK#getAccessToken()`',
      async run(mock) {
        const jssdk = new JSSDK({
          appId: mock.appid,
          appSecret: mock.secret,
          accessTokenUrl: `${mock.url}/cgi-bin/token`,
          store: new Store({ noInterval: true }),
        });
        const r = await jssdk.getAccessToken();
        check(typeof r.access_token === 'string' && r.expires_in > 0, `answered ${JSON.stringify(r)}`);
      },
    },
    stableToken: notOffered('only cgi-bin/token'),
    phoneByCode: notOffered('no getuserphonenumber call'),
    checkSession: notOffered('no checksession call'),
    resetSessionKey: notOffered('no resetusersessionkey call'),
    err40163: {
      async run(mock) {
        const mp = miniProgram(mock);
        const code = mock.code();
        await mp.getSession(code);
        await expectErrcode(40163, () => mp.getSession(code));
      },
    },
    err40029: { run: (mock) => expectErrcode(40029, () => miniProgram(mock).getSession('not-a-code-from-wx-login')) },
    err40125: {
      run: (mock) => expectErrcode(40125, () => miniProgram(mock, 'wrongsecret00000000000000000000b').getSession(mock.code())),
    },
    faultMinus1: {
      async run(mock) {
        mock.fault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1 });
        await expectErrcode(-1, () => miniProgram(mock).getSession(mock.code()));
      },
    },
    textPlain: { run: (mock) => textPlainAnswers(mock, (code) => miniProgram(mock).getSession(code)) },
    tokenErr40001: {
      run: (mock) =>
        tokenAnswers40001(mock, () =>
          new JSSDK({ appId: mock.appid, appSecret: mock.secret, accessTokenUrl: `${mock.url}/cgi-bin/token`, store: new Store({ noInterval: true }) }).getAccessToken(),
        ),
    },
    refresh40001: notOffered('its mini-program calls take no access token'),
  },
};
