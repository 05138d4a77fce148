// A mock user, defined once. The TypeBox schemas below are the JSON schemas the admin API validates and serialises
// with, the TypeScript types are derived from them, and the config file's key list is read off them: adding a field
// here adds it everywhere. Profile fields are those of wx.getUserInfo's userInfo
// (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/user-info/UserInfo.html) plus the phone number's
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/getPhoneNumber.html).
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { CONSENT_KEY_MAX, CONSENT_SCOPES_MAX, USER_FIELD_LIMITS as L } from '../limits.js';

const text = (maxLength: number, minLength = 0) => Type.String({ minLength, maxLength });

export const ConsentDecisionSchema = Type.Unsafe<'grant' | 'deny'>({ type: 'string', enum: ['grant', 'deny'] });
export type ConsentDecision = Static<typeof ConsentDecisionSchema>;

/** 0 unknown, 1 male, 2 female. Kept as an integer enum (not a union of literals) so validation messages stay short. */
const GenderSchema = Type.Unsafe<0 | 1 | 2>({ type: 'integer', enum: [0, 1, 2] });

/** The seven fields of wx.getUserInfo's userInfo: what the client simulator shows of a user. */
export const userInfoFields = {
  nickName: text(L.nickName),
  gender: GenderSchema,
  language: text(L.language),
  city: text(L.city),
  province: text(L.province),
  country: text(L.country),
  avatarUrl: text(L.avatarUrl),
} as const;

/** Every user field, in the order the admin API lists them. */
const fields = {
  alias: text(L.alias, 1),
  appid: text(L.appid),
  openid: text(L.openid, 1),
  unionid: text(L.unionid),
  nickName: userInfoFields.nickName,
  avatarUrl: userInfoFields.avatarUrl,
  gender: userInfoFields.gender,
  language: userInfoFields.language,
  city: userInfoFields.city,
  province: userInfoFields.province,
  country: userInfoFields.country,
  phoneNumber: text(L.phoneNumber),
  purePhoneNumber: text(L.purePhoneNumber),
  countryCode: text(L.countryCode),
} as const;

type Fields = typeof fields;
const optional = <T extends Record<string, TSchema>>(o: T) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: TOptional<T[K]> };

/** What a seed may say; anything left out is invented from the seed (see profiles.ts). */
export const UserSeedSchema = Type.Object(
  {
    ...optional(fields),
    consent: Type.Optional(
      Type.Union([
        ConsentDecisionSchema,
        Type.Unsafe<Record<string, ConsentDecision>>({
          type: 'object',
          maxProperties: CONSENT_SCOPES_MAX,
          propertyNames: { maxLength: CONSENT_KEY_MAX },
          additionalProperties: ConsentDecisionSchema,
        }),
      ]),
    ),
    risk: Type.Optional(Type.Boolean()),
    /** Whether the user has agreed to the app's privacy guide (client/privacy.ts). Default true. */
    privacyAgreed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type MockUserSeed = Static<typeof UserSeedSchema>;

/** A user as the mock holds it and the admin API shows it. */
export const MockUserSchema = Type.Object({
  ...(fields as Omit<Fields, 'unionid'>),
  unionid: Type.Optional(fields.unionid),
  consent: Type.Object({ default: ConsentDecisionSchema, scopes: Type.Record(Type.String(), ConsentDecisionSchema) }),
  authSetting: Type.Record(Type.String(), Type.Boolean()),
  risk: Type.Boolean(),
  privacyAgreed: Type.Boolean(),
});
export type MockUser = Static<typeof MockUserSchema>;

export const UserInfoSchema = Type.Object(userInfoFields);
export type UserInfo = Static<typeof UserInfoSchema>;

const isString = (s: TSchema) => (s as { type?: unknown }).type === 'string';
const seedKeys = Object.keys(UserSeedSchema.properties) as Array<keyof MockUserSeed & string>;
/** The seed's free-text fields, then the others: the order a config file's "allowed:" message lists them in. */
export const USER_SEED_STRING_KEYS = seedKeys.filter((k) => isString(UserSeedSchema.properties[k]));
export const USER_SEED_KEYS = [...USER_SEED_STRING_KEYS, ...seedKeys.filter((k) => !isString(UserSeedSchema.properties[k]))];
