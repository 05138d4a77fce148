// The client simulator: what the WeChat app does for a user when a mini program calls wx.*. Answers are the wx.*
// success or fail callback objects. A wx-level failure (a denied scope, a lapsed login) is a normal answer with
// errMsg "<api>:fail ..."; a mistake in the call to the simulator itself (no user, unknown app) throws
// MockUsageError, which the client face's error handler turns into a 400 with the same errMsg shape.
import { encryptOpenData, rawDataSignature } from '../crypto.js';
import { MockUsageError } from '../errors.js';
import type { AppRecord, MockState, SessionKeyRecord, UserRecord } from '../state.js';
import { ANON_AVATAR, ANON_NICKNAME } from '../state/profiles.js';
import type { UserInfo } from '../state/user-schema.js';
import { decide, PHONE_CONSENT, prompt, SCOPES } from './consent.js';
import type { AuthorizeRequest, ClientRequest, ClientResult, MockClientApi, ShareInfoRequest, UserInfoRequest } from './types.js';

const DAY_S = 86_400;
const CST_S = 8 * 3600;

const fail = (api: string, why: string): ClientResult => ({ errMsg: `${api}:fail ${why}` });
// The documented lapse message of wx.checkSession
// (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.checkSession.html); the data APIs fail the
// same way without a key.
const relogin = (api: string): ClientResult => fail(api, 'session time out, need relogin');

/** The real profile (`classic`), or the anonymised one WeChat gives since 2022-11. */
function profile(u: UserRecord, classic: boolean): UserInfo {
  return classic
    ? {
        nickName: u.nickName,
        gender: u.gender,
        language: u.language,
        city: u.city,
        province: u.province,
        country: u.country,
        avatarUrl: u.avatarUrl,
      }
    : { nickName: ANON_NICKNAME, gender: 0, language: '', city: '', province: '', country: '', avatarUrl: ANON_AVATAR };
}

