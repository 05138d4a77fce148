// JSON schemas for every route. Response schemas make fastify serialise with precompiled stringifiers (fast) and
// drop any field a handler returns by mistake. Server-API inputs are all optional strings: WeChat answers a missing
// or odd parameter with an errcode, never a 400, so the handlers, not the validator, judge them.
import { CONSENT_KEY_MAX, CONSENT_SCOPES_MAX, USER_FIELD_LIMITS as L } from './limits.js';

const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;

const wxError = { errcode: I, errmsg: S } as const;

export const serverQuery = (...keys: string[]) =>
  ({ type: 'object', properties: Object.fromEntries(keys.map((k) => [k, S])) }) as const;

export const serverResponses = {
  jscode2session: { 200: { type: 'object', properties: { session_key: S, openid: S, unionid: S, ...wxError } } },
  token: { 200: { type: 'object', properties: { access_token: S, expires_in: I, ...wxError } } },
  checkSession: { 200: { type: 'object', properties: wxError } },
  resetUserSessionKey: { 200: { type: 'object', properties: { ...wxError, openid: S, session_key: S } } },
  getUserPhoneNumber: {
    200: {
      type: 'object',
      properties: {
        ...wxError,
        phone_info: {
          type: 'object',
          properties: {
            phoneNumber: S,
            purePhoneNumber: S,
            countryCode: { type: ['integer', 'string'] },
            watermark: { type: 'object', properties: { timestamp: I, appid: S } },
          },
        },
      },
    },
  },
  notFound: { type: 'object', properties: wxError },
} as const;

const userInfoShape = {
  type: 'object',
  properties: { nickName: S, gender: I, language: S, city: S, province: S, country: S, avatarUrl: S },
} as const;

export const clientResult = {
  type: 'object',
  required: ['errMsg'],
  properties: {
    errMsg: S,
    errno: I,
    code: S,
    authSetting: { type: 'object', additionalProperties: { type: 'boolean' } },
    userInfo: userInfoShape,
    rawData: S,
    signature: S,
    encryptedData: S,
    iv: S,
  },
} as const;

export const clientResponses = { 200: clientResult, 400: clientResult, 404: clientResult, 500: clientResult } as const;

export const clientBody = (extra: Record<string, unknown> = {}, required: string[] = []) =>
  ({
    type: 'object',
    required: ['user', ...required],
    additionalProperties: false,
    properties: {
      appid: { type: 'string', minLength: 1, maxLength: L.appid },
      // The user becomes an alias (or an openid) when created on first use, so it is bounded like one.
      user: { type: 'string', minLength: 1, maxLength: L.alias },
      ...extra,
    },
  }) as const;

const decision = { type: 'string', enum: ['grant', 'deny'] } as const;
const upTo = (maxLength: number, minLength = 0) => ({ type: 'string', minLength, maxLength }) as const;

export const userSeedSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    alias: upTo(L.alias, 1),
    appid: upTo(L.appid),
    openid: upTo(L.openid, 1),
    unionid: upTo(L.unionid),
    nickName: upTo(L.nickName),
    avatarUrl: upTo(L.avatarUrl),
    gender: { type: 'integer', enum: [0, 1, 2] },
    language: upTo(L.language),
    city: upTo(L.city),
    province: upTo(L.province),
    country: upTo(L.country),
    phoneNumber: upTo(L.phoneNumber),
    purePhoneNumber: upTo(L.purePhoneNumber),
    countryCode: upTo(L.countryCode),
    consent: {
      anyOf: [
        decision,
        {
          type: 'object',
          maxProperties: CONSENT_SCOPES_MAX,
          propertyNames: { maxLength: CONSENT_KEY_MAX },
          additionalProperties: decision,
        },
      ],
    },
    risk: { type: 'boolean' },
  },
} as const;

export const userSchema = {
  type: 'object',
  properties: {
    alias: S,
    appid: S,
    openid: S,
    unionid: S,
    nickName: S,
    avatarUrl: S,
    gender: I,
    language: S,
    city: S,
    province: S,
    country: S,
    phoneNumber: S,
    purePhoneNumber: S,
    countryCode: S,
    consent: {
      type: 'object',
      properties: { default: S, scopes: { type: 'object', additionalProperties: S } },
    },
    authSetting: { type: 'object', additionalProperties: { type: 'boolean' } },
    risk: { type: 'boolean' },
  },
} as const;

export const adminError = { type: 'object', properties: { error: S } } as const;

export const faultSchema = {
  type: 'object',
  properties: {
    id: S,
    endpoint: S,
    kind: S,
    errcode: I,
    errmsg: S,
    latencyMs: I,
    status: I,
    times: { type: ['integer', 'null'] },
    probability: { type: 'number' },
    remaining: { type: ['integer', 'null'] },
  },
} as const;

export const journalEntrySchema = {
  type: 'object',
  properties: {
    id: I,
    time: S,
    method: S,
    path: S,
    query: { type: 'object', additionalProperties: true },
    body: {},
    status: I,
    errcode: I,
    errMsg: S,
    fault: S,
    durationMs: { type: 'number' },
  },
} as const;

export const appSchema = { type: 'object', properties: { appid: S, secret: S, openPlatform: S } } as const;
