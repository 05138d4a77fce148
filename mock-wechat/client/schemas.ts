// JSON schemas of the client simulator: each call's body (the wx.* options it reads) and the callback object.
import { USER_FIELD_LIMITS as L } from '../limits.js';
import { UserInfoSchema } from '../state/user-schema.js';
import type { ClientApiName } from './apis.js';
import { SDK_VERSION_PATTERN } from './sdk-version.js';

const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;

export const clientResult = {
  type: 'object',
  required: ['errMsg'],
  properties: {
    errMsg: S,
    errno: I,
    code: S,
    authSetting: { type: 'object', additionalProperties: { type: 'boolean' } },
    userInfo: UserInfoSchema,
    rawData: S,
    signature: S,
    encryptedData: S,
    iv: S,
    needAuthorization: { type: 'boolean' },
    privacyContractName: S,
    avatarUrl: S,
    nickName: S,
  },
} as const;

export const clientResponses = { 200: clientResult, 400: clientResult, 404: clientResult, 500: clientResult } as const;

const LANG = { type: 'string', maxLength: L.language } as const;

/** Per call: the body's own properties beyond user and appid, and which of them are required. */
const extras: Record<ClientApiName, [Record<string, unknown>, string[]]> = {
  login: [{}, []],
  checkSession: [{}, []],
  getSetting: [{}, []],
  authorize: [{ scope: { type: 'string', minLength: 1, maxLength: 64 } }, ['scope']],
  getUserInfo: [{ classic: { type: 'boolean' }, lang: LANG, withCredentials: { type: 'boolean' } }, []],
  getUserProfile: [{ classic: { type: 'boolean' }, lang: LANG, desc: { type: 'string', maxLength: 256 } }, []],
  getPhoneNumber: [{}, []],
  getWeRunData: [{}, []],
  getShareInfo: [{ shareTicket: { type: 'string', minLength: 1, maxLength: 256 } }, []],
  getPrivacySetting: [{}, []],
  requirePrivacyAuthorize: [{}, []],
  getRealtimePhoneNumber: [{}, []],
  chooseAvatar: [{}, []],
  inputNickname: [{ value: { type: 'string', minLength: 1, maxLength: L.nickName } }, []],
  pluginLogin: [{ plugin: { type: 'string', minLength: 1, maxLength: L.appid } }, []],
};

export function clientBody(api: ClientApiName) {
  const [extra, required] = extras[api];
  return {
    type: 'object',
    required: ['user', ...required],
    additionalProperties: false,
    properties: {
      appid: { type: 'string', minLength: 1, maxLength: L.appid },
      // The user becomes an alias (or an openid) when created on first use, so it is bounded like one.
      user: { type: 'string', minLength: 1, maxLength: L.alias },
      sdkVersion: { type: 'string', pattern: SDK_VERSION_PATTERN },
      ...extra,
    },
  } as const;
}