export function createClientApi(state: MockState): MockClientApi {
  function target(body: ClientRequest): { a: AppRecord; u: UserRecord } {
    if (body === null || typeof body !== 'object') throw new MockUsageError('parameter error: a JSON object body is required');
    if (typeof body.user !== 'string' || body.user === '') throw new MockUsageError('parameter error: user is required');
    let appid = body.appid;
    if (appid === undefined) {
      if (state.appConfigs.length !== 1) {
        throw new MockUsageError(`parameter error: appid is required (the mock serves ${state.appConfigs.length} apps)`);
      }
      appid = state.defaultAppid();
    }
    const a = state.app(appid);
    if (!a) throw new MockUsageError(`unknown appid ${appid}`);
    const u = state.userFor(a, body.user);
    if (!u) throw new MockUsageError(`unknown user ${body.user} (strictUsers is on)`);
    return { a, u };
  }

  /** Open data as WeChat hands it over: AES-128-CBC under the user's session_key, with a fresh iv. */
  function seal(k: SessionKeyRecord, payload: unknown): { encryptedData: string; iv: string } {
    const iv = state.newIv();
    return { encryptedData: encryptOpenData(JSON.stringify(payload), k.value, iv), iv };
  }

  const watermark = (appid: string) => ({ timestamp: Math.floor(state.now() / 1000), appid });

  /**
   * getUserInfo and getUserProfile. Anonymised by default (grey avatar, "微信用户", empty region: the shape since
   * 2022-11); `classic` gives the real profile. getUserInfo's encrypted data keeps the real openId/unionId,
   * getUserProfile's has none
   * (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/user-info/wx.getUserProfile.html).
   */
  function userInfo(api: 'getUserInfo' | 'getUserProfile', body: UserInfoRequest): ClientResult {
    const { u } = target(body);
    const classic = body.classic === true;
    // getUserProfile shows its dialog on every call; the classic getUserInfo needs scope.userInfo consent.
    if ((api === 'getUserProfile' || classic) && !decide(u, 'scope.userInfo')) return fail(api, 'auth deny');
    const k = state.liveKey(u);
    if (!k) return relogin(api);
    const info = profile(u, classic);
    const rawData = JSON.stringify(info);
    const data =
      api === 'getUserInfo'
        ? {
            openId: u.openid,
            ...info,
            ...(u.unionid === undefined ? {} : { unionId: u.unionid }),
            watermark: watermark(u.appid),
          }
        : { ...info, watermark: watermark(u.appid) };
    return {
      errMsg: `${api}:ok`,
      userInfo: info,
      rawData,
      signature: rawDataSignature(rawData, k.value),
      ...seal(k, data),
    };
  }

  return {
    login(body) {
      const { u } = target(body);
      state.rotateOnLogin(u);
      return { errMsg: 'login:ok', code: state.mintCode(u) };
    },
    checkSession(body) {
      const { u } = target(body);
      return state.liveKey(u) ? { errMsg: 'checkSession:ok' } : relogin('checkSession');
    },
    getSetting(body) {
      const { u } = target(body);
      return { errMsg: 'getSetting:ok', authSetting: { ...u.authSetting } };
    },
    authorize(body: AuthorizeRequest) {
      const { u } = target(body);
      if (typeof body.scope !== 'string' || body.scope === '') throw new MockUsageError('parameter error: scope is required');
      if (!(SCOPES as readonly string[]).includes(body.scope)) return fail('authorize', `invalid scope ${body.scope}`);
      // Since 2021-04 authorize(scope.userInfo) succeeds silently (the data it unlocks is anonymised).
      if (body.scope === 'scope.userInfo') {
        u.authSetting['scope.userInfo'] = true;
        return { errMsg: 'authorize:ok' };
      }
      return prompt(u, body.scope) ? { errMsg: 'authorize:ok' } : fail('authorize', 'auth deny');
    },
    getUserInfo: (body) => userInfo('getUserInfo', body),
    getUserProfile: (body) => userInfo('getUserProfile', body),
    getPhoneNumber(body) {
      const { u } = target(body);
      if (!decide(u, PHONE_CONSENT)) return fail('getPhoneNumber', 'user deny');
      const k = state.liveKey(u);
      if (!k) return relogin('getPhoneNumber');
      const code = state.mintPhoneCode(u);
      // The old encrypted payload types countryCode as a string
      // (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/deprecatedGetPhoneNumber.html).
      const data = {
        phoneNumber: u.phoneNumber,
        purePhoneNumber: u.purePhoneNumber,
        countryCode: u.countryCode,
        watermark: watermark(u.appid),
      };
      return { errMsg: 'getPhoneNumber:ok', code, ...seal(k, data) };
    },
    getWeRunData(body) {
      const { u } = target(body);
      if (!prompt(u, 'scope.werun')) return fail('getWeRunData', 'auth deny');
      const k = state.liveKey(u);
      if (!k) return relogin('getWeRunData');
      // The past 31 days, one entry per local (UTC+8) midnight, oldest first; steps are a pure function of the seed.
      const t = Math.floor(state.now() / 1000);
      const today = Math.floor((t + CST_S) / DAY_S) * DAY_S - CST_S;
      const stepInfoList = [];
      for (let i = 30; i >= 0; i--) {
        const timestamp = today - i * DAY_S;
        const step = state.random().derive('werun', u.appid, u.openid, String(timestamp)).readUInt32BE(0) % 20_001;
        stepInfoList.push({ timestamp, step });
      }
      return { errMsg: 'getWeRunData:ok', ...seal(k, { stepInfoList, watermark: watermark(u.appid) }) };
    },
    getShareInfo(body: ShareInfoRequest) {
      const { u } = target(body);
      const k = state.liveKey(u);
      if (!k) return relogin('getShareInfo');
      const ticket = body.shareTicket ?? 'default';
      const openGId = `t${state.random().derive('opengid', u.appid, ticket).toString('base64url').slice(0, 28)}`;
      return { errMsg: 'getShareInfo:ok', ...seal(k, { openGId, watermark: watermark(u.appid) }) };
    },
  };
}
