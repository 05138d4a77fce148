// The client simulator: what the WeChat app does for a user when a mini program calls wx.*. Answers are the wx.*
// success or fail callback objects. A wx-level failure (a denied scope, a lapsed login) is a normal answer with
// errMsg "<api>:fail ..."; a mistake in the call to the simulator itself (no user, unknown app) throws
// MockUsageError, which the client face's error handler turns into a 400 with the same errMsg shape.
import { encryptOpenData, rawDataSignature } from '../crypto.js';
import { MockUsageError } from '../errors.js';
import { USER_FIELD_LIMITS } from '../limits.js';
import type { AppRecord, MockState, SessionKeyRecord, UserRecord } from '../state.js';
import { appPolicy } from '../state/app-policy.js';
import { ANON_AVATAR, ANON_NICKNAME } from '../state/profiles.js';
import type { UserInfo } from '../state/user-schema.js';
import { decide, PHONE_CONSENT, prompt, SCOPES } from './consent.js';
import { notAuthorized, PRIVACY_CONSENT, privacyContractName, privacyRefusal } from './privacy.js';
import { atLeast, PHONE_CODE_SINCE, PROFILE_WITHDRAWN, sdkVersionOf } from './sdk-version.js';
import type {
  AuthorizeRequest,
  ClientRequest,
  ClientResult,
  MockClientApi,
  NicknameRequest,
  PluginLoginRequest,
  ShareInfoRequest,
  UserInfoRequest,
} from './types.js';

