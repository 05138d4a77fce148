// What an app's phone-number verifications would be billed for: each success of the quick-verification button
// (getPhoneNumber) and of the real-time one (getRealtimePhoneNumber) counts against the app's quota, and the calls
// refused once it is spent are counted too
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/getPhoneNumber.html, "收费").
import { Type } from '@sinclair/typebox';
import { badField, checkPart, type RestoreContext } from './snapshot.js';

export type PhoneKind = 'quick' | 'realtime';

const Count = Type.Integer({ minimum: 0 });
const PhoneUsagePart = Type.Object(
  {
    apps: Type.Array(
      Type.Object({ appid: Type.String(), quick: Count, realtime: Count, refusedNoQuota: Count }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export interface PhoneUsage {
  appid: string;
  /** Successful quick verifications (getPhoneNumber). */
  quick: number;
  /** Successful real-time verifications (getRealtimePhoneNumber). */
  realtime: number;
  /** Calls refused with errno 1400001 because the quota was spent. */
  refusedNoQuota: number;
  /** The app's quota, null when unlimited. */
  quota: number | null;
  /** What is left of it, null when unlimited. */
  remaining: number | null;
}

export function createPhoneUsage() {
  let counts = new Map<string, { quick: number; realtime: number; refusedNoQuota: number }>();
  const of = (appid: string) => {
    let c = counts.get(appid);
    if (!c) counts.set(appid, (c = { quick: 0, realtime: 0, refusedNoQuota: 0 }));
    return c;
  };
  return {
    /** Whether one more success fits in `quota`; a refusal is counted. */
    admit(appid: string, quota: number): boolean {
      const c = of(appid);
      if (c.quick + c.realtime < quota) return true;
      c.refusedNoQuota++;
      return false;
    },
    charge(appid: string, kind: PhoneKind): void {
      of(appid)[kind]++;
    },
    usage(appid: string, quota: number): PhoneUsage {
      const c = of(appid);
      const finite = Number.isFinite(quota);
      return {
        appid,
        ...c,
        quota: finite ? quota : null,
        remaining: finite ? Math.max(0, quota - c.quick - c.realtime) : null,
      };
    },
    reset(): void {
      counts = new Map();
    },
    /** The counts per app: a quota spent before a restart stays spent after it. */
    snapshot() {
      return { apps: [...counts].map(([appid, c]) => ({ appid, ...c })) };
    },
    restore(part: unknown, path: string, ctx: RestoreContext) {
      const p = checkPart(PhoneUsagePart, part, path);
      const seen = new Set<string>();
      p.apps.forEach((a, i) => {
        const at = `${path}.apps[${i}].appid`;
        if (seen.has(a.appid)) throw badField(at, 'appears twice');
        seen.add(a.appid);
        if (!ctx.hasApp(a.appid)) throw badField(at, `${a.appid} is not an app of this mock`);
      });
      return () => {
        counts = new Map(p.apps.map(({ appid, ...c }) => [appid, { ...c }]));
      };
    },
  };
}
