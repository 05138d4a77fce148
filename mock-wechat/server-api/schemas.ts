// JSON schemas of the server API. Inputs are all optional strings: WeChat answers a missing or odd parameter with an
// errcode, never a 400, so the handlers, not the validator, judge them. Response schemas make fastify serialise with
// precompiled stringifiers (fast) and drop any field a handler returns by mistake.
const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;

const wxError = { errcode: I, errmsg: S } as const;

export const serverQuery = (...keys: string[]) =>
  ({ type: 'object', properties: Object.fromEntries(keys.map((k) => [k, S])) }) as const;

export const serverResponses = {
  // expires_in: only the legacy-answer quirk writes it (quirks.ts).
  jscode2session: { 200: { type: 'object', properties: { session_key: S, openid: S, unionid: S, expires_in: I, ...wxError } } },
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
  getPaidUnionid: { 200: { type: 'object', properties: { ...wxError, unionid: S } } },
  // `vaild` is spelled as WeChat's page spells it.
  checkEncryptedMsg: { 200: { type: 'object', properties: { ...wxError, vaild: { type: 'boolean' }, create_time: I } } },
  getPluginOpenPId: { 200: { type: 'object', properties: { ...wxError, openpid: S } } },
  // `unoin_id` is spelled as WeChat's page spells it.
  getUserRiskRank: { 200: { type: 'object', properties: { ...wxError, risk_rank: I, unoin_id: I } } },
  getRidInfo: {
    200: {
      type: 'object',
      properties: {
        ...wxError,
        request: {
          type: 'object',
          properties: { invoke_time: I, cost_in_ms: I, request_url: S, request_body: S, response_body: S, client_ip: S },
        },
      },
    },
  },
} as const;
