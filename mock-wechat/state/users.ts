// Users, per app: a directory by openid and by alias, seeded at build, added by the admin API, created on first use
// by the client simulator (unless strictUsers), bounded by maxUsers. A seed without appid is the same person in
// every app (one alias, a per-app openid, a per-group unionid).
import { Type } from '@sinclair/typebox';
import { MockUsageError } from '../errors.js';
import { USER_FIELD_LIMITS, userSeedProblem } from '../limits.js';
import type { ResolvedOptions } from '../options.js';
import type { MockRandom } from '../random.js';
import type { MockAppConfig } from './apps.js';
import { inventUser } from './profiles.js';
import { SessionKeyPart, type SessionKeyRecord } from './session-keys.js';
import { badField, checkPart, type RestoreContext } from './snapshot.js';
import { MockUserSchema, type MockUser, type MockUserSeed } from './user-schema.js';

/** A few named users so `wxlogin mock` has something to show; load runs create as many more as they name. */
export const DEFAULT_USERS: MockUserSeed[] = [
  { alias: 'alice', nickName: 'Alice', gender: 2 },
  { alias: 'bob', nickName: 'Bob', gender: 1 },
  { alias: 'carol', nickName: 'Carol', gender: 2, consent: 'deny' },
  { alias: 'mallory', nickName: 'Mallory', gender: 1, risk: true },
];

const OPENID_RE = /^o[A-Za-z0-9_-]{27}$/;

