// The user's side of authorization: the wx.authorize scopes and how the simulated user answers a dialog
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/authorize.html).
import type { UserRecord } from '../state.js';

/** wx.authorize scopes (the authorization page's scope list). */
export const SCOPES = [
  'scope.userInfo',
  'scope.userLocation',
  'scope.userFuzzyLocation',
  'scope.userLocationBackground',
  'scope.record',
  'scope.camera',
  'scope.bluetooth',
  'scope.writePhotosAlbum',
  'scope.addPhoneContact',
  'scope.addPhoneCalendar',
  'scope.werun',
  'scope.address',
  'scope.invoiceTitle',
  'scope.invoice',
] as const;

/** The consent key for the phone-number button (it is not a wx.authorize scope). */
export const PHONE_CONSENT = 'phoneNumber';

/** What the user answers a dialog that shows every time (getUserProfile, the phone button). */
export function decide(u: UserRecord, key: string): boolean {
  return (u.consent.scopes[key] ?? u.consent.default) === 'grant';
}

/** Asks the user for a scope the way the authorization dialog does: once; a refusal is remembered, never re-asked. */
export function prompt(u: UserRecord, scope: string): boolean {
  const known = u.authSetting[scope];
  if (known !== undefined) return known;
  const granted = decide(u, scope);
  u.authSetting[scope] = granted;
  return granted;
}
