// Login codes (wx.login) and phone-number codes (the getPhoneNumber button): single use, expiring, bound to one user
// of one app (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.login.html).
import type { ResolvedOptions } from '../options.js';
import { ALNUM, type MockRandom } from '../random.js';

export interface CodeRecord {
  appid: string;
  openid: string;
  expiresAt: number;
  used: boolean;
}

export interface PhoneCodeRecord extends CodeRecord {
  timestamp: number;
}

// Codes are minted in clock order with one TTL, so the oldest sit at the front of the Map: pruning from the front
// on every mint keeps the maps bounded under load at O(1) amortised cost.
function prune<T extends { expiresAt: number }>(m: Map<string, T>, t: number): void {
  for (const [k, v] of m) {
    if (v.expiresAt > t) break;
    m.delete(k);
  }
}

export function createCodes(o: ResolvedOptions, now: () => number, random: () => MockRandom) {
  let codes = new Map<string, CodeRecord>();
  let phoneCodes = new Map<string, PhoneCodeRecord>();

  function mintCode(u: { appid: string; openid: string }): string {
    const t = now();
    prune(codes, t);
    let code: string;
    do code = random().stream('code').chars(32, ALNUM);
    while (codes.has(code));
    codes.set(code, { appid: u.appid, openid: u.openid, expiresAt: t + o.codeTtlMs, used: false });
    return code;
  }

  function mintPhoneCode(u: { appid: string; openid: string }): string {
    const t = now();
    prune(phoneCodes, t);
    let code: string;
    do code = random().stream('phone_code').hex(32);
    while (phoneCodes.has(code));
    phoneCodes.set(code, {
      appid: u.appid,
      openid: u.openid,
      expiresAt: t + o.phoneCodeTtlMs,
      used: false,
      timestamp: Math.floor(t / 1000),
    });
    return code;
  }

  const live = <T extends CodeRecord>(c: T | undefined): T | undefined => (c && now() < c.expiresAt ? c : undefined);

  return {
    mintCode,
    mintPhoneCode,
    lookupCode: (code: string) => live(codes.get(code)),
    lookupPhoneCode: (code: string) => live(phoneCodes.get(code)),
    sizes: () => ({ codes: codes.size, phoneCodes: phoneCodes.size }),
    reset(): void {
      codes = new Map();
      phoneCodes = new Map();
    },
  };
}
