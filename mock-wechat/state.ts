// The mock's world: clock, apps, users, session keys, login and phone codes, access tokens. Pure data and the rules
// that belong to the data (key rotation, code expiry, token overlap); the HTTP faces live in the *-api.ts files.
import { loginStateSignature } from './crypto.js';
import { ERRMSG, MockUsageError, type WeChatErrorBody } from './errors.js';
import { DEFAULT_MAX_USERS, userSeedProblem } from './limits.js';
import { ALNUM, B64URL, createRandom, type MockRandom } from './random.js';
import type { ConsentDecision, MockAppConfig, MockOptions, MockUser, MockUserSeed, SessionKeyRotation } from './types.js';

export const DEFAULT_APP: MockAppConfig = { appid: 'wx1234567890abcdef', secret: 'mocksecret000000000000000000000a' };

/** A few named users so `wxlogin mock` has something to show; load runs create as many more as they name. */
export const DEFAULT_USERS: MockUserSeed[] = [
  { alias: 'alice', nickName: 'Alice', gender: 2 },
  { alias: 'bob', nickName: 'Bob', gender: 1 },
  { alias: 'carol', nickName: 'Carol', gender: 2, consent: 'deny' },
  { alias: 'mallory', nickName: 'Mallory', gender: 1, risk: true },
];

/** The grey avatar and nickname WeChat returns since the 2022-11 profile change (anonymised shape). */
export const ANON_NICKNAME = '微信用户';
export const ANON_AVATAR =
  'https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132';

/** wx.authorize scopes (mini-program authorization doc). */
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

const NICKNAMES = ['Band', '小明', 'Lily', '阿强', 'Momo', 'Kevin', '晓雨', 'Tom', '安琪', 'Leo', '子涵', 'Nina'];
const PLACES: ReadonlyArray<readonly [string, string, string]> = [
  ['Guangzhou', 'Guangdong', 'CN'],
  ['Shenzhen', 'Guangdong', 'CN'],
  ['Hangzhou', 'Zhejiang', 'CN'],
  ['Chengdu', 'Sichuan', 'CN'],
  ['Haidian', 'Beijing', 'CN'],
  ['Pudong New District', 'Shanghai', 'CN'],
];
const OPENID_RE = /^o[A-Za-z0-9_-]{27}$/;

export interface SessionKeyRecord {
  value: string;
  issuedAt: number;
  expiresAt: number;
  /** hmac_sha256(key, ''): what checksession and resetusersessionkey expect, computed once per key. */
  emptySig?: string;
}

export interface UserRecord extends Omit<MockUser, 'consent' | 'authSetting'> {
  consent: { default: ConsentDecision; scopes: Record<string, ConsentDecision> };
  authSetting: Record<string, boolean>;
  key?: SessionKeyRecord;
  rateWindow: number;
  rateCount: number;
}

export interface CodeRecord {
  appid: string;
  openid: string;
  expiresAt: number;
  used: boolean;
}

export interface PhoneCodeRecord extends CodeRecord {
  timestamp: number;
}

export interface TokenRecord {
  token: string;
  appid: string;
  expiresAt: number;
  /** Before expiresAt when a newer token superseded this one (the 5-minute overlap) or a force refresh killed it. */
  validUntil: number;
}

interface StableSlot {
  current?: TokenRecord;
  lastForceAt?: number;
  forceDay: number;
  forceCount: number;
}

export interface AppRecord {
  config: MockAppConfig;
  byOpenid: Map<string, UserRecord>;
  byAlias: Map<string, UserRecord>;
  latestToken?: TokenRecord;
  stable: StableSlot;
}

export interface ResolvedOptions {
  codeTtlMs: number;
  phoneCodeTtlMs: number;
  rotation: SessionKeyRotation;
  rotationPeriodMs: number;
  keyLifetimeMs: number;
  loginRateLimitPerMinute: number;
  strictUsers: boolean;
  countryCodeType: 'number' | 'string';
  journalLimit: number;
  maxUsers: number;
}

export const TOKEN_TTL_MS = 7200_000;
export const TOKEN_OVERLAP_MS = 300_000;
/** Keep dead tokens this long so a late caller gets 42001/40001 rather than a generic answer, then forget them. */
const TOKEN_RETAIN_MS = 86_400_000;
const TOKEN_CAP = 10_000;

export function resolveOptions(opts: MockOptions): ResolvedOptions {
  const sk = opts.sessionKey ?? {};
  return {
    codeTtlMs: (opts.codeTtlSeconds ?? 300) * 1000,
    phoneCodeTtlMs: (opts.phoneCodeTtlSeconds ?? 300) * 1000,
    rotation: sk.rotation ?? 'period',
    rotationPeriodMs: (sk.rotationPeriodSeconds ?? 300) * 1000,
    // WeChat does not publish the lifetime; a staff reply in the developer community once said three days.
    keyLifetimeMs: (sk.lifetimeSeconds ?? 259_200) * 1000,
    loginRateLimitPerMinute: opts.loginRateLimitPerMinute ?? 100,
    strictUsers: opts.strictUsers ?? false,
    countryCodeType: opts.countryCodeType ?? 'number',
    journalLimit: opts.journalLimit ?? 1000,
    maxUsers: opts.maxUsers ?? DEFAULT_MAX_USERS,
  };
}

