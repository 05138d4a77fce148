// The mock for the interop suite: wxlogin's mock WeChat, started in this process on a free loopback port, and the
// few things an SDK's operation needs from it: fresh wx.login codes, the client simulator's encrypted data, scripted
// faults and a count of the token calls in the journal. The SDKs only ever see its URL.
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MOCK_ENTRY = new URL('../../dist/mock-wechat/index.js', import.meta.url);

/** Seed for the mock's users, codes and keys: the same world every run. */
export const SEED = 'interop';
/** The user every operation logs in as (one of the mock's default users). */
export const USER = 'alice';
/** The paths that hand out access tokens: a call to one of them is a token refresh. */
export const TOKEN_PATHS = ['/cgi-bin/token', '/cgi-bin/stable_token'];

export async function startMock() {
  if (!existsSync(MOCK_ENTRY)) {
    throw new Error(`${fileURLToPath(MOCK_ENTRY)} is missing: build wxlogin first (npx tsc -p tsconfig.json in the repository root)`);
  }
  const { buildMockWechat } = await import(MOCK_ENTRY.href);
  const { app, control } = buildMockWechat({ logger: false, seed: SEED });
  const url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  const { appid, secret } = control.apps()[0];
  let mark = 0;
  const lastId = () => control.journal(1)[0]?.id ?? 0;

  return {
    url,
    appid,
    secret,
    control,
    /** A fresh one-time code from wx.login for `user`. */
    code(user = USER) {
      const r = control.client.login({ user, appid });
      if (typeof r.code !== 'string') throw new Error(`the mock refused wx.login for ${user}: ${r.errMsg}`);
      return r.code;
    },
    /** What a wx.* call answers for `user` (getUserInfo, getPhoneNumber, getWeRunData, getShareInfo). */
    client(api, user = USER) {
      if (api === 'getWeRunData') control.client.authorize({ user, appid, scope: 'scope.werun' });
      let r = control.client[api]({ user, appid });
      // The mini program logs in first when it has no login state yet, as a real one must.
      if (/need relogin/.test(r.errMsg)) {
        control.client.login({ user, appid });
        r = control.client[api]({ user, appid });
      }
      if (!/:ok$/.test(r.errMsg)) throw new Error(`the mock's ${api} failed for ${user}: ${r.errMsg}`);
      return r;
    },
    openid(user = USER) {
      return control.getUser(user, appid).openid;
    },
    /** The user's current session_key, as the admin API's /__admin/users/:openid/session-key gives it. */
    sessionKey(user = USER) {
      return control.sessionKey(appid, control.getUser(user, appid).openid);
    },
    fault: (spec) => control.addFault(spec),
    /** Starts counting journal entries from now. */
    markJournal() {
      mark = lastId();
    },
    /** Journal entries since markJournal(), oldest first; `paths` narrows them. */
    since(paths) {
      const entries = control.journal().filter((e) => e.id > mark).reverse();
      return paths ? entries.filter((e) => paths.includes(e.path)) : entries;
    },
    /** Faults cleared and the world as seeded (users, codes, keys, tokens), so an SDK starts from scratch. */
    reset() {
      control.clearFaults();
      control.reset();
      mark = lastId();
    },
    close: () => app.close(),
  };
}

/**
 * The login-state signature for checksession and resetusersessionkey: hmac_sha256 of the empty body, keyed with the
 * session_key's base64 text (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_checksessionkey).
 * Used only where the SDK offers no helper of its own.
 */
export function loginStateSignature(sessionKey) {
  return createHmac('sha256', sessionKey).update('').digest('hex');
}

/** The errcode an SDK surfaced: a body it returned, a body it rejected with, an error's code, or JSON in a message. */
export function errcodeOf(x) {
  if (x && typeof x === 'object') {
    if (typeof x.errcode === 'number') return x.errcode;
    if (typeof x.code === 'number') return x.code;
    if (typeof x.message === 'string') {
      const m = /"errcode":\s*(-?\d+)/.exec(x.message);
      if (m) return Number(m[1]);
    }
  }
  return undefined;
}

/** Runs `fn`, which should fail or answer with `errcode`; throws unless the SDK let the caller see that errcode. */
export async function expectErrcode(errcode, fn) {
  let got;
  try {
    got = await fn();
  } catch (err) {
    got = err;
  }
  const seen = errcodeOf(got);
  if (seen !== errcode) {
    const shown = got instanceof Error ? got.message : JSON.stringify(got);
    throw new Error(`expected errcode ${errcode} from the SDK, got ${seen ?? 'none'}: ${String(shown).slice(0, 160)}`);
  }
}

export function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** What the decrypted open data must hold, whichever SDK decrypted it. */
export function checkOpenData(kind, data, mock) {
  check(data && typeof data === 'object', `decrypted ${kind} is not an object`);
  check(data.watermark?.appid === mock.appid, `decrypted ${kind}: watermark.appid ${data.watermark?.appid} is not ${mock.appid}`);
  if (kind === 'userInfo') check(data.openId === mock.openid(), `decrypted userInfo: openId ${data.openId} is not the user's`);
  if (kind === 'phone') check(/^\d+$/.test(data.purePhoneNumber ?? ''), 'decrypted phone: no purePhoneNumber');
  if (kind === 'weRun') check(Array.isArray(data.stepInfoList) && data.stepInfoList.length > 0, 'decrypted WeRun: no stepInfoList');
  if (kind === 'share') check(typeof data.openGId === 'string' && data.openGId.length > 0, 'decrypted share: no openGId');
}

/** The client simulator's API behind each kind of open data. */
export const OPEN_DATA = { userInfo: 'getUserInfo', phone: 'getPhoneNumber', weRun: 'getWeRunData', share: 'getShareInfo' };

/** How many 40001s cgi-bin/token answers in tokenAnswers40001: a persistent one is what a wrong secret gets under
 *  the mock's `wrongSecretErrcode: 40001` (older error tables); a bounded number keeps a looping SDK finite. */
export const TOKEN_40001_TIMES = 3;

/**
 * cgi-bin/token answers 40001 (as older tables say a wrong AppSecret does): the SDK must hand the 40001 to its caller
 * after one call, not retry the token call on its own "stale token" answer.
 */
export async function tokenAnswers40001(mock, fetchToken) {
  mock.fault({ endpoint: '/cgi-bin/token', kind: 'errcode', errcode: 40001, times: TOKEN_40001_TIMES });
  mock.markJournal();
  let outcome;
  try {
    outcome = await fetchToken();
  } catch (err) {
    outcome = err;
  }
  const calls = mock.since(['/cgi-bin/token']).length;
  check(calls === 1, `${calls} cgi-bin/token calls for ${TOKEN_40001_TIMES} scripted 40001s (then success)`);
  check(errcodeOf(outcome) === 40001, `the caller saw errcode ${errcodeOf(outcome) ?? 'none'}, not 40001`);
}

/**
 * jscode2session answers labelled text/plain, as a 2024 capture of a real error shows: a success and a 40029. The
 * SDK must parse both as JSON whatever the label says.
 */
export async function textPlainAnswers(mock, code2Session) {
  mock.fault({ endpoint: '/sns/jscode2session', kind: 'textPlain', times: 2 });
  const r = await code2Session(mock.code());
  check(r?.openid === mock.openid(), `a text/plain success gave ${JSON.stringify(r)}`);
  await expectErrcode(40029, () => code2Session('not-a-code-from-wx-login'));
  const hit = mock.since(['/sns/jscode2session']).filter((e) => e.fault === 'textPlain').length;
  check(hit === 2, `the text/plain fault hit ${hit} of 2 calls`);
}
