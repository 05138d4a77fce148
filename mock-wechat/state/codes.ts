// Login codes (wx.login) and phone-number codes (the getPhoneNumber button): single use, expiring, bound to one user
// of one app (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.login.html).
import { Type } from '@sinclair/typebox';
import type { ResolvedOptions } from '../options.js';
import { ALNUM, type MockRandom } from '../random.js';
import { badField, checkPart, type RestoreContext } from './snapshot.js';
import { pruneFront } from './prune-front.js';

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
// on every mint keeps the maps bounded under load at O(1) amortised cost (prune-front.ts).
function prune<T extends { expiresAt: number }>(m: Map<string, T>, t: number): void {
  pruneFront(m, (v) => v.expiresAt <= t);
}

const codeFields = {
  code: Type.String({ minLength: 1, maxLength: 128 }),
  appid: Type.String(),
  openid: Type.String(),
  expiresAt: Type.Integer(),
  used: Type.Boolean(),
};
const CodesPart = Type.Object(
  {
    login: Type.Array(Type.Object(codeFields, { additionalProperties: false })),
    phone: Type.Array(Type.Object({ ...codeFields, timestamp: Type.Integer() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

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

  /**
   * Codes kept in a snapshot: the unexpired ones, used or not, so a code exchanged before a restart still answers
   * 40163 after it (as WeChat, which does not restart, would) and one not yet exchanged still works within its 5
   * minutes. Expired codes answer as unknown ones (40029) and are left out.
   */
  function snapshot() {
    const t = now();
    const keep = <T extends CodeRecord>(m: Map<string, T>) => [...m].filter(([, c]) => c.expiresAt > t).map(([code, c]) => ({ code, ...c }));
    return { login: keep(codes), phone: keep(phoneCodes) };
  }

  function restore(part: unknown, path: string, ctx: RestoreContext) {
    const p = checkPart(CodesPart, part, path);
    for (const kind of ['login', 'phone'] as const) {
      const seen = new Set<string>();
      p[kind].forEach((c, i) => {
        const at = `${path}.${kind}[${i}]`;
        if (seen.has(c.code)) throw badField(`${at}.code`, 'appears twice');
        seen.add(c.code);
        if (!ctx.hasUser(c.appid, c.openid)) throw badField(at, `belongs to user ${c.openid} of app ${c.appid}, whom the snapshot does not hold`);
      });
    }
    // In expiry order, which pruning relies on (see prune).
    const byExpiry = <T extends { code: string; expiresAt: number }, R>(list: T[], rec: (c: T) => R) =>
      new Map([...list].sort((a, b) => a.expiresAt - b.expiresAt).map((c) => [c.code, rec(c)] as const));
    return () => {
      codes = byExpiry(p.login, (c) => ({ appid: c.appid, openid: c.openid, expiresAt: c.expiresAt, used: c.used }));
      phoneCodes = byExpiry(p.phone, (c) => ({ appid: c.appid, openid: c.openid, expiresAt: c.expiresAt, used: c.used, timestamp: c.timestamp }));
    };
  }

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
    snapshot,
    restore,
  };
}