/** A user in a snapshot: what the admin API shows, plus the live key and the rate window. */
const UserPart = Type.Object(
  {
    ...MockUserSchema.properties,
    key: Type.Optional(SessionKeyPart),
    rateWindow: Type.Integer(),
    rateCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
const UsersPart = Type.Object(
  { generated: Type.Integer({ minimum: 0 }), users: Type.Array(UserPart) },
  { additionalProperties: false },
);

export interface UserRecord extends MockUser {
  key?: SessionKeyRecord;
  /** code2Session calls in the current minute (loginRateLimitPerMinute). */
  rateWindow: number;
  rateCount: number;
}

export interface AppRecord {
  config: MockAppConfig;
  byOpenid: Map<string, UserRecord>;
  byAlias: Map<string, UserRecord>;
}

export function createUsers(
  o: ResolvedOptions,
  appConfigs: readonly MockAppConfig[],
  seeds: readonly MockUserSeed[],
  random: () => MockRandom,
) {
  let apps = new Map<string, AppRecord>();
  let generated = 0;
  let userCount = 0;

  /** Refuses a user the mock has no room for: a 4xx naming the limit, not an ever-growing heap. */
  function roomFor(fresh: number): void {
    if (o.maxUsers > 0 && userCount + fresh > o.maxUsers) {
      throw new MockUsageError(
        `user limit reached: the mock holds ${userCount} users and maxUsers is ${o.maxUsers} ` +
          '(raise it with --max-users or maxUsers in the config, or POST /__admin/reset)',
        409,
      );
    }
  }

  function makeUser(a: AppRecord, s: MockUserSeed): UserRecord {
    const alias = s.alias ?? s.openid ?? `user${++generated}`;
    const p = inventUser(random(), a.config, alias, s);
    // One object literal, not a spread of the invented user: V8 gave every record made by a spread a hidden class of
    // its own once a key was added (20,000 users, 20,000 maps: memory held, slower property access).
    return {
      alias: p.alias,
      appid: p.appid,
      openid: p.openid,
      ...(p.unionid === undefined ? {} : { unionid: p.unionid }),
      nickName: p.nickName,
      avatarUrl: p.avatarUrl,
      gender: p.gender,
      language: p.language,
      city: p.city,
      province: p.province,
      country: p.country,
      phoneNumber: p.phoneNumber,
      purePhoneNumber: p.purePhoneNumber,
      countryCode: p.countryCode,
      consent: p.consent,
      // Since 2021-04 wx.getSetting reports scope.userInfo as granted (getUserInfo answers anonymously instead).
      authSetting: { 'scope.userInfo': true },
      risk: p.risk,
      privacyAgreed: p.privacyAgreed,
      rateWindow: -1,
      rateCount: 0,
    };
  }

  function existingUser(a: AppRecord, s: MockUserSeed): UserRecord | undefined {
    return (
      (s.openid !== undefined ? a.byOpenid.get(s.openid) : undefined) ??
      (s.alias !== undefined ? a.byAlias.get(s.alias) : undefined)
    );
  }

  function putUser(a: AppRecord, s: MockUserSeed): UserRecord {
    const existing = existingUser(a, s);
    if (!existing) roomFor(1);
    const u = makeUser(a, existing ? { ...s, alias: s.alias ?? existing.alias, openid: s.openid ?? existing.openid } : s);
    if (existing) {
      // An upsert keeps what the user did (live key, authorizations, rate window) and replaces the profile.
      u.authSetting = existing.authSetting;
      u.rateWindow = existing.rateWindow;
      u.rateCount = existing.rateCount;
      if (s.privacyAgreed === undefined) u.privacyAgreed = existing.privacyAgreed;
      if (existing.key) u.key = existing.key;
      a.byOpenid.delete(existing.openid);
      a.byAlias.delete(existing.alias);
    }
    const clash = a.byOpenid.get(u.openid) ?? a.byAlias.get(u.alias);
    if (clash) throw new MockUsageError(`user ${u.alias} (${u.openid}) clashes with ${clash.alias} in app ${a.config.appid}`, 409);
    a.byOpenid.set(u.openid, u);
    a.byAlias.set(u.alias, u);
    if (!existing) userCount++;
    return u;
  }

  function addUser(s: MockUserSeed): UserRecord {
    const problem = userSeedProblem(s);
    if (problem) throw new MockUsageError(`user: ${problem}`);
    if (s.appid !== undefined) {
      const a = apps.get(s.appid);
      if (!a) throw new MockUsageError(`unknown appid ${s.appid}`, 404);
      return putUser(a, s);
    }
    // All apps or none: check the room first so a refusal leaves no half-created person behind.
    roomFor([...apps.values()].filter((a) => !existingUser(a, s)).length);
    let first: UserRecord | undefined;
    for (const a of apps.values()) {
      const u = putUser(a, s);
      first ??= u;
    }
    return first!;
  }

  function findUser(a: AppRecord, ref: string): UserRecord | undefined {
    return a.byOpenid.get(ref) ?? a.byAlias.get(ref);
  }

  /** The user a client-simulator call names; created on first use unless the mock is strict. */
  function userFor(a: AppRecord, ref: string): UserRecord | undefined {
    const u = findUser(a, ref);
    if (u || o.strictUsers) return u;
    // The alias is the only field of the seed: its length is all there is to check.
    if (ref.length > USER_FIELD_LIMITS.alias) {
      throw new MockUsageError(`parameter error: user ${userSeedProblem({ alias: ref })!.slice('alias '.length)}`);
    }
    return putUser(a, OPENID_RE.test(ref) ? { alias: ref, openid: ref } : { alias: ref });
  }

  /** The user as the outside sees it: a copy, without the key and the rate window. */
  function toMockUser(u: UserRecord): MockUser {
    const { key: _k, rateWindow: _w, rateCount: _c, consent, authSetting, ...rest } = u;
    return { ...rest, consent: { default: consent.default, scopes: { ...consent.scopes } }, authSetting: { ...authSetting } };
  }

  function reset(): void {
    apps = new Map();
    generated = 0;
    userCount = 0;
    for (const config of appConfigs) apps.set(config.appid, { config, byOpenid: new Map(), byAlias: new Map() });
    const records = seeds.reduce((n, s) => n + (s.appid === undefined ? apps.size : 1), 0);
    if (o.maxUsers > 0 && records > o.maxUsers) {
      throw new MockUsageError(
        `users: ${seeds.length} seeded users make ${records} user records (one per app), more than maxUsers ${o.maxUsers}`,
      );
    }
    for (const s of seeds) addUser(s);
  }

  function snapshot() {
    const out = [];
    for (const a of apps.values()) {
      for (const u of a.byOpenid.values()) {
        const { key, rateWindow, rateCount } = u;
        out.push({ ...toMockUser(u), ...(key ? { key: { value: key.value, issuedAt: key.issuedAt, expiresAt: key.expiresAt } } : {}), rateWindow, rateCount });
      }
    }
    return { generated, users: out };
  }

  /** Every user of the snapshot, in place of the present ones (seeded users included). */
  function restore(part: unknown, path: string, ctx: RestoreContext) {
    const p = checkPart(UsersPart, part, path);
    if (o.maxUsers > 0 && p.users.length > o.maxUsers) {
      throw badField(`${path}.users`, `holds ${p.users.length} users, more than this mock's maxUsers ${o.maxUsers}`);
    }
    const aliases = new Set<string>();
    p.users.forEach((u, i) => {
      const at = `${path}.users[${i}]`;
      if (!ctx.hasApp(u.appid)) throw badField(`${at}.appid`, `unknown appid ${u.appid}`);
      const { key: _k, rateWindow: _w, rateCount: _c, authSetting: _a, consent, ...fields } = u;
      const problem = userSeedProblem({ ...fields, consent: consent.scopes });
      if (problem) throw badField(at, problem);
      if (ctx.hasUser(u.appid, u.openid)) throw badField(`${at}.openid`, `${u.openid} appears twice in app ${u.appid}`);
      if (aliases.has(`${u.appid}\0${u.alias}`)) throw badField(`${at}.alias`, `${u.alias} appears twice in app ${u.appid}`);
      ctx.addUser(u.appid, u.openid);
      aliases.add(`${u.appid}\0${u.alias}`);
    });
    return () => {
      for (const a of apps.values()) {
        a.byOpenid = new Map();
        a.byAlias = new Map();
      }
      for (const s of p.users) {
        const { key, consent, authSetting, ...rest } = s;
        const u: UserRecord = {
          ...rest,
          consent: { default: consent.default, scopes: { ...consent.scopes } },
          authSetting: { ...authSetting },
        };
        if (key) u.key = { value: key.value, issuedAt: key.issuedAt, expiresAt: key.expiresAt };
        const a = apps.get(u.appid)!;
        a.byOpenid.set(u.openid, u);
        a.byAlias.set(u.alias, u);
      }
      userCount = p.users.length;
      generated = p.generated;
    };
  }

  return {
    app: (appid: string): AppRecord | undefined => apps.get(appid),
    apps: () => apps.values(),
    /** The user `openid` of app `appid`, if both exist. */
    user: (appid: string, openid: string): UserRecord | undefined => apps.get(appid)?.byOpenid.get(openid),
    addUser,
    findUser,
    userFor,
    toMockUser,
    sizes: () => ({ users: userCount }),
    reset,
    snapshot,
    restore,
  };
}
