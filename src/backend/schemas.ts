// Input and response schemas of every route. Request bodies are TypeBox schemas, so the type a handler sees is derived
// from the schema that validated it (one definition of each shape). Responses are serialised through their schemas
// (fast-json-stringify), so a field a handler returns by mistake, session_key above all, is dropped rather than sent.
import { Type, type Static } from '@sinclair/typebox';

/**
 * Base64 as clients send it: the standard alphabet and padding, plus what src/crypto repairs (a space for a "+" turned
 * by form decoding, line breaks, %2B %2F %3D). Anything else is refused here, before a handler runs; what passes the
 * pattern is decoded strictly there.
 */
const b64 = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[A-Za-z0-9+/= \\r\\n%]+$' });
/** The fields checked by b64: a refusal of theirs is bad_base64, like one of the decoder's. */
export const BASE64_FIELDS = ['encryptedData', 'iv'] as const;

const errorEnvelope = {
  type: 'object',
  required: ['code', 'msg', 'error', 'data'],
  properties: {
    code: { type: 'integer' },
    msg: { type: 'string' },
    error: { type: 'string' },
    data: {
      anyOf: [
        { type: 'null' },
        { type: 'object', properties: { errcode: { type: 'integer' } }, additionalProperties: false },
      ],
    },
  },
  additionalProperties: false,
} as const;

function ok(data: object) {
  return {
    200: {
      type: 'object',
      required: ['code', 'msg', 'data'],
      properties: { code: { type: 'integer' }, msg: { type: 'string' }, data },
      additionalProperties: false,
    },
    '4xx': errorEnvelope,
    '5xx': errorEnvelope,
  };
}

const PROFILE_PROPS = {
  openId: { type: 'string' },
  unionId: { type: 'string' },
  nickName: { type: 'string' },
  gender: { type: 'integer' },
  language: { type: 'string' },
  city: { type: 'string' },
  province: { type: 'string' },
  country: { type: 'string' },
  avatarUrl: { type: 'string' },
} as const;
const PROFILE = { type: 'object', properties: PROFILE_PROPS, additionalProperties: false } as const;
const PHONE = {
  type: 'object',
  required: ['phoneNumber', 'purePhoneNumber', 'countryCode'],
  properties: { phoneNumber: { type: 'string' }, purePhoneNumber: { type: 'string' }, countryCode: { type: 'string' } },
  additionalProperties: false,
} as const;

/** Token in the body (optional: the Authorization header is the other place). */
const bodyToken = Type.Optional(Type.String({ minLength: 1, maxLength: 128 }));
const encryptedData = b64(65536);
const iv = b64(64);

// A wx.login code is printable ASCII (observed: 32 alphanumerics); anything else is refused before WeChat sees it.
export const LoginBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' }) });
export const UserinfoBody = Type.Object({
  token: bodyToken,
  encryptedData,
  iv,
  rawData: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
  signature: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
/** A phone code (getuserphonenumber) or the old encrypted payload: exactly one of them, checked by the service. */
export const PhoneBody = Type.Object({
  token: bodyToken,
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  encryptedData: Type.Optional(encryptedData),
  iv: Type.Optional(iv),
});
export const EncryptedBody = Type.Object({ token: bodyToken, encryptedData, iv });
/** Routes whose only input is the token (in the header, or here). */
export const TokenBody = Type.Object({ token: bodyToken });
export type LoginBody = Static<typeof LoginBody>;
export type UserinfoBody = Static<typeof UserinfoBody>;
export type PhoneBody = Static<typeof PhoneBody>;
export type EncryptedBody = Static<typeof EncryptedBody>;

export const loginSchema = {
  body: LoginBody,
  response: ok({
    type: 'object',
    required: ['token', 'expiresIn'],
    properties: { token: { type: 'string' }, expiresIn: { type: 'integer' } },
    additionalProperties: false,
  }),
} as const;

export const userinfoSchema = {
  body: UserinfoBody,
  response: ok(PROFILE),
} as const;

export const phoneSchema = {
  body: PhoneBody,
  response: ok(PHONE),
} as const;

export const werunSchema = {
  body: EncryptedBody,
  response: ok({
    type: 'object',
    required: ['stepInfoList'],
    properties: {
      stepInfoList: {
        type: 'array',
        items: {
          type: 'object',
          properties: { timestamp: { type: 'integer' }, step: { type: 'integer' } },
          additionalProperties: false,
        },
      },
    },
    additionalProperties: false,
  }),
} as const;

export const shareinfoSchema = {
  body: EncryptedBody,
  response: ok({ type: 'object', required: ['openGId'], properties: { openGId: { type: 'string' } }, additionalProperties: false }),
} as const;

export const meSchema = {
  querystring: Type.Object({ token: bodyToken }),
  response: ok({
    type: 'object',
    required: ['openid'],
    properties: {
      openid: { type: 'string' },
      unionid: { type: 'string' },
      profile: PROFILE,
      phone: PHONE,
      createdAt: { type: 'integer' },
      updatedAt: { type: 'integer' },
      session: {
        type: 'object',
        properties: { createdAt: { type: 'integer' }, expiresAt: { type: 'integer' } },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  }),
} as const;

export const logoutSchema = {
  body: TokenBody,
  response: ok({ type: 'null' }),
} as const;

export const sessionCheckSchema = {
  body: TokenBody,
  response: ok({ type: 'object', required: ['valid'], properties: { valid: { type: 'boolean' } }, additionalProperties: false }),
} as const;

export const healthSchema = {
  response: ok({
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string' }, store: { type: 'string' } },
    additionalProperties: false,
  }),
} as const;

export const livezSchema = {
  response: ok({
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string' } },
    additionalProperties: false,
  }),
} as const;
