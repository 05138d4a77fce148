// The profile the mock invents for a user a seed leaves blank: nickname, avatar, place, phone, ids, all pure functions
// of the seed and the alias, so one seed gives the same people every run.
import type { MockRandom } from '../random.js';
import type { ConsentDecision, MockUser, MockUserSeed } from './user-schema.js';

/** The grey avatar and nickname WeChat returns since the 2022-11 profile change (anonymised shape). */
export const ANON_NICKNAME = '微信用户';
export const ANON_AVATAR =
  'https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132';

export const NICKNAMES = ['Band', '小明', 'Lily', '阿强', 'Momo', 'Kevin', '晓雨', 'Tom', '安琪', 'Leo', '子涵', 'Nina'];
export const PLACES: ReadonlyArray<readonly [string, string, string]> = [
  ['Guangzhou', 'Guangdong', 'CN'],
  ['Shenzhen', 'Guangdong', 'CN'],
  ['Hangzhou', 'Zhejiang', 'CN'],
  ['Chengdu', 'Sichuan', 'CN'],
  ['Haidian', 'Beijing', 'CN'],
  ['Pudong New District', 'Shanghai', 'CN'],
];

export type Consent = MockUser['consent'];

function consentOf(c: MockUserSeed['consent']): Consent {
  if (c === 'grant' || c === 'deny') return { default: c, scopes: {} };
  if (!c) return { default: 'grant', scopes: {} };
  const { default: def, ...scopes } = c;
  return { default: (def as ConsentDecision | undefined) ?? 'grant', scopes };
}

/** A whole user of app `appid` from a seed, every missing field invented. */
export function inventUser(
  rnd: MockRandom,
  app: { appid: string; openPlatform?: string | undefined },
  alias: string,
  s: MockUserSeed,
): Omit<MockUser, 'authSetting'> {
  const { appid } = app;
  const d = rnd.derive('profile', appid, alias);
  const openid = s.openid ?? `o${rnd.derive('openid', appid, alias).toString('base64url').slice(0, 27)}`;
  const group = app.openPlatform;
  const unionid = s.unionid ?? (group ? `o${rnd.derive('unionid', group, alias).toString('base64url').slice(0, 27)}` : undefined);
  const place = PLACES[(d[1] as number) % PLACES.length]!;
  const digits = (d.readUInt32BE(4) % 1_000_000_000).toString().padStart(9, '0');
  const mobile = `1${'35789'[(d[8] as number) % 5]}${digits}`;
  const purePhoneNumber = s.purePhoneNumber ?? s.phoneNumber ?? mobile;
  return {
    alias,
    appid,
    openid,
    ...(unionid === undefined ? {} : { unionid }),
    nickName: s.nickName ?? NICKNAMES[(d[0] as number) % NICKNAMES.length]!,
    avatarUrl: s.avatarUrl ?? `https://thirdwx.qlogo.cn/mmopen/vi_32/${rnd.derive('avatar', appid, alias).toString('base64url')}/132`,
    gender: s.gender ?? (((d[2] as number) % 2) + 1 === 1 ? 1 : 2),
    language: s.language ?? 'zh_CN',
    city: s.city ?? place[0],
    province: s.province ?? place[1],
    country: s.country ?? place[2],
    phoneNumber: s.phoneNumber ?? purePhoneNumber,
    purePhoneNumber,
    countryCode: s.countryCode ?? '86',
    consent: consentOf(s.consent),
    risk: s.risk ?? false,
    privacyAgreed: s.privacyAgreed ?? true,
  };
}
