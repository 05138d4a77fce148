// The base library version (SDKVersion, wx.getSystemInfoSync / wx.getAppBaseInfo) a simulated client runs. Some
// answers depend on it: getUserProfile gives the real profile below 2.27.1 and the grey one from it
// (https://developers.weixin.qq.com/community/develop/doc/00022c683e8a80b29bed2142b56c01, the 2022-11-09 update), and
// the phone button's detail has `code` only from 2.21.2
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/getPhoneNumber.html).
import { MockUsageError } from '../errors.js';

/** A current base library: the answers the simulator gave before it knew about versions. */
export const DEFAULT_SDK_VERSION = '3.7.0';

export const SDK_VERSION_PATTERN = '^(0|[1-9][0-9]{0,3})\\.(0|[1-9][0-9]{0,3})\\.(0|[1-9][0-9]{0,3})$';
const SDK_VERSION_RE = new RegExp(SDK_VERSION_PATTERN);

export const PROFILE_WITHDRAWN = '2.27.1';
export const PHONE_CODE_SINCE = '2.21.2';

/** The version a request names, checked (the in-process calls skip the HTTP schema), or the default. */
export function sdkVersionOf(v: unknown): string {
  if (v === undefined) return DEFAULT_SDK_VERSION;
  if (typeof v !== 'string' || !SDK_VERSION_RE.test(v)) {
    throw new MockUsageError(`parameter error: sdkVersion must look like 2.27.1, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Whether version `v` is `min` or later (numeric per part: 2.10.0 is after 2.9.9). */
export function atLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}