export type MockState = ReturnType<typeof createState>;

export function createState(opts: MockOptions) {
  const o = resolveOptions(opts);
  const baseNow = opts.now ?? Date.now;
  const appConfigs = (opts.apps && opts.apps.length > 0 ? opts.apps : [DEFAULT_APP]).map((a) => ({ ...a }));
  if (new Set(appConfigs.map((a) => a.appid)).size !== appConfigs.length) {
    throw new MockUsageError('an appid is declared twice');
  }
  const userSeeds = opts.users ?? DEFAULT_USERS;

  let offsetMs = 0;
  let rnd: MockRandom = createRandom(opts.seed);
  const seed = rnd.seed;
  let apps = new Map<string, AppRecord>();
  let codes = new Map<string, CodeRecord>();
  let phoneCodes = new Map<string, PhoneCodeRecord>();
  let tokens = new Map<string, TokenRecord>();
  let generated = 0;
  let userCount = 0;

  const now = (): number => baseNow() + offsetMs;

  function init(): void {
    offsetMs = 0;
    rnd = createRandom(seed);
    apps = new Map();
    codes = new Map();
    phoneCodes = new Map();
    tokens = new Map();
    generated = 0;
    userCount = 0;
    for (const config of appConfigs) {
      apps.set(config.appid, { config, byOpenid: new Map(), byAlias: new Map(), stable: { forceDay: -1, forceCount: 0 } });
    }
    const records = userSeeds.reduce((n, s) => n + (s.appid === undefined ? apps.size : 1), 0);
    if (o.maxUsers > 0 && records > o.maxUsers) {
      throw new MockUsageError(
        `users: ${userSeeds.length} seeded users make ${records} user records (one per app), more than maxUsers ${o.maxUsers}`,
      );
    }
    for (const s of userSeeds) addUser(s);
  }

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

  /** `${text} rid: <unix time hex>-<8 hex>-<8 hex>`. */
  function wxError(errcode: number, text?: string): WeChatErrorBody {
    const r = rnd.stream('rid');
    const t = Math.floor(now() / 1000).toString(16).padStart(8, '0');
    return { errcode, errmsg: `${text ?? ERRMSG[errcode] ?? 'system error'} rid: ${t}-${r.hex(4)}-${r.hex(4)}` };
  }

  function app(appid: string): AppRecord | undefined {
    return apps.get(appid);
  }

  function defaultAppid(): string {
    return appConfigs[0]!.appid;
  }

  function makeUser(a: AppRecord, s: MockUserSeed): UserRecord {
    const appid = a.config.appid;
    const alias = s.alias ?? s.openid ?? `user${++generated}`;
    const d = rnd.derive('profile', appid, alias);
    const openid = s.openid ?? `o${rnd.derive('openid', appid, alias).toString('base64url').slice(0, 27)}`;
    const group = a.config.openPlatform;
    const unionid =
      s.unionid ?? (group ? `o${rnd.derive('unionid', group, alias).toString('base64url').slice(0, 27)}` : undefined);
    const place = PLACES[(d[1] as number) % PLACES.length]!;
    const digits = (d.readUInt32BE(4) % 1_000_000_000).toString().padStart(9, '0');
    const mobile = `1${'35789'[(d[8] as number) % 5]}${digits}`;
    let consent: UserRecord['consent'] = { default: 'grant', scopes: {} };
    if (s.consent === 'grant' || s.consent === 'deny') consent = { default: s.consent, scopes: {} };
    else if (s.consent) {
      const { default: def, ...scopes } = s.consent;
      consent = { default: def ?? 'grant', scopes };
    }
    const purePhoneNumber = s.purePhoneNumber ?? s.phoneNumber ?? mobile;
    return {
      alias,
      appid,
      openid,
      ...(unionid === undefined ? {} : { unionid }),
      nickName: s.nickName ?? NICKNAMES[(d[0] as number) % NICKNAMES.length]!,
      avatarUrl:
        s.avatarUrl ?? `https://thirdwx.qlogo.cn/mmopen/vi_32/${rnd.derive('avatar', appid, alias).toString('base64url')}/132`,
      gender: s.gender ?? (((d[2] as number) % 2) + 1 === 1 ? 1 : 2),
      language: s.language ?? 'zh_CN',
      city: s.city ?? place[0],
      province: s.province ?? place[1],
      country: s.country ?? place[2],
      phoneNumber: s.phoneNumber ?? purePhoneNumber,
      purePhoneNumber,
      countryCode: s.countryCode ?? '86',
      consent,
      // Since 2021-04 wx.getSetting reports scope.userInfo as granted (getUserInfo answers anonymously instead).
      authSetting: { 'scope.userInfo': true },
      risk: s.risk ?? false,
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

  /** A seed without appid is the same person in every app (one alias, a per-app openid, a per-group unionid). */
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
    const problem = userSeedProblem({ alias: ref });
    if (problem) throw new MockUsageError(`parameter error: user ${problem.slice('alias '.length)}`);
    return putUser(a, OPENID_RE.test(ref) ? { alias: ref, openid: ref } : { alias: ref });
  }

  function liveKey(u: UserRecord, t = now()): SessionKeyRecord | undefined {
    return u.key && t < u.key.expiresAt ? u.key : undefined;
  }

  function newKey(t: number, expiresAt: number): SessionKeyRecord {
    return { value: rnd.stream('session_key').bytes(16).toString('base64'), issuedAt: t, expiresAt };
  }

  /** A code fetch (wx.login) may replace the key: always, at most once per period, or never (then only on expiry). */
  function rotateOnLogin(u: UserRecord): SessionKeyRecord {
    const t = now();
    const k = liveKey(u, t);
    const fresh =
      !k || o.rotation === 'always' || (o.rotation === 'period' && t - k.issuedAt >= o.rotationPeriodMs);
    if (fresh) u.key = newKey(t, t + o.keyLifetimeMs);
    return u.key!;
  }

  /** The key a code exchange hands out: the live one, or a new one if it lapsed while the code waited. */
  function ensureKey(u: UserRecord): SessionKeyRecord {
    const t = now();
    const k = liveKey(u, t);
    if (k) return k;
    u.key = newKey(t, t + o.keyLifetimeMs);
    return u.key;
  }

  /** resetusersessionkey: the old key dies at once; the new one inherits its expiry. */
  function resetKey(u: UserRecord): SessionKeyRecord {
    const t = now();
    const old = liveKey(u, t);
    u.key = newKey(t, old ? old.expiresAt : t + o.keyLifetimeMs);
    return u.key;
  }

  function emptySignature(k: SessionKeyRecord): string {
    k.emptySig ??= loginStateSignature(k.value, '');
    return k.emptySig;
  }

  // Codes are minted in clock order with one TTL, so the oldest sit at the front of the Map: pruning from the front
  // on every mint keeps the maps bounded under load at O(1) amortised cost.
  function prune<T extends { expiresAt: number }>(m: Map<string, T>, t: number): void {
    for (const [k, v] of m) {
      if (v.expiresAt > t) break;
      m.delete(k);
    }
  }

  function mintCode(u: UserRecord): string {
    const t = now();
    prune(codes, t);
    let code: string;
    do code = rnd.stream('code').chars(32, ALNUM);
    while (codes.has(code));
    codes.set(code, { appid: u.appid, openid: u.openid, expiresAt: t + o.codeTtlMs, used: false });
    return code;
  }

  function mintPhoneCode(u: UserRecord): string {
    const t = now();
    prune(phoneCodes, t);
    let code: string;
    do code = rnd.stream('phone_code').hex(32);
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

  function lookupCode(code: string): CodeRecord | undefined {
    const c = codes.get(code);
    return c && now() < c.expiresAt ? c : undefined;
  }

  function lookupPhoneCode(code: string): PhoneCodeRecord | undefined {
    const c = phoneCodes.get(code);
    return c && now() < c.expiresAt ? c : undefined;
  }

  function newIv(): string {
    return rnd.stream('iv').bytes(16).toString('base64');
  }

  function mintToken(appid: string): TokenRecord {
    const t = now();
    for (const [k, v] of tokens) {
      if (tokens.size <= TOKEN_CAP && v.expiresAt + TOKEN_RETAIN_MS > t) break;
      tokens.delete(k);
    }
    const r = rnd.stream('token');
    let token: string;
    do token = `${(r.bytes(1)[0] as number) % 90}_${r.chars(132, B64URL)}`;
    while (tokens.has(token));
    const rec: TokenRecord = { token, appid, expiresAt: t + TOKEN_TTL_MS, validUntil: t + TOKEN_TTL_MS };
    tokens.set(token, rec);
    return rec;
  }

  function toMockUser(u: UserRecord): MockUser {
    const { key: _k, rateWindow: _w, rateCount: _c, consent, authSetting, ...rest } = u;
    return { ...rest, consent: { default: consent.default, scopes: { ...consent.scopes } }, authSetting: { ...authSetting } };
  }

  init();

  return {
    options: o,
    seed,
    appConfigs,
    now,
    advance(seconds: number): number {
      if (!Number.isFinite(seconds) || seconds < 0) throw new MockUsageError('advanceSeconds must be a number >= 0');
      offsetMs += seconds * 1000;
      return now();
    },
    reset: init,
    random: () => rnd,
    wxError,
    app,
    apps: () => apps.values(),
    defaultAppid,
    addUser,
    findUser,
    userFor,
    liveKey,
    rotateOnLogin,
    ensureKey,
    resetKey,
    emptySignature,
    mintCode,
    mintPhoneCode,
    lookupCode,
    lookupPhoneCode,
    newIv,
    mintToken,
    token: (t: string) => tokens.get(t),
    toMockUser,
    sizes: () => ({ codes: codes.size, phoneCodes: phoneCodes.size, tokens: tokens.size, users: userCount }),
  };
}