/** errno of a phone-number call once the app's quota is spent (getPhoneNumber component page, "收费"). */
export const PHONE_NO_QUOTA = 1_400_001;

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
  function target(body: ClientRequest): { a: AppRecord; u: UserRecord; sdk: string } {
    if (body === null || typeof body !== 'object') throw new MockUsageError('parameter error: a JSON object body is required');
    if (typeof body.user !== 'string' || body.user === '') throw new MockUsageError('parameter error: user is required');
    const sdk = sdkVersionOf(body.sdkVersion);
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
    return { a, u, sdk };
  }

  /**
   * What stops a phone-number call before the user sees a dialog: privacy, then the app's permission
   * ("getPhoneNumber:fail no permission"), then its quota (errno 1400001; the refusal is counted for the bill).
   */
  function phoneRefusal(api: 'getPhoneNumber' | 'getRealtimePhoneNumber', a: AppRecord, u: UserRecord): ClientResult | undefined {
    const refused = privacyRefusal(api, api, a, u);
    if (refused) return refused;
    const p = appPolicy(a.config);
    if (!p.phonePermission) return fail(api, 'no permission');
    if (!state.phoneUsage.admit(a.config.appid, p.phoneQuota)) return { errMsg: `${api}:fail no quota`, errno: PHONE_NO_QUOTA };
    return undefined;
  }

  /** Open data as WeChat hands it over: AES-128-CBC under the user's session_key, with a fresh iv. */
  function seal(k: SessionKeyRecord, payload: unknown): { encryptedData: string; iv: string } {
    const iv = state.newIv();
    return { encryptedData: state.registerSealed(encryptOpenData(JSON.stringify(payload), k.value, iv), payload), iv };
  }

  const watermark = (appid: string) => ({ timestamp: Math.floor(state.now() / 1000), appid });

  /**
   * getUserInfo and getUserProfile. Anonymised by default (grey avatar, "微信用户", empty region: the shape since
   * 2022-11); `classic` gives the real profile. getUserInfo's encrypted data keeps the real openId/unionId,
   * getUserProfile's has none
   * (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/user-info/wx.getUserProfile.html).
   */
  function userInfo(api: 'getUserInfo' | 'getUserProfile', body: UserInfoRequest): ClientResult {
    const { a, u, sdk } = target(body);
    const refused = privacyRefusal(api, api, a, u);
    if (refused) return refused;
    // getUserProfile still gives the real profile to base libraries below 2.27.1 (client/sdk-version.ts).
    const classic = body.classic === true || (api === 'getUserProfile' && !atLeast(sdk, PROFILE_WITHDRAWN));
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
      const { a, u } = target(body);
      if (typeof body.scope !== 'string' || body.scope === '') throw new MockUsageError('parameter error: scope is required');
      if (!(SCOPES as readonly string[]).includes(body.scope)) return fail('authorize', `invalid scope ${body.scope}`);
      // Since 2021-04 authorize(scope.userInfo) succeeds silently (the data it unlocks is anonymised).
      if (body.scope === 'scope.userInfo') {
        u.authSetting['scope.userInfo'] = true;
        return { errMsg: 'authorize:ok' };
      }
      const refused = privacyRefusal('authorize', body.scope, a, u);
      if (refused) return refused;
      return prompt(u, body.scope) ? { errMsg: 'authorize:ok' } : fail('authorize', 'auth deny');
    },
    getUserInfo: (body) => userInfo('getUserInfo', body),
    getUserProfile: (body) => userInfo('getUserProfile', body),
    getPhoneNumber(body) {
      const { a, u, sdk } = target(body);
      const refused = phoneRefusal('getPhoneNumber', a, u);
      if (refused) return refused;
      if (!decide(u, PHONE_CONSENT)) return fail('getPhoneNumber', 'user deny');
      const k = state.liveKey(u);
      if (!k) return relogin('getPhoneNumber');
      state.phoneUsage.charge(a.config.appid, 'quick');
      // Below base library 2.21.2 the button hands over encryptedData and iv only, no code.
      const code = atLeast(sdk, PHONE_CODE_SINCE) ? state.mintPhoneCode(u) : undefined;
      // The old encrypted payload types countryCode as a string
      // (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/deprecatedGetPhoneNumber.html).
      const data = {
        phoneNumber: u.phoneNumber,
        purePhoneNumber: u.purePhoneNumber,
        countryCode: u.countryCode,
        watermark: watermark(u.appid),
      };
      return { errMsg: 'getPhoneNumber:ok', ...(code === undefined ? {} : { code }), ...seal(k, data) };
    },
    getWeRunData(body) {
      const { a, u } = target(body);
      const refused = privacyRefusal('getWeRunData', 'getWeRunData', a, u);
      if (refused) return refused;
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
    // wx.getPrivacySetting and wx.requirePrivacyAuthorize
    // (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/privacy/wx.getPrivacySetting.html).
    getPrivacySetting(body) {
      const { a, u } = target(body);
      return {
        errMsg: 'getPrivacySetting:ok',
        needAuthorization: !u.privacyAgreed,
        privacyContractName: privacyContractName(a.config.appid),
      };
    },
    requirePrivacyAuthorize(body) {
      const { u } = target(body);
      if (u.privacyAgreed) return { errMsg: 'requirePrivacyAuthorize:ok' };
      // The privacy dialog: the user answers it as their consent says for the key "privacy"; a refusal is not kept.
      if (!decide(u, PRIVACY_CONSENT)) return notAuthorized('requirePrivacyAuthorize');
      u.privacyAgreed = true;
      return { errMsg: 'requirePrivacyAuthorize:ok' };
    },
    // The real-time phone-number button (open-type="getRealtimePhoneNumber"): a code only, exchanged by the same
    // server API (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/getRealtimePhoneNumber.html).
    getRealtimePhoneNumber(body) {
      const { a, u } = target(body);
      const refused = phoneRefusal('getRealtimePhoneNumber', a, u);
      if (refused) return refused;
      if (!decide(u, PHONE_CONSENT)) return fail('getRealtimePhoneNumber', 'user deny');
      state.phoneUsage.charge(a.config.appid, 'realtime');
      return { errMsg: 'getRealtimePhoneNumber:ok', code: state.mintPhoneCode(u) };
    },
    // What replaced getUserProfile: the avatar button (open-type="chooseAvatar", a temporary file path) and the
    // nickname input (type="nickname")
    // (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/userProfile.html).
    chooseAvatar(body) {
      const { a, u } = target(body);
      const refused = privacyRefusal('chooseAvatar', 'chooseAvatar', a, u);
      if (refused) return refused;
      return { errMsg: 'chooseAvatar:ok', avatarUrl: `http://tmp/${state.random().stream('avatar_tmp').hex(16)}.jpeg` };
    },
    inputNickname(body: NicknameRequest) {
      const { a, u } = target(body);
      const v = body.value;
      if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > USER_FIELD_LIMITS.nickName)) {
        throw new MockUsageError(`parameter error: value must be 1 to ${USER_FIELD_LIMITS.nickName} characters`);
      }
      const refused = privacyRefusal('inputNickname', 'inputNickname', a, u);
      if (refused) return refused;
      return { errMsg: 'inputNickname:ok', nickName: v ?? u.nickName };
    },
    // wx.pluginLogin, called inside a plugin: a code the plugin's server exchanges for the openpid with
    // getPluginOpenPId (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.pluginLogin.html).
    // `plugin` is the plugin's appid, one of the mock's apps so that its server can get a token; default the host.
    pluginLogin(body: PluginLoginRequest) {
      const { a, u } = target(body);
      const plugin = body.plugin ?? a.config.appid;
      if (!state.app(plugin)) throw new MockUsageError(`unknown plugin appid ${plugin}`);
      return { errMsg: 'pluginLogin:ok', code: state.mintPluginCode(u, plugin) };
    },
  };
}
