// What an app's config says about the client face's gates, with the defaults that keep an app that says nothing
// working as before: its privacy guide declares every guarded API, it holds the phone-number permission, and its
// phone-number quota is unlimited.
import { SCOPES } from '../client/consent.js';
import type { MockAppConfig } from './apps.js';

/**
 * What a privacy guide can declare: the guarded client-simulator calls, and the wx.authorize scopes (each scope is
 * declared on its own, as the guide lists "wx.authorize({scope: 'scope.werun'})" under its category)
 * (https://developers.weixin.qq.com/miniprogram/dev/framework/user-privacy/miniprogram-intro.html).
 * scope.userInfo is left out: authorize(scope.userInfo) succeeds silently since 2021-04.
 */
export const PRIVACY_GUARDED = [
  'getUserInfo',
  'getUserProfile',
  'chooseAvatar',
  'inputNickname',
  'getPhoneNumber',
  'getRealtimePhoneNumber',
  'getWeRunData',
  ...SCOPES.filter((s) => s !== 'scope.userInfo'),
] as const;
export type PrivacyGuarded = (typeof PRIVACY_GUARDED)[number];

export interface AppPolicy {
  declared: ReadonlySet<string>;
  /** Successful phone-number verifications the app may have in all; Infinity when unlimited. */
  phoneQuota: number;
  phonePermission: boolean;
}

const ALL_DECLARED: ReadonlySet<string> = new Set(PRIVACY_GUARDED);

export function appPolicy(c: MockAppConfig): AppPolicy {
  return {
    declared: c.privacy ? new Set(c.privacy.declared) : ALL_DECLARED,
    phoneQuota: c.phoneQuota ?? Infinity,
    phonePermission: c.phonePermission ?? true,
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * What is wrong with an app config's privacy, phoneQuota and phonePermission, or undefined. The text names the field
 * from the app down ("privacy.declared[1] ...") so the config file and buildMockWechat can both prefix it.
 */
export function appPolicyProblem(a: Partial<Record<keyof MockAppConfig, unknown>>): string | undefined {
  if (a.privacy !== undefined) {
    const p = a.privacy;
    if (!isObj(p)) return 'privacy must be an object like {"declared": ["getPhoneNumber"]}';
    const extra = Object.keys(p).find((k) => k !== 'declared');
    if (extra !== undefined) return `privacy has an unknown key "${extra}" (allowed: declared)`;
    if (!Array.isArray(p.declared)) return `privacy.declared must be an array of API names, got ${JSON.stringify(p.declared)}`;
    for (const [i, name] of p.declared.entries()) {
      if (!(PRIVACY_GUARDED as readonly unknown[]).includes(name)) {
        return `privacy.declared[${i}] ${JSON.stringify(name)} is not a guarded API (allowed: ${PRIVACY_GUARDED.join(', ')})`;
      }
    }
  }
  const q = a.phoneQuota;
  if (q !== undefined && !(typeof q === 'number' && Number.isSafeInteger(q) && q >= 0)) {
    return `phoneQuota must be an integer >= 0 (leave it out for no limit), got ${JSON.stringify(q)}`;
  }
  if (a.phonePermission !== undefined && typeof a.phonePermission !== 'boolean') {
    return `phonePermission must be true or false, got ${JSON.stringify(a.phonePermission)}`;
  }
  return undefined;
}
