// Privacy authorization (since 2023-09-15): an app's privacy guide declares the APIs that collect personal data, and
// the user agrees to the guide once per app. A guarded call fails with errno 112 when the guide does not declare it,
// and with errno 104 while the user has not agreed
// (https://developers.weixin.qq.com/miniprogram/dev/framework/user-privacy/PrivacyAuthorize.html,
// https://developers.weixin.qq.com/miniprogram/dev/framework/usability/PublicErrno.html).
import type { AppRecord, UserRecord } from '../state.js';
import { appPolicy } from '../state/app-policy.js';
import type { ClientResult } from './types.js';

export const PRIVACY_NOT_AUTHORIZED = 104;
export const PRIVACY_NOT_DECLARED = 112;

/** The consent key for the privacy dialog (wx.requirePrivacyAuthorize): how the simulated user answers it. */
export const PRIVACY_CONSENT = 'privacy';

export const notAuthorized = (api: string): ClientResult => ({
  errMsg: `${api}:fail privacy permission is not authorized`,
  errno: PRIVACY_NOT_AUTHORIZED,
});

/** The refusal a guarded call gets before it does anything, or undefined. `guard` is what the guide must declare. */
export function privacyRefusal(api: string, guard: string, a: AppRecord, u: UserRecord): ClientResult | undefined {
  if (!appPolicy(a.config).declared.has(guard)) {
    return { errMsg: `${api}:fail api scope is not declared in the privacy agreement`, errno: PRIVACY_NOT_DECLARED };
  }
  return u.privacyAgreed ? undefined : notAuthorized(api);
}

/** The guide's name as wx.getPrivacySetting shows it: 《<name>小程序隐私保护指引》; the mock names the app by appid. */
export const privacyContractName = (appid: string): string => `《${appid}小程序隐私保护指引》`;
